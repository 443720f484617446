package evidence

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/safezones/safezones"
)

func validItem() Item {
	return Item{
		Original:   Blob{SHA256: sum([]byte("photo")), Size: 5, MediaType: TypeJPEG},
		Thumbnail:  &Blob{SHA256: sum([]byte("thumb")), Size: 5, MediaType: TypeJPEG},
		Caption:    "Crater in the market square, looking north.\nTaken at 09:40.",
		Credit:     "Photo: A. Reporter",
		SourceKind: SourceWitness,
		SourceName: "A. Reporter",
		UploadedBy: "mem-1",
		UploadedAt: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC),
		Filename:   "IMG_0042.JPG",
	}
}

func TestItemValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(*Item)
		field string // "" for valid
	}{
		{"valid", func(*Item) {}, ""},
		{"no thumbnail", func(it *Item) { it.Thumbnail = nil }, ""},
		{"optional fields empty", func(it *Item) { it.Credit, it.SourceName, it.Filename = "", "", "" }, ""},
		{"caption at the limit", func(it *Item) { it.Caption = strings.Repeat("é", MaxCaptionLen/2) }, ""},
		{"non-ASCII filename", func(it *Item) { it.Filename = "Фото 1.jpg" }, ""},
		{"original hash missing", func(it *Item) { it.Original.SHA256 = "" }, "original.sha256"},
		{"original hash a path", func(it *Item) { it.Original.SHA256 = "../../etc/passwd" }, "original.sha256"},
		{"original size zero", func(it *Item) { it.Original.Size = 0 }, "original.size"},
		{"original type missing", func(it *Item) { it.Original.MediaType = "" }, "original.media_type"},
		{"thumbnail hash upper case", func(it *Item) { it.Thumbnail.SHA256 = strings.ToUpper(it.Thumbnail.SHA256) }, "thumbnail.sha256"},
		{"caption missing", func(it *Item) { it.Caption = "" }, "caption"},
		{"caption blank", func(it *Item) { it.Caption = " \n\t" }, "caption"},
		{"caption one byte over", func(it *Item) { it.Caption = strings.Repeat("a", MaxCaptionLen+1) }, "caption"},
		{"caption invalid utf-8", func(it *Item) { it.Caption = "caf\xe9" }, "caption"},
		{"caption with NUL", func(it *Item) { it.Caption = "a\x00b" }, "caption"},
		{"credit over", func(it *Item) { it.Credit = strings.Repeat("c", MaxCreditLen+1) }, "credit"},
		{"credit on two lines", func(it *Item) { it.Credit = "Photo:\nA. Reporter" }, "credit"},
		{"source kind missing", func(it *Item) { it.SourceKind = "" }, "source_kind"},
		{"source kind unknown", func(it *Item) { it.SourceKind = "rumour" }, "source_kind"},
		{"source name over", func(it *Item) { it.SourceName = strings.Repeat("s", MaxSourceNameLen+1) }, "source_name"},
		{"filename with slash", func(it *Item) { it.Filename = "../x.jpg" }, "filename"},
		{"filename with backslash", func(it *Item) { it.Filename = `C:\photos\x.jpg` }, "filename"},
		{"filename dot dot", func(it *Item) { it.Filename = ".." }, "filename"},
		{"filename over", func(it *Item) { it.Filename = strings.Repeat("f", MaxFilenameLen+1) }, "filename"},
		{"filename invalid utf-8", func(it *Item) { it.Filename = "\xff.jpg" }, "filename"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			it := validItem()
			tc.edit(&it)
			err := it.Validate()
			if tc.field == "" {
				if err != nil {
					t.Errorf("Validate() = %v, want nil", err)
				}
				return
			}
			e, ok := err.(*safezones.Error)
			if !ok {
				t.Fatalf("Validate() = %v (%T), want *safezones.Error on %s", err, err, tc.field)
			}
			if e.Code != safezones.CodeInvalid || e.Field != tc.field || e.Message == "" {
				t.Errorf("Validate() = %+v, want code invalid on field %s", e, tc.field)
			}
		})
	}
}

func TestItemNormalize(t *testing.T) {
	it := validItem()
	it.Caption = "  Cafe\u0301 destroyed \n"
	it.Credit = " Photo: Jose\u0301 "
	it.Filename = " IMG.jpg "
	it.SourceName = "caf\xe9" // not UTF-8: left for Validate to refuse
	it.Normalize()
	want := validItem()
	want.Caption = "Caf\u00e9 destroyed"
	want.Credit = "Photo: Jos\u00e9"
	want.Filename = "IMG.jpg"
	want.SourceName = "caf\xe9"
	if diff := cmp.Diff(want, it); diff != "" {
		t.Errorf("Normalize (-want +got):\n%s", diff)
	}
	if err := it.Validate(); err == nil || err.(*safezones.Error).Field != "source_name" {
		t.Errorf("Validate after Normalize = %v, want an error on source_name", err)
	}
}

func TestSourceKindValid(t *testing.T) {
	for _, k := range []SourceKind{"photo_agency", "witness", "organisation", "media", "monitor", "party", "other"} {
		if !k.Valid() {
			t.Errorf("SourceKind(%q).Valid() = false", k)
		}
	}
	for _, k := range []SourceKind{"", "Witness", "organization", "ngo"} {
		if k.Valid() {
			t.Errorf("SourceKind(%q).Valid() = true", k)
		}
	}
}

func TestItemJSON(t *testing.T) {
	it := validItem()
	b, err := json.Marshal(it)
	if err != nil {
		t.Fatal(err)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		t.Fatal(err)
	}
	got := slices.Sorted(maps.Keys(keys))
	want := []string{"caption", "credit", "filename", "original", "source_kind", "source_name", "thumbnail", "uploaded_at", "uploaded_by"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Item JSON keys (-want +got):\n%s", diff)
	}
	var blob map[string]any
	if err := json.Unmarshal(keys["original"], &blob); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"sha256": it.Original.SHA256, "size": 5.0, "media_type": TypeJPEG}, blob); diff != "" {
		t.Errorf("Blob JSON (-want +got):\n%s", diff)
	}
	var back Item
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(it, back); diff != "" {
		t.Errorf("Item JSON round trip (-want +got):\n%s", diff)
	}
}
