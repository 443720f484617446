package aircraft

import (
	"bufio"
	"bytes"
	"errors"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

const sampleSBS = "testdata/sbs1_losangeles_2013.txt"

func readLines(tb testing.TB, path string) [][]byte {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var lines [][]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		lines = append(lines, append([]byte(nil), sc.Bytes()...))
	}
	return lines
}

// TestParseSBSSample decodes every line of the real Los Angeles capture,
// whose ids and date/time fields are all empty.
func TestParseSBSSample(t *testing.T) {
	lines := readLines(t, sampleSBS)
	if len(lines) != 4184 {
		t.Fatalf("sample has %d lines, want 4184", len(lines))
	}
	types := map[uint8]int{}
	positions := 0
	for i, l := range lines {
		m, err := ParseSBS(l)
		if err != nil {
			t.Fatalf("line %d: ParseSBS(%q): %v", i+1, l, err)
		}
		if m.Kind != KindMSG || !m.HasICAO || m.Has&HasTime != 0 {
			t.Fatalf("line %d: ParseSBS(%q) = %+v, want a MSG with an address and no time", i+1, l, m)
		}
		types[m.Type]++
		if m.Has&HasPosition != 0 {
			positions++
		}
	}
	want := map[uint8]int{1: 5, 3: 74, 4: 67, 5: 3347, 6: 19, 8: 672}
	for k, n := range want {
		if types[k] != n {
			t.Errorf("transmission type %d: %d lines, want %d", k, types[k], n)
		}
	}
	if positions != 74 {
		t.Errorf("%d lines with a position, want 74", positions)
	}
}

func TestParseSBSFields(t *testing.T) {
	tests := []struct {
		name string
		line string
		want Message
	}{
		{"airborne position from the sample", "MSG,3,,,4B1908,,,,,,,2525,,,33.96693,-118.25598,,,0,0,0,0",
			Message{Kind: KindMSG, Type: 3, ICAO: 0x4B1908, HasICAO: true, AltitudeFt: 2525, Lat: 33.96693, Lon: -118.25598,
				Has: HasAltitude | HasPosition | HasAlert | HasEmergency | HasSPI | HasOnGround}},
		{"velocity from the sample", "MSG,4,,,76CCE2,,,,,,,,298,96,,,-128,,0,0,0,0",
			Message{Kind: KindMSG, Type: 4, ICAO: 0x76CCE2, HasICAO: true, GroundSpeedKt: 298, TrackDeg: 96, VerticalRateFtMin: -128,
				Has: HasGroundSpeed | HasTrack | HasVerticalRate | HasAlert | HasEmergency | HasSPI | HasOnGround}},
		{"identity with padded callsign", "MSG,1,,,4B1908,,,,,,SWR40   ,,,,,,,,0,0,0,0",
			Message{Kind: KindMSG, Type: 1, ICAO: 0x4B1908, HasICAO: true, Callsign: Callsign{'S', 'W', 'R', '4', '0'},
				Has: HasCallsign | HasAlert | HasEmergency | HasSPI | HasOnGround}},
		{"squawk", "MSG,6,,,A92D10,,,,,,,,,,,,,4622,0,0,0,0",
			Message{Kind: KindMSG, Type: 6, ICAO: 0xA92D10, HasICAO: true, Squawk: 4622,
				Has: HasSquawk | HasAlert | HasEmergency | HasSPI | HasOnGround}},
		{"all-call with nothing else", "MSG,8,,,4B1908,,,,,,,,,,,,,,,,,",
			Message{Kind: KindMSG, Type: 8, ICAO: 0x4B1908, HasICAO: true}},
		{"times, -1 flags, CRLF, non-ICAO", "MSG,2,1,1,~abcdef,1,2013/05/23,12:34:56.789,2013/05/23,12:34:57,,0,5,359.9,33.9,-118.4,,7700,-1,-1,0,-1\r\n",
			Message{Kind: KindMSG, Type: 2, ICAO: 0xABCDEF, NonICAO: true, HasICAO: true,
				Time:       time.Date(2013, 5, 23, 12, 34, 56, 789e6, time.UTC),
				AltitudeFt: 0, GroundSpeedKt: 5, TrackDeg: 359.9, Lat: 33.9, Lon: -118.4, Squawk: 7700,
				Alert: true, Emergency: true, OnGround: true,
				Has: HasTime | HasAltitude | HasGroundSpeed | HasTrack | HasPosition | HasSquawk | HasAlert | HasEmergency | HasSPI | HasOnGround}},
		{"logged time when generated is empty", "MSG,5,,,4B1908,,,,2013/05/23,01:02:03.5,,2500,,,,,,,,,,",
			Message{Kind: KindMSG, Type: 5, ICAO: 0x4B1908, HasICAO: true, Time: time.Date(2013, 5, 23, 1, 2, 3, 5e8, time.UTC),
				AltitudeFt: 2500, Has: HasTime | HasAltitude}},
		{"status line", "STA,,5,179,400AE7,10103,2008/11/28,14:58:51.153,2008/11/28,14:58:51.153,RM",
			Message{Kind: KindSTA, ICAO: 0x400AE7, HasICAO: true}},
		{"clock line", "CLK,,,,,,2008/11/28,14:58:51.153", Message{Kind: KindCLK}},
		{"selection without address", "SEL,,1", Message{Kind: KindSEL}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSBS([]byte(tt.line))
			if err != nil {
				t.Fatalf("ParseSBS(%q): %v", tt.line, err)
			}
			if got != tt.want {
				t.Errorf("ParseSBS(%q) =\n %+v\nwant\n %+v", tt.line, got, tt.want)
			}
		})
	}
}

func TestParseSBSBadLines(t *testing.T) {
	good := strings.Split("MSG,3,,,4B1908,,,,,,,2525,,,33.96693,-118.25598,,,0,0,0,0", ",")
	with := func(field int, v string) string {
		f := append([]string(nil), good...)
		f[field-1] = v
		return strings.Join(f, ",")
	}
	tests := []struct {
		name      string
		line      string
		wantField int
		wantErr   string
	}{
		{"unknown message type", with(1, "XYZ"), 1, `field 1 (message type): "XYZ" is not MSG, SEL, ID, AIR, STA or CLK`},
		{"transmission type 9", with(2, "9"), 2, `field 2 (transmission type): "9" is not a transmission type 1-8`},
		{"empty transmission type", with(2, ""), 2, "field 2 (transmission type)"},
		{"empty hex ident", with(5, ""), 5, "field 5 (hex ident): is empty"},
		{"short hex ident", with(5, "4B190"), 5, `field 5 (hex ident): "4B190" is not a 6-digit hex address`},
		{"bad date", joinWith(good, map[int]string{7: "2013-05-23", 8: "12:00:00"}), 7, `field 7 (date generated): "2013-05-23" is not a date yyyy/mm/dd`},
		{"date without time", with(7, "2013/05/23"), 8, "field 8 (time generated): is empty while its date is set"},
		{"bad logged time", joinWith(good, map[int]string{9: "2013/05/23", 10: "25:00:00"}), 10, `field 10 (time logged): "25:00:00" is not a time hh:mm:ss.fff`},
		{"callsign too long", with(11, "ABCDEFGHI"), 11, "is longer than 8 characters"},
		{"altitude not a number", with(12, "12a"), 12, `field 12 (altitude): "12a" is not a number`},
		{"negative speed", with(13, "-5"), 13, `field 13 (ground speed): "-5" is out of range [0, 4000]`},
		{"track 361", with(14, "361"), 14, "field 14 (track)"},
		{"lat not a number", with(15, "abc"), 15, `field 15 (lat): "abc" is not a number`},
		{"lat 91", with(15, "91"), 15, `field 15 (lat): "91" is out of range [-90, 90]`},
		{"lat NaN", with(15, "NaN"), 15, `field 15 (lat): "NaN" is not a number`},
		{"lon without lat", with(15, ""), 15, "field 15 (lat): is empty while lon is set"},
		{"lat without lon", with(16, ""), 16, "field 16 (lon): is empty while lat is set"},
		{"lon Inf", with(16, "Inf"), 16, "field 16 (lon)"},
		{"vertical rate", with(17, "x"), 17, "field 17 (vertical rate)"},
		{"squawk with 8", with(18, "7800"), 18, `field 18 (squawk): "7800" is not a 4-digit octal code`},
		{"alert flag 2", with(19, "2"), 19, `field 19 (alert): "2" is not a flag (0, 1 or -1)`},
		{"on-ground flag", with(22, "yes"), 22, "field 22 (is on ground)"},
		{"21 fields", strings.Join(good[:21], ","), 0, "MSG line has 21 fields, want 22"},
		{"23 fields", strings.Join(good, ",") + ",0", 0, "more than 22 fields"},
		{"two lines run together", strings.Join(good, ",") + strings.Join(good, ","), 0, "more than 22 fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSBS([]byte(tt.line))
			var se *SBSError
			if !errors.As(err, &se) {
				t.Fatalf("ParseSBS(%q) error = %v, want an *SBSError", tt.line, err)
			}
			if se.Field != tt.wantField || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseSBS(%q) error = %q (field %d), want field %d and %q", tt.line, err, se.Field, tt.wantField, tt.wantErr)
			}
		})
	}
	long := append([]byte("MSG,3,"), bytes.Repeat([]byte{'1'}, MaxSBSLine)...)
	if _, err := ParseSBS(long); !errors.Is(err, ErrLineTooLong) {
		t.Errorf("ParseSBS(%d bytes) error = %v, want ErrLineTooLong", len(long), err)
	}
}

func joinWith(fields []string, set map[int]string) string {
	f := append([]string(nil), fields...)
	for k, v := range set {
		f[k-1] = v
	}
	return strings.Join(f, ",")
}

func TestParseNumberMatchesStrconv(t *testing.T) {
	for _, s := range []string{"0", "-0", "33.96693", "-118.25598", "2525", "0.1", "359.99999", "1.", ".5", "+7",
		"123456789012345", "1234567890123456789", "1e3", "0.000000000000000001", "00012.50"} {
		got, ok := parseNumber([]byte(s))
		want, err := strconv.ParseFloat(s, 64)
		if !ok || err != nil || math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("parseNumber(%q) = %v, %v; strconv says %v, %v", s, got, ok, want, err)
		}
	}
	for _, s := range []string{"", "-", ".", "1.2.3", "abc", "NaN", "inf", "1,5"} {
		if v, ok := parseNumber([]byte(s)); ok {
			t.Errorf("parseNumber(%q) = %v, true; want not a number", s, v)
		}
	}
}

func TestParseSBSDoesNotAllocate(t *testing.T) {
	lines := readLines(t, sampleSBS)
	lines = append(lines, []byte("MSG,3,1,1,4B1908,1,2013/05/23,12:34:56.789,2013/05/23,12:34:56.790,SWR40,2525,300,96.5,33.96693,-118.25598,-64,7700,0,0,0,0"))
	allocs := testing.AllocsPerRun(10, func() {
		for _, l := range lines {
			if _, err := ParseSBS(l); err != nil {
				t.Fatal(err)
			}
		}
	})
	if allocs != 0 {
		t.Errorf("ParseSBS over the sample: %v allocations per run, want 0", allocs)
	}
}

func BenchmarkParseSBS(b *testing.B) {
	lines := readLines(b, sampleSBS)
	var n int64
	for _, l := range lines {
		n += int64(len(l)) + 1
	}
	b.Run("sample", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(n / int64(len(lines)))
		i := 0
		for b.Loop() {
			if _, err := ParseSBS(lines[i]); err != nil {
				b.Fatal(err)
			}
			if i++; i == len(lines) {
				i = 0
			}
		}
	})
	full := []byte("MSG,3,1,1,4B1908,1,2013/05/23,12:34:56.789,2013/05/23,12:34:56.790,SWR40,2525,300,96.5,33.96693,-118.25598,-64,7700,0,0,0,0")
	b.Run("all_fields", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(full)))
		for b.Loop() {
			if _, err := ParseSBS(full); err != nil {
				b.Fatal(err)
			}
		}
	})
}
