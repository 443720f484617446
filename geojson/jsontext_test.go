package geojson

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// walkObject splits a JSON object with parseObject and forEachElement (for
// its array members) into the form encoding/json gives, for comparison.
func walkObject(t *testing.T, data []byte) map[string]string {
	t.Helper()
	o, err := parseObject(data, "object")
	if err != nil {
		return nil
	}
	out := map[string]string{}
	for _, m := range o {
		var buf bytes.Buffer
		if err := json.Compact(&buf, m.val); err != nil {
			t.Fatalf("parseObject(%s) member %q = %q, not a JSON value: %v", data, m.key, m.val, err)
		}
		out[m.key] = buf.String()
		if kindOf(m.val) == "array" {
			n := 0
			_ = forEachElement(m.val, func(i int, v []byte) error {
				if i != n || !json.Valid(v) {
					t.Fatalf("forEachElement(%s) element %d = %q", m.val, i, v)
				}
				n++
				return nil
			})
			var want []json.RawMessage
			if json.Unmarshal(m.val, &want) == nil && len(want) != n {
				t.Fatalf("forEachElement(%s) saw %d elements, want %d", m.val, n, len(want))
			}
		}
	}
	return out
}

// stdObject is what encoding/json makes of the same object, values compacted.
func stdObject(data []byte) map[string]string {
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil || m == nil {
		return nil
	}
	out := map[string]string{}
	for k, v := range m {
		var buf bytes.Buffer
		_ = json.Compact(&buf, v)
		out[k] = buf.String()
	}
	return out
}

func TestParseObject(t *testing.T) {
	for _, in := range []string{
		`{}`,
		` { "a" : 1 , "b":[ 1, [2,3] ,{"c":"]}"}],"d\"e":"x\\","f":{"g":null}, "é\u00e9":true}`,
		`{"":[],"a\\":"\"[{","n":-1.5e-3}`,
	} {
		data := bytes.TrimSpace([]byte(in))
		if diff := cmp.Diff(stdObject(data), walkObject(t, data)); diff != "" {
			t.Errorf("parseObject(%s) mismatch with encoding/json (-want +got):\n%s", in, diff)
		}
	}
}

// FuzzParseObject checks the in-place JSON walker against encoding/json on
// every valid object without duplicate names.
func FuzzParseObject(f *testing.F) {
	f.Add([]byte(`{"a":[1,{"b":"]"}],"c\"":"\\"}`))
	f.Add([]byte(point12))
	f.Fuzz(func(t *testing.T, data []byte) {
		data = bytes.TrimSpace(data)
		if !json.Valid(data) || kindOf(data) != "object" {
			return
		}
		o, err := parseObject(data, "object")
		if err != nil {
			return // duplicate names: encoding/json keeps the last one
		}
		want := stdObject(data)
		if len(want) != len(o) {
			t.Fatalf("parseObject(%s) found %d members, encoding/json %d", data, len(o), len(want))
		}
		if diff := cmp.Diff(want, walkObject(t, data)); diff != "" {
			t.Fatalf("parseObject(%s) mismatch with encoding/json (-want +got):\n%s", data, diff)
		}
	})
}
