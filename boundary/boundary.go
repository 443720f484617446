package boundary

import (
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/safezones/safezones/geo"
)

// The administrative levels of a Set.
const (
	LevelCountry     = 0 // the country outline (Natural Earth 1:50m)
	LevelGovernorate = 1 // governorates, ADM1 (OCHA COD v02)
	LevelDistrict    = 2 // districts, ADM2 (OCHA COD 2015)
)

const levelCount = 3

//go:embed data/*.geojson
var dataFS embed.FS

// syriaFiles names the embedded file of each level.
var syriaFiles = [levelCount]string{
	LevelCountry:     "data/ne_50m_syr_adm0.geojson",
	LevelGovernorate: "data/syr_admin1_ocha_cod_v02.geojson",
	LevelDistrict:    "data/syr_admin2_ocha_2015.geojson",
}

// Area is one administrative area: the country, a governorate or a
// district.
type Area struct {
	// PCode is the OCHA place code: "SY" for the country, "SY01".."SY14"
	// for governorates, "SY0100" and the like for districts.
	PCode string
	// NameEN and NameAR are the area's English and Arabic names as the
	// source data spells them ("Idleb", "إدلب").
	NameEN string
	NameAR string
	// Level is 0 for the country, 1 for a governorate, 2 for a district.
	Level int
	// ParentPCode is the PCode of the area one level up ("" for the
	// country).
	ParentPCode string
	// Geometry is the area in WGS84 lon/lat, shells counter-clockwise and
	// holes clockwise. It is shared with the Set: treat it as read-only.
	Geometry geo.MultiPolygon
	// Bound is Geometry's bounding rectangle.
	Bound geo.Rect
}

// Set is a collection of administrative areas at levels 0 to 2, built
// once and read-only afterwards, so it is safe for concurrent use.
type Set struct {
	levels  [levelCount][]Area      // each sorted by PCode
	index   [levelCount][]areaIndex // parallel to levels
	byPCode map[string]*Area
	byName  [levelCount]map[string]*Area // by nameKey of NameEN and aliases
	files   fs.FS
	names   [levelCount]string
}

var (
	syriaOnce sync.Once
	syriaSet  *Set
	syriaErr  error
)

// Syria returns the embedded boundaries of Syria: the country outline,
// the 14 governorates and the 61 districts. The data is parsed and indexed
// on the first call (about half a second of CPU) and the same *Set is
// returned afterwards. It returns the same error on every call if the
// embedded data is broken.
func Syria() (*Set, error) {
	syriaOnce.Do(func() {
		syriaSet, syriaErr = load(dataFS, syriaFiles)
	})
	return syriaSet, syriaErr
}

// load reads one FeatureCollection per level from fsys and checks that
// PCodes are present and unique, that English names are unique within a
// level, and that every area's parent exists one level up.
func load(fsys fs.FS, files [levelCount]string) (*Set, error) {
	s := &Set{files: fsys, names: files, byPCode: make(map[string]*Area)}
	var countryNameAR string
	for level, name := range files {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read boundaries: %w", err)
		}
		fc, err := decodeFeatureCollection(b)
		if err != nil {
			return nil, fmt.Errorf("decode %s: %w", name, err)
		}
		if len(fc.Features) == 0 {
			return nil, fmt.Errorf("decode %s: no features", name)
		}
		areas := make([]Area, 0, len(fc.Features))
		for i, f := range fc.Features {
			a, err := areaFromFeature(&f, level)
			if err != nil {
				return nil, fmt.Errorf("decode %s: features[%d]: %w", name, i, err)
			}
			if level == LevelGovernorate && countryNameAR == "" {
				countryNameAR = stringProp(f.Properties, "adm0_name1")
			}
			areas = append(areas, a)
		}
		slices.SortFunc(areas, func(a, b Area) int { return strings.Compare(a.PCode, b.PCode) })
		s.levels[level] = areas
		s.index[level] = make([]areaIndex, len(areas))
		for i := range areas {
			s.index[level][i] = newAreaIndex(areas[i].Geometry)
		}
	}
	// Natural Earth carries no Arabic name; OCHA's ADM1 file does.
	for i := range s.levels[LevelCountry] {
		if s.levels[LevelCountry][i].NameAR == "" {
			s.levels[LevelCountry][i].NameAR = countryNameAR
		}
	}
	for level := range s.levels {
		s.byName[level] = make(map[string]*Area)
		for i := range s.levels[level] {
			a := &s.levels[level][i]
			if _, dup := s.byPCode[a.PCode]; dup {
				return nil, fmt.Errorf("boundaries %s: duplicate PCode %q", files[level], a.PCode)
			}
			s.byPCode[a.PCode] = a
			k := nameKey(a.NameEN)
			if other, dup := s.byName[level][k]; dup {
				return nil, fmt.Errorf("boundaries %s: %s and %s share the name %q", files[level], other.PCode, a.PCode, a.NameEN)
			}
			s.byName[level][k] = a
		}
	}
	for level := LevelGovernorate; level < levelCount; level++ {
		for _, a := range s.levels[level] {
			p, ok := s.byPCode[a.ParentPCode]
			if !ok || p.Level != level-1 {
				return nil, fmt.Errorf("boundaries %s: %s (%s): parent %q is not a level %d area", files[level], a.PCode, a.NameEN, a.ParentPCode, level-1)
			}
		}
	}
	for alias, code := range aliases {
		if a, ok := s.byPCode[code]; ok {
			if _, taken := s.byName[a.Level][alias]; !taken {
				s.byName[a.Level][alias] = a
			}
		}
	}
	return s, nil
}

// areaFromFeature reads one feature of the given level. The property names
// are those of the shipped files (Natural Earth; OCHA COD v02 ADM1; OCHA
// 2015 ADM2).
func areaFromFeature(f *feature, level int) (Area, error) {
	a := Area{Level: level}
	p := f.Properties
	switch level {
	case LevelCountry:
		a.PCode, a.NameEN = stringProp(p, "ISO_A2"), stringProp(p, "NAME")
	case LevelGovernorate:
		a.PCode, a.NameEN, a.NameAR = stringProp(p, "ADM1_PCODE"), stringProp(p, "ADM1_EN"), stringProp(p, "ADM1_AR")
		a.ParentPCode = stringProp(p, "adm0_pcode")
	case LevelDistrict:
		a.PCode, a.NameEN, a.NameAR = stringProp(p, "PCODE"), stringProp(p, "NAME_EN"), stringProp(p, "NAME_ARA")
		a.ParentPCode = stringProp(p, "ADMIN1_COD")
	}
	if a.PCode == "" {
		return Area{}, fmt.Errorf("properties: no PCode")
	}
	if a.NameEN == "" {
		return Area{}, fmt.Errorf("properties: %s has no English name", a.PCode)
	}
	g, err := multiPolygonFromGeometry(f.Geometry)
	if err != nil {
		return Area{}, fmt.Errorf("%s (%s): %w", a.PCode, a.NameEN, err)
	}
	a.Geometry = g
	a.Bound = g.Bound()
	return a, nil
}

// stringProp returns the string property key, or "" when it is absent or
// not a string.
func stringProp(p map[string]any, key string) string {
	s, _ := p[key].(string)
	return strings.TrimSpace(s)
}

// Locate returns the area of the given level that contains p, edges
// included: the same answer as Area.Geometry.ContainsPoint, found through a
// bounding-box prefilter and a per-ring index of latitude bands (a few
// hundred nanoseconds per call, no allocation). Where areas overlap
// (adjacent polygons of the source data overlap slightly or share edges
// along their borders), the one with the lowest PCode wins, so the answer
// is deterministic. It returns false when no area contains p (outside the
// country, seaward of a generalised coastline, or in a sliver gap between
// two areas) or when level is not 0, 1 or 2.
func (s *Set) Locate(p geo.Point, level int) (Area, bool) {
	if level < 0 || level >= levelCount {
		return Area{}, false
	}
	areas := s.levels[level]
	for i := range areas {
		if areas[i].Bound.Contains(p) && s.index[level][i].containsPoint(p) {
			return areas[i], true
		}
	}
	return Area{}, false
}

// Areas returns every area of a level ordered by PCode, or nil for an
// unknown level. The slice is the caller's; the geometries are shared.
func (s *Set) Areas(level int) []Area {
	if level < 0 || level >= levelCount {
		return nil
	}
	return slices.Clone(s.levels[level])
}

// ByPCode returns the area with the given PCode at any level ("SY",
// "SY07", "SY0705"), matched exactly; false when there is none.
func (s *Set) ByPCode(code string) (Area, bool) {
	a, ok := s.byPCode[code]
	if !ok {
		return Area{}, false
	}
	return *a, true
}

// ByName returns the area of a level with the given English name. Matching
// ignores case, spaces and punctuation ("deir ez-zor" finds "Deir-ez-Zor")
// and a trailing "governorate" or "district". Governorates and the country
// are also found by common English spellings used by other datasets
// (UCDP, ACLED): "Idlib" for "Idleb", "Latakia", "Tartus", "Ar Raqqah",
// "Rif Dimashq", "Syria" and others. It returns false when no area of
// that level matches.
func (s *Set) ByName(name string, level int) (Area, bool) {
	if level < 0 || level >= levelCount {
		return Area{}, false
	}
	k := nameKey(name)
	a, ok := s.byName[level][k]
	if !ok {
		for _, suffix := range []string{"governorate", "district"} {
			if t, cut := strings.CutSuffix(k, suffix); cut && t != "" {
				a, ok = s.byName[level][t]
				break
			}
		}
	}
	if !ok {
		return Area{}, false
	}
	return *a, true
}

// GeoJSON returns a copy of the embedded GeoJSON file of a level, exactly
// as shipped (with its original properties and winding), for serving as a
// basemap; nil for an unknown level.
func (s *Set) GeoJSON(level int) []byte {
	if level < 0 || level >= levelCount {
		return nil
	}
	b, err := fs.ReadFile(s.files, s.names[level])
	if err != nil {
		// load read the same file successfully, so an embedded FS
		// cannot fail here.
		return nil
	}
	return b
}

// nameKey folds a name for matching: lower case, letters and digits only.
func nameKey(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// aliases maps other datasets' spellings (as nameKey) to PCodes. The
// official OCHA names are matched without it.
var aliases = map[string]string{
	"syria":               "SY",
	"syrianarabrepublic":  "SY",
	"idlib":               "SY07",
	"latakia":             "SY06",
	"tartus":              "SY10",
	"raqqa":               "SY11",
	"raqqah":              "SY11",
	"arraqqah":            "SY11",
	"hasakah":             "SY08",
	"alhasakah":           "SY08",
	"hasakeh":             "SY08",
	"daraa":               "SY12",
	"deraa":               "SY12",
	"deirazzor":           "SY09",
	"dayrazzawr":          "SY09",
	"suwayda":             "SY13",
	"assuwayda":           "SY13",
	"sweida":              "SY13",
	"hamah":               "SY05",
	"rifdimashq":          "SY03",
	"damascuscountryside": "SY03",
}
