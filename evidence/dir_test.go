package evidence

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestOpenCreatesLayout(t *testing.T) {
	root := filepath.Join(t.TempDir(), "a", "b")
	d, err := Open(root)
	if err != nil {
		t.Fatalf("Open(%q) = %v", root, err)
	}
	for _, sub := range []string{"", "sha256", "tmp"} {
		fi, err := os.Stat(filepath.Join(d.Root(), sub))
		if err != nil {
			t.Fatal(err)
		}
		if !fi.IsDir() || fi.Mode().Perm()&^0o750 != 0 {
			t.Errorf("%q: mode %v, want a directory within 0750", sub, fi.Mode())
		}
	}
	if _, err := Open(root); err != nil {
		t.Errorf("Open(%q) again = %v", root, err)
	}
}

func TestOpenRefusesFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(p); err == nil {
		t.Errorf("Open(a regular file) = nil error")
	}
	if _, err := Open(""); err == nil {
		t.Errorf(`Open("") = nil error`)
	}
}

func TestPutStoresUntouchedOriginal(t *testing.T) {
	d := mustOpen(t)
	content := encodeJPEG(t, gradient(64, 48))
	b, err := d.Put(context.Background(), bytes.NewReader(content), "image/jpeg", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := Blob{SHA256: sum(content), Size: int64(len(content)), MediaType: TypeJPEG}
	if diff := cmp.Diff(want, b); diff != "" {
		t.Errorf("Put blob (-want +got):\n%s", diff)
	}
	p := filepath.Join(d.Root(), "sha256", want.SHA256[:2], want.SHA256)
	if got, _ := d.Path(b.SHA256); got != p {
		t.Errorf("Path = %q, want %q", got, p)
	}
	stored, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stored, content) {
		t.Errorf("stored file differs from the upload")
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o440 {
		t.Errorf("stored mode %v, want 0440", fi.Mode().Perm())
	}
	if !d.Has(b.SHA256) {
		t.Errorf("Has(%s) = false after Put", b.SHA256)
	}
	if left := tmpEntries(t, d); len(left) != 0 {
		t.Errorf("tmp/ holds %v after Put", left)
	}

	f, ob, err := d.Open(b.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if diff := cmp.Diff(want, ob); diff != "" {
		t.Errorf("Open blob (-want +got):\n%s", diff)
	}
	read, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(read, content) {
		t.Errorf("Open reads different bytes from the upload")
	}
	if _, err := f.Write([]byte("x")); err == nil {
		t.Errorf("the file Open returns is writable")
	}
}

func TestPutIdempotent(t *testing.T) {
	d := mustOpen(t)
	content := encodePNG(t, gradient(10, 10))
	first := mustPut(t, d, content)
	p, _ := d.Path(first.SHA256)
	before, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	second, err := d.Put(context.Background(), bytes.NewReader(content), "image/png", Limits{})
	if err != nil {
		t.Fatalf("second Put = %v", err)
	}
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("second Put blob (-first +second):\n%s", diff)
	}
	after, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, after) || !before.ModTime().Equal(after.ModTime()) {
		t.Errorf("second Put replaced the stored file")
	}
	if left := tmpEntries(t, d); len(left) != 0 {
		t.Errorf("tmp/ holds %v after a repeated Put", left)
	}
}

func TestPutConcurrentSameContent(t *testing.T) {
	d := mustOpen(t)
	content := encodeGIF(t, gradient(30, 20))
	const n = 8
	blobs := make([]Blob, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			blobs[i], errs[i] = d.Put(context.Background(), bytes.NewReader(content), "", Limits{})
		})
	}
	wg.Wait()
	want := Blob{SHA256: sum(content), Size: int64(len(content)), MediaType: TypeGIF}
	for i := range n {
		if errs[i] != nil {
			t.Errorf("Put %d = %v", i, errs[i])
			continue
		}
		if diff := cmp.Diff(want, blobs[i]); diff != "" {
			t.Errorf("Put %d blob (-want +got):\n%s", i, diff)
		}
	}
	fan, err := os.ReadDir(filepath.Join(d.Root(), "sha256", want.SHA256[:2]))
	if err != nil {
		t.Fatal(err)
	}
	if len(fan) != 1 || fan[0].Name() != want.SHA256 {
		t.Errorf("fan-out directory holds %v, want the one blob", fan)
	}
	if left := tmpEntries(t, d); len(left) != 0 {
		t.Errorf("tmp/ holds %v after concurrent Puts", left)
	}
	if err := d.Verify(context.Background(), want.SHA256); err != nil {
		t.Errorf("Verify after concurrent Puts = %v", err)
	}
}

// repeatReader yields n bytes: prefix, then filler, without ever holding
// more than one read's worth; read counts what was taken from it.
type repeatReader struct {
	prefix []byte
	n      int64
	read   int64
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.read >= r.n {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.n-r.read)]
	for i := range p {
		if off := r.read + int64(i); off < int64(len(r.prefix)) {
			p[i] = r.prefix[off]
		} else {
			p[i] = byte(off * 7)
		}
	}
	r.read += int64(len(p))
	return len(p), nil
}

func TestPutSizeLimit(t *testing.T) {
	const limit = 100_000
	for _, tc := range []struct {
		name string
		size int64
		ok   bool
	}{
		{"small", 9, true}, // "%PDF-1.4\n" alone
		{"at the limit", limit, true},
		{"one byte over", limit + 1, false},
		{"far over", 1 << 40, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := mustOpen(t)
			r := &repeatReader{prefix: []byte("%PDF-1.4\n"), n: tc.size}
			b, err := d.Put(context.Background(), r, "application/pdf", Limits{MaxBytes: limit})
			if tc.ok {
				if err != nil || b.Size != tc.size {
					t.Errorf("Put(%d bytes) = %+v, %v; want size %d", tc.size, b, err, tc.size)
				}
				return
			}
			if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), strconv.Itoa(limit)) {
				t.Errorf("Put(%d bytes) = %v, want ErrTooLarge naming %d", tc.size, err, limit)
			}
			if r.read > limit+1 {
				t.Errorf("Put read %d bytes, more than the limit + 1", r.read)
			}
			if left := tmpEntries(t, d); len(left) != 0 {
				t.Errorf("tmp/ holds %v after a refused Put", left)
			}
			fan, _ := os.ReadDir(filepath.Join(d.Root(), "sha256"))
			if len(fan) != 0 {
				t.Errorf("sha256/ holds %v after a refused Put", fan)
			}
		})
	}
}

// TestPutStreams stores 16 MiB and checks that Put allocated a small part
// of that: it streams, it does not buffer the upload.
func TestPutStreams(t *testing.T) {
	d := mustOpen(t)
	const size = 16 << 20
	r := &repeatReader{prefix: []byte("%PDF-1.7\n"), n: size}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b, err := d.Put(context.Background(), r, "", Limits{})
	runtime.ReadMemStats(&after)
	if err != nil || b.Size != size {
		t.Fatalf("Put(16 MiB) = %+v, %v", b, err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 2<<20 {
		t.Errorf("Put(16 MiB) allocated %d bytes, want under 2 MiB", alloc)
	}
	if err := d.Verify(context.Background(), b.SHA256); err != nil {
		t.Errorf("Verify = %v", err)
	}
}

func TestPutEmpty(t *testing.T) {
	d := mustOpen(t)
	_, err := d.Put(context.Background(), bytes.NewReader(nil), "image/png", Limits{})
	if !errors.Is(err, ErrEmpty) {
		t.Errorf("Put(empty) = %v, want ErrEmpty", err)
	}
	if left := tmpEntries(t, d); len(left) != 0 {
		t.Errorf("tmp/ holds %v after an empty Put", left)
	}
}

func TestPutTypeNotAllowed(t *testing.T) {
	for _, tc := range []struct {
		name    string
		content []byte
		limits  Limits
		want    string // the detected type the error names
	}{
		{"plain text", []byte("just some words\n"), Limits{}, "text/plain"},
		{"html", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), Limits{}, "text/html"},
		{"svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>`), Limits{}, "text/xml"},
		{"heic still", ftyp("heic", "mif1", "heic"), Limits{}, "image/heic"},
		{"matroska", ebml("matroska"), Limits{}, "video/x-matroska"},
		{"zip", []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"), Limits{}, "application/zip"},
		{"jpeg outside a narrow list", encodeJPEG(t, gradient(8, 8)), Limits{Allowed: []string{TypePNG}}, "image/jpeg"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := mustOpen(t)
			_, err := d.Put(context.Background(), bytes.NewReader(tc.content), "", tc.limits)
			if !errors.Is(err, ErrUnsupportedType) {
				t.Fatalf("Put(%s) = %v, want ErrUnsupportedType", tc.name, err)
			}
			allowed := tc.limits.withDefaults().Allowed
			if msg := err.Error(); !strings.Contains(msg, tc.want) || !strings.Contains(msg, allowed[0]) {
				t.Errorf("Put(%s) = %q, want it to name %s and the allowed types", tc.name, msg, tc.want)
			}
		})
	}
}

func TestPutDeclaredType(t *testing.T) {
	jpg := encodeJPEG(t, gradient(8, 8))
	png := encodePNG(t, gradient(8, 8))
	for _, tc := range []struct {
		name     string
		declared string
		content  []byte
		ok       bool
	}{
		{"none", "", jpg, true},
		{"same", "image/jpeg", jpg, true},
		{"with parameters and upper case", "IMAGE/JPEG; charset=binary", jpg, true},
		{"common alias", "image/jpg", jpg, true},
		{"octet-stream says nothing", "application/octet-stream", jpg, true},
		{"png declared, jpeg sent", "image/png", jpg, false},
		{"jpeg declared, png sent", "image/jpeg", png, false},
		{"mp4 declared, quicktime sent", "video/mp4", ftyp("qt  ", "qt  "), false},
		{"pdf declared, png sent", "application/pdf", png, false},
		{"not a media type", "a picture", jpg, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := mustOpen(t)
			_, err := d.Put(context.Background(), bytes.NewReader(tc.content), tc.declared, Limits{})
			if tc.ok {
				if err != nil {
					t.Errorf("Put(declared %q) = %v", tc.declared, err)
				}
				return
			}
			if !errors.Is(err, ErrTypeMismatch) {
				t.Fatalf("Put(declared %q) = %v, want ErrTypeMismatch", tc.declared, err)
			}
			if d.Has(sum(tc.content)) {
				t.Errorf("refused content was stored")
			}
		})
	}
	d := mustOpen(t)
	_, err := d.Put(context.Background(), bytes.NewReader(jpg), "image/png", Limits{})
	if want := "declared image/png but the content is image/jpeg"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Put(jpeg as png) = %v, want it to say %q", err, want)
	}
}

func TestPutRefusesTooManyPixels(t *testing.T) {
	d := mustOpen(t)
	bomb := pngHeader(100_000, 100_000)
	_, err := d.Put(context.Background(), bytes.NewReader(bomb), "image/png", Limits{})
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "100000×100000") {
		t.Errorf("Put(100000×100000 png) = %v, want ErrTooLarge naming the size", err)
	}
	small := encodePNG(t, gradient(100, 100))
	if _, err := d.Put(context.Background(), bytes.NewReader(small), "", Limits{MaxPixels: 10_000}); err != nil {
		t.Errorf("Put(100×100 png, MaxPixels 10000) = %v, want it at the limit accepted", err)
	}
	if _, err := d.Put(context.Background(), bytes.NewReader(small), "", Limits{MaxPixels: 9_999}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Put(100×100 png, MaxPixels 9999) = %v, want ErrTooLarge", err)
	}
}

// cancelReader cancels its context once it has served limit bytes.
type cancelReader struct {
	r      io.Reader
	cancel context.CancelFunc
	limit  int
	served int
}

func (c *cancelReader) Read(p []byte) (int, error) {
	if c.served >= c.limit {
		c.cancel()
	}
	n, err := c.r.Read(p)
	c.served += n
	return n, err
}

func TestPutCancelled(t *testing.T) {
	d := mustOpen(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := d.Put(ctx, bytes.NewReader(pdf), "", Limits{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Put(cancelled ctx) = %v, want context.Canceled", err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	r := &cancelReader{r: &repeatReader{prefix: pdf, n: 1 << 20}, cancel: cancel, limit: 64 << 10}
	if _, err := d.Put(ctx, r, "", Limits{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Put(ctx cancelled mid-upload) = %v, want context.Canceled", err)
	}
	if left := tmpEntries(t, d); len(left) != 0 {
		t.Errorf("tmp/ holds %v after a cancelled Put", left)
	}
	if fan, _ := os.ReadDir(filepath.Join(d.Root(), "sha256")); len(fan) != 0 {
		t.Errorf("sha256/ holds %v after a cancelled Put", fan)
	}
}

func TestMalformedHashRefused(t *testing.T) {
	d := mustOpen(t)
	// A file outside the store that a traversal would reach.
	secret := filepath.Join(filepath.Dir(d.Root()), "secret")
	if err := os.WriteFile(secret, []byte("%PDF-1.4 secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	valid := sum([]byte("x"))
	for _, sha := range []string{
		"",
		"../../etc/passwd",
		"../secret",
		"../../secret",
		"..",
		valid[:63],
		valid + "0",
		strings.ToUpper(valid),
		valid[:62] + "/x",
		valid[:60] + "\x00abc",
		"zz" + valid[2:],
		strings.Repeat("../", 21) + "a",
	} {
		t.Run(fmt.Sprintf("%q", sha), func(t *testing.T) {
			if ValidSHA256(sha) {
				t.Errorf("ValidSHA256(%q) = true", sha)
			}
			if _, err := d.Path(sha); !errors.Is(err, ErrInvalidHash) {
				t.Errorf("Path(%q) = %v, want ErrInvalidHash", sha, err)
			}
			if f, _, err := d.Open(sha); !errors.Is(err, ErrInvalidHash) {
				if f != nil {
					f.Close()
				}
				t.Errorf("Open(%q) = %v, want ErrInvalidHash", sha, err)
			}
			if d.Has(sha) {
				t.Errorf("Has(%q) = true", sha)
			}
			if err := d.Verify(context.Background(), sha); !errors.Is(err, ErrInvalidHash) {
				t.Errorf("Verify(%q) = %v, want ErrInvalidHash", sha, err)
			}
			if _, err := d.Thumbnail(context.Background(), sha, 64); !errors.Is(err, ErrInvalidHash) {
				t.Errorf("Thumbnail(%q) = %v, want ErrInvalidHash", sha, err)
			}
		})
	}
	if !ValidSHA256(valid) {
		t.Errorf("ValidSHA256(%q) = false", valid)
	}
}

func TestMissingBlob(t *testing.T) {
	d := mustOpen(t)
	sha := sum([]byte("never stored"))
	if d.Has(sha) {
		t.Errorf("Has(missing) = true")
	}
	if _, _, err := d.Open(sha); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open(missing) = %v, want ErrNotFound", err)
	}
	if err := d.Verify(context.Background(), sha); !errors.Is(err, ErrNotFound) {
		t.Errorf("Verify(missing) = %v, want ErrNotFound", err)
	}
	if _, err := d.Thumbnail(context.Background(), sha, 64); !errors.Is(err, ErrNotFound) {
		t.Errorf("Thumbnail(missing) = %v, want ErrNotFound", err)
	}
}

func TestVerifyCatchesTampering(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper func([]byte) []byte
	}{
		{"one byte changed", func(b []byte) []byte { c := slices.Clone(b); c[len(c)/2] ^= 1; return c }},
		{"truncated", func(b []byte) []byte { return b[:len(b)-1] }},
		{"appended", func(b []byte) []byte { return append(slices.Clone(b), '\n') }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := mustOpen(t)
			content := encodePNG(t, gradient(20, 20))
			b := mustPut(t, d, content)
			if err := d.Verify(context.Background(), b.SHA256); err != nil {
				t.Fatalf("Verify(fresh) = %v", err)
			}
			p, _ := d.Path(b.SHA256)
			if err := os.Chmod(p, 0o640); err != nil {
				t.Fatal(err)
			}
			changed := tc.tamper(content)
			if err := os.WriteFile(p, changed, 0o640); err != nil {
				t.Fatal(err)
			}
			err := d.Verify(context.Background(), b.SHA256)
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), sum(changed)) {
				t.Errorf("Verify(tampered) = %v, want ErrCorrupt naming hash %s", err, sum(changed))
			}
			// Putting the true content again leaves the evidence of
			// tampering in place for an operator to see.
			if _, err := d.Put(context.Background(), bytes.NewReader(content), "", Limits{}); err != nil {
				t.Fatal(err)
			}
			if err := d.Verify(context.Background(), b.SHA256); !errors.Is(err, ErrCorrupt) {
				t.Errorf("Verify after re-Put = %v, want ErrCorrupt still", err)
			}
		})
	}
}

func TestVerifyCancelled(t *testing.T) {
	d := mustOpen(t)
	b := mustPut(t, d, pdf)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := d.Verify(ctx, b.SHA256); !errors.Is(err, context.Canceled) {
		t.Errorf("Verify(cancelled ctx) = %v, want context.Canceled", err)
	}
}

func TestLimitsDefaults(t *testing.T) {
	got := Limits{MaxBytes: 10}.withDefaults()
	want := DefaultLimits()
	want.MaxBytes = 10
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Limits{MaxBytes: 10}.withDefaults() (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(DefaultLimits(), Limits{MaxBytes: -1, MaxPixels: -1}.withDefaults()); diff != "" {
		t.Errorf("negative limits did not take defaults (-want +got):\n%s", diff)
	}
	d := mustOpen(t)
	if _, err := d.Put(context.Background(), bytes.NewReader(pdf), "", Limits{MaxBytes: math.MaxInt64}); err != nil {
		t.Errorf("Put(MaxBytes math.MaxInt64) = %v", err)
	}
}
