package main

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/fence"
	"github.com/safezones/safezones/geo"
	"github.com/safezones/safezones/geojson"
)

// workload is the data one run uses.
type workload struct {
	source string
	zones  []safezones.Zone
	points []geo.Point
	tracks []fence.Update
}

func loadWorkload(c config) (*workload, error) {
	w := &workload{source: fmt.Sprintf("seed %d", c.seed)}
	var err error
	if c.zonesFile != "" {
		if w.zones, err = readZones(c.zonesFile); err != nil {
			return nil, err
		}
		w.source = "files"
	} else {
		w.zones = fence.WorkloadZones(c.seed, c.zones)
	}
	if c.pointsFile != "" {
		if w.points, err = readPoints(c.pointsFile); err != nil {
			return nil, err
		}
		w.source = "files"
	} else {
		w.points = fence.WorkloadPoints(c.seed, c.points)
	}
	if c.tracksFile != "" {
		if w.tracks, err = readTracks(c.tracksFile); err != nil {
			return nil, err
		}
		w.source = "files"
	} else {
		w.tracks = fence.WorkloadTracks(c.seed, c.objects, c.updates)
	}
	return w, nil
}

func countVertices(zones []safezones.Zone) int {
	n := 0
	for _, z := range zones {
		switch g := z.Geometry.(type) {
		case geo.Polygon:
			for _, r := range g {
				n += len(r)
			}
		case geo.MultiPolygon:
			for _, pg := range g {
				for _, r := range pg {
					n += len(r)
				}
			}
		case geo.LineString:
			n += len(g)
		case geo.Point:
			n++
		}
	}
	return n
}

func countObjects(us []fence.Update) int {
	seen := map[string]bool{}
	for _, u := range us {
		seen[u.ObjectID] = true
	}
	return len(seen)
}

// writeTo writes the workload as zones.geojson (a FeatureCollection as
// `safezones zone import` reads it), points.csv and tracks.csv.
func (w *workload) writeTo(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	buf := []byte(`{"type":"FeatureCollection","features":[`)
	for i := range w.zones {
		if i > 0 {
			buf = append(buf, ",\n"...)
		}
		buf = geojson.AppendZoneFeature(buf, &w.zones[i])
	}
	buf = append(buf, "]}\n"...)
	if err := os.WriteFile(filepath.Join(dir, "zones.geojson"), buf, 0o644); err != nil {
		return err
	}
	buf = append(buf[:0], "lon,lat\n"...)
	for _, p := range w.points {
		buf = strconv.AppendFloat(buf, p.Lon, 'g', -1, 64)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, p.Lat, 'g', -1, 64)
		buf = append(buf, '\n')
	}
	if err := os.WriteFile(filepath.Join(dir, "points.csv"), buf, 0o644); err != nil {
		return err
	}
	buf = append(buf[:0], "object_id,time,lon,lat,alt_m\n"...)
	for _, u := range w.tracks {
		buf = append(buf, u.ObjectID...)
		buf = append(buf, ',')
		buf = u.Time.UTC().AppendFormat(buf, time.RFC3339Nano)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, u.Point.Lon, 'g', -1, 64)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, u.Point.Lat, 'g', -1, 64)
		buf = append(buf, ',')
		if u.HasAlt {
			buf = strconv.AppendFloat(buf, u.AltM, 'g', -1, 64)
		}
		buf = append(buf, '\n')
	}
	return os.WriteFile(filepath.Join(dir, "tracks.csv"), buf, 0o644)
}

// readZones reads a GeoJSON FeatureCollection of zones with the project's
// decoder; each feature becomes an active zone (id from the feature or its
// properties, else "f<index>").
func readZones(path string) ([]safezones.Zone, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	lim := geojson.DefaultLimits()
	lim.MaxBytes = 1 << 30
	lim.MaxFeatures = 1 << 22
	feats, errs := geojson.DecodeFeatureCollection(data, lim)
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s: %w (and %d more errors)", path, errs[0], len(errs)-1)
	}
	zones := make([]safezones.Zone, 0, len(feats))
	for _, f := range feats {
		t, err := geojson.TermsFromFeature(f)
		if err != nil {
			return nil, fmt.Errorf("%s: features[%d]: %w", path, f.Index, err)
		}
		id := f.ID
		if id == "" {
			if s, ok := f.Properties["id"].(string); ok {
				id = s
			}
		}
		if id == "" {
			id = fmt.Sprintf("f%d", f.Index)
		}
		version := 1
		if v, ok := f.Properties["version"].(float64); ok && v >= 1 {
			version = int(v)
		}
		zones = append(zones, safezones.Zone{ID: id, Version: version, Terms: t, Status: safezones.StatusActive})
	}
	return zones, nil
}

func openCSV(path string, header []string) (*os.File, *csv.Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	r.FieldsPerRecord = len(header)
	r.ReuseRecord = true
	h, err := r.Read()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s: header: %w", path, err)
	}
	for i := range header {
		if h[i] != header[i] {
			f.Close()
			return nil, nil, fmt.Errorf("%s: header column %d is %q, want %q", path, i+1, h[i], header[i])
		}
	}
	return f, r, nil
}

func parseFloat(path string, line int, col, s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%s:%d: %s: %w", path, line, col, err)
	}
	return v, nil
}

// readPoints reads "lon,lat" lines after a header.
func readPoints(path string) ([]geo.Point, error) {
	f, r, err := openCSV(path, []string{"lon", "lat"})
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var pts []geo.Point
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return pts, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		lon, err := parseFloat(path, line, "lon", rec[0])
		if err != nil {
			return nil, err
		}
		lat, err := parseFloat(path, line, "lat", rec[1])
		if err != nil {
			return nil, err
		}
		pts = append(pts, geo.Point{Lon: lon, Lat: lat})
	}
}

// readTracks reads "object_id,time,lon,lat,alt_m" lines after a header;
// an empty alt_m means no altitude.
func readTracks(path string) ([]fence.Update, error) {
	f, r, err := openCSV(path, []string{"object_id", "time", "lon", "lat", "alt_m"})
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var us []fence.Update
	ids := map[string]string{}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return us, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		id, ok := ids[rec[0]]
		if !ok {
			id = rec[0]
			ids[id] = id
		}
		t, err := time.Parse(time.RFC3339Nano, rec[1])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: time: %w", path, line, err)
		}
		u := fence.Update{ObjectID: id, Time: t}
		if u.Point.Lon, err = parseFloat(path, line, "lon", rec[2]); err != nil {
			return nil, err
		}
		if u.Point.Lat, err = parseFloat(path, line, "lat", rec[3]); err != nil {
			return nil, err
		}
		if rec[4] != "" {
			if u.AltM, err = parseFloat(path, line, "alt_m", rec[4]); err != nil {
				return nil, err
			}
			u.HasAlt = true
		}
		us = append(us, u)
	}
}
