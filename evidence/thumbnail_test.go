package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"os"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestOriginalVerifiesAfterThumbnail is the acceptance test: an original's
// SHA-256, taken before upload by a hasher that knows nothing of this
// package, still matches the stored bytes after a thumbnail is made.
func TestOriginalVerifiesAfterThumbnail(t *testing.T) {
	for _, tc := range []struct {
		name    string
		content []byte
	}{
		{"jpeg", encodeJPEG(t, gradient(640, 480))},
		{"jpeg with exif", withExifOrientation(encodeJPEG(t, gradient(640, 480)), 6)},
		{"png", encodePNG(t, gradient(500, 300))},
		{"gif", encodeGIF(t, gradient(300, 500))},
		{"webp", solidWebP(900, 600, color.NRGBA{200, 30, 30, 255})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := mustOpen(t)
			h := sha256.Sum256(tc.content)
			want := hex.EncodeToString(h[:])

			orig, err := d.Put(context.Background(), bytes.NewReader(tc.content), "", Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if orig.SHA256 != want {
				t.Fatalf("Put hash %s, independent hash %s", orig.SHA256, want)
			}
			thumb, err := d.Thumbnail(context.Background(), orig.SHA256, 128)
			if err != nil {
				t.Fatalf("Thumbnail(%s) = %v", tc.name, err)
			}

			f, ob, err := d.Open(orig.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			stored, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			if got := sha256.Sum256(stored); hex.EncodeToString(got[:]) != want {
				t.Errorf("stored original hashes to %x after Thumbnail, want %s", got, want)
			}
			if !bytes.Equal(stored, tc.content) {
				t.Errorf("stored original differs from the upload after Thumbnail")
			}
			if diff := cmp.Diff(orig, ob); diff != "" {
				t.Errorf("original blob after Thumbnail (-put +open):\n%s", diff)
			}
			if err := d.Verify(context.Background(), orig.SHA256); err != nil {
				t.Errorf("Verify(original) = %v", err)
			}
			if thumb.SHA256 == orig.SHA256 || thumb.MediaType != TypeJPEG {
				t.Errorf("thumbnail blob %+v, want a JPEG of its own", thumb)
			}
			if err := d.Verify(context.Background(), thumb.SHA256); err != nil {
				t.Errorf("Verify(thumbnail) = %v", err)
			}
		})
	}
}

// thumbConfig opens the stored thumbnail b and returns its JPEG header.
func thumbConfig(t *testing.T, d *Dir, b Blob) image.Config {
	t.Helper()
	f, _, err := d.Open(b.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := jpeg.DecodeConfig(f)
	if err != nil {
		t.Fatalf("thumbnail is not a JPEG: %v", err)
	}
	return cfg
}

func TestThumbnailFits(t *testing.T) {
	for _, tc := range []struct {
		name    string
		content []byte
		side    int
		w, h    int
	}{
		{"landscape png scaled to width", encodePNG(t, gradient(800, 400)), 256, 256, 128},
		{"portrait jpeg scaled to height, rounded", encodeJPEG(t, gradient(300, 900)), 256, 85, 256},
		{"square at the side kept", encodePNG(t, gradient(256, 256)), 256, 256, 256},
		{"small gif never enlarged", encodeGIF(t, gradient(50, 30)), 256, 50, 30},
		{"webp", solidWebP(1000, 500, color.NRGBA{10, 200, 10, 255}), 100, 100, 50},
		{"thin strip keeps one pixel", encodePNG(t, gradient(2000, 3)), 100, 100, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := mustOpen(t)
			orig := mustPut(t, d, tc.content)
			thumb, err := d.Thumbnail(context.Background(), orig.SHA256, tc.side)
			if err != nil {
				t.Fatalf("Thumbnail(%d) = %v", tc.side, err)
			}
			cfg := thumbConfig(t, d, thumb)
			if cfg.Width != tc.w || cfg.Height != tc.h {
				t.Errorf("Thumbnail(%d) is %d×%d, want %d×%d", tc.side, cfg.Width, cfg.Height, tc.w, tc.h)
			}
			if cfg.Width > tc.side || cfg.Height > tc.side {
				t.Errorf("Thumbnail(%d) is %d×%d, larger than the side", tc.side, cfg.Width, cfg.Height)
			}
			again, err := d.Thumbnail(context.Background(), orig.SHA256, tc.side)
			if err != nil || again != thumb {
				t.Errorf("second Thumbnail = %+v, %v; want the same blob %+v", again, err, thumb)
			}
		})
	}
}

// decodeThumb returns the stored thumbnail b decoded.
func decodeThumb(t *testing.T, d *Dir, b Blob) image.Image {
	t.Helper()
	f, _, err := d.Open(b.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := jpeg.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// near reports whether c is within 40 of want in each channel: JPEG is
// lossy, but not that lossy.
func near(c color.Color, want color.RGBA) bool {
	r, g, b, _ := c.RGBA()
	d := func(x uint32, y uint8) bool { return int(x>>8)-int(y) < 40 && int(y)-int(x>>8) < 40 }
	return d(r, want.R) && d(g, want.G) && d(b, want.B)
}

func TestThumbnailExifOrientation(t *testing.T) {
	// 80×40, left half red, right half blue, stored sideways: orientation 6
	// says turn it 90° clockwise to display, giving 40×80, red on top.
	img := image.NewRGBA(image.Rect(0, 0, 80, 40))
	for y := range 40 {
		for x := range 80 {
			c := color.RGBA{255, 0, 0, 255}
			if x >= 40 {
				c = color.RGBA{0, 0, 255, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	plain := encodeJPEG(t, img)
	for _, tc := range []struct {
		name        string
		content     []byte
		w, h        int
		top, bottom color.RGBA
	}{
		{"no exif", plain, 80, 40, color.RGBA{255, 0, 0, 255}, color.RGBA{255, 0, 0, 255}},
		{"orientation 1", withExifOrientation(plain, 1), 80, 40, color.RGBA{255, 0, 0, 255}, color.RGBA{255, 0, 0, 255}},
		{"orientation 6", withExifOrientation(plain, 6), 40, 80, color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}},
		{"orientation 8", withExifOrientation(plain, 8), 40, 80, color.RGBA{0, 0, 255, 255}, color.RGBA{255, 0, 0, 255}},
		{"orientation 99 ignored", withExifOrientation(plain, 99), 80, 40, color.RGBA{255, 0, 0, 255}, color.RGBA{255, 0, 0, 255}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := mustOpen(t)
			orig := mustPut(t, d, tc.content)
			thumb, err := d.Thumbnail(context.Background(), orig.SHA256, 200)
			if err != nil {
				t.Fatal(err)
			}
			got := decodeThumb(t, d, thumb)
			if b := got.Bounds(); b.Dx() != tc.w || b.Dy() != tc.h {
				t.Fatalf("thumbnail is %d×%d, want %d×%d", b.Dx(), b.Dy(), tc.w, tc.h)
			}
			if c := got.At(5, 5); !near(c, tc.top) {
				t.Errorf("top-left pixel %v, want about %v", c, tc.top)
			}
			if c := got.At(5, tc.h-5); !near(c, tc.bottom) {
				t.Errorf("bottom-left pixel %v, want about %v", c, tc.bottom)
			}
		})
	}
}

func TestOrient(t *testing.T) {
	// A 3×2 image whose pixel (x, y) has R = x and G = y: after orient,
	// each pixel says where it came from.
	src := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for y := range 2 {
		for x := range 3 {
			src.SetRGBA(x, y, color.RGBA{uint8(x), uint8(y), 0, 255})
		}
	}
	type pt struct{ X, Y int }
	for _, tc := range []struct {
		orientation int
		w, h        int
		// from gives, for display pixels (0,0) and (1,0), the stored
		// pixel shown there.
		from [2]pt
	}{
		{1, 3, 2, [2]pt{{0, 0}, {1, 0}}},
		{2, 3, 2, [2]pt{{2, 0}, {1, 0}}},
		{3, 3, 2, [2]pt{{2, 1}, {1, 1}}},
		{4, 3, 2, [2]pt{{0, 1}, {1, 1}}},
		{5, 2, 3, [2]pt{{0, 0}, {0, 1}}},
		{6, 2, 3, [2]pt{{0, 1}, {0, 0}}},
		{7, 2, 3, [2]pt{{2, 1}, {2, 0}}},
		{8, 2, 3, [2]pt{{2, 0}, {2, 1}}},
		{0, 3, 2, [2]pt{{0, 0}, {1, 0}}},
	} {
		got := orient(src, tc.orientation)
		if b := got.Bounds(); b.Dx() != tc.w || b.Dy() != tc.h {
			t.Errorf("orient(3×2, %d) is %d×%d, want %d×%d", tc.orientation, b.Dx(), b.Dy(), tc.w, tc.h)
			continue
		}
		for i, want := range tc.from {
			c := got.RGBAAt(i, 0)
			if from := (pt{int(c.R), int(c.G)}); from != want {
				t.Errorf("orient(3×2, %d) shows stored %v at (%d,0), want %v", tc.orientation, from, i, want)
			}
		}
	}
}

func TestThumbnailTransparencyOnWhite(t *testing.T) {
	d := mustOpen(t)
	clear := image.NewNRGBA(image.Rect(0, 0, 40, 40)) // all transparent black
	orig := mustPut(t, d, encodePNG(t, clear))
	thumb, err := d.Thumbnail(context.Background(), orig.SHA256, 20)
	if err != nil {
		t.Fatal(err)
	}
	if c := decodeThumb(t, d, thumb).At(10, 10); !near(c, color.RGBA{255, 255, 255, 255}) {
		t.Errorf("transparent pixel became %v, want white", c)
	}
}

func TestThumbnailNotAnImage(t *testing.T) {
	for _, tc := range []struct {
		name    string
		content []byte
	}{
		{"pdf", pdf},
		{"mp4", ftyp("isom", "isom", "mp41")},
		{"quicktime", ftyp("qt  ", "qt  ")},
		{"webm", ebml("webm")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := mustOpen(t)
			b := mustPut(t, d, tc.content)
			if _, err := d.Thumbnail(context.Background(), b.SHA256, 64); !errors.Is(err, ErrNoThumbnail) {
				t.Errorf("Thumbnail(%s) = %v, want ErrNoThumbnail", b.MediaType, err)
			}
		})
	}
}

func TestThumbnailBadSide(t *testing.T) {
	d := mustOpen(t)
	b := mustPut(t, d, encodePNG(t, gradient(4, 4)))
	for _, side := range []int{0, -1} {
		if _, err := d.Thumbnail(context.Background(), b.SHA256, side); err == nil {
			t.Errorf("Thumbnail(side %d) = nil error", side)
		}
	}
}

func TestThumbnailUndecodable(t *testing.T) {
	d := mustOpen(t)
	// A PNG signature and nothing usable: stored as a damaged original,
	// but there is nothing to scale.
	b := mustPut(t, d, []byte("\x89PNG\r\n\x1a\nnot really"))
	_, err := d.Thumbnail(context.Background(), b.SHA256, 64)
	if err == nil || errors.Is(err, ErrNoThumbnail) {
		t.Errorf("Thumbnail(broken png) = %v, want a decode error", err)
	}
	if err := d.Verify(context.Background(), b.SHA256); err != nil {
		t.Errorf("Verify(broken png) = %v", err)
	}
}

// TestThumbnailRefusesDecompressionBomb stores images whose headers claim
// more pixels than the limit (with Put's own limit lifted) and checks that
// Thumbnail refuses them having allocated next to nothing: decoding the
// PNG would take 40 GB.
func TestThumbnailRefusesDecompressionBomb(t *testing.T) {
	for _, tc := range []struct {
		name    string
		content []byte
	}{
		{"png 100000×100000", pngHeader(100_000, 100_000)},
		{"webp 16384×16384", solidWebP(16384, 16384, color.NRGBA{0, 0, 0, 255})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := mustOpen(t)
			b, err := d.Put(context.Background(), bytes.NewReader(tc.content), "", Limits{MaxPixels: 1 << 40})
			if err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err = d.Thumbnail(context.Background(), b.SHA256, 256)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Thumbnail(%s) = %v, want ErrTooLarge", tc.name, err)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
				t.Errorf("Thumbnail(%s) allocated %d bytes before refusing", tc.name, alloc)
			}
			entries, _ := os.ReadDir(d.Root() + "/sha256")
			if len(entries) != 1 {
				t.Errorf("sha256/ holds %d fan-out directories, want only the original's", len(entries))
			}
		})
	}
	// Lowering the store's limit refuses an ordinary image the same way.
	d := mustOpen(t)
	d.MaxPixels = 100
	b := mustPut(t, d, encodePNG(t, gradient(11, 10)))
	if _, err := d.Thumbnail(context.Background(), b.SHA256, 8); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Thumbnail(11×10, MaxPixels 100) = %v, want ErrTooLarge", err)
	}
}

func TestThumbnailCancelled(t *testing.T) {
	d := mustOpen(t)
	b := mustPut(t, d, encodePNG(t, gradient(40, 40)))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := d.Thumbnail(ctx, b.SHA256, 8); !errors.Is(err, context.Canceled) {
		t.Errorf("Thumbnail(cancelled ctx) = %v, want context.Canceled", err)
	}
}

func TestFit(t *testing.T) {
	for _, tc := range []struct{ w, h, side, ww, wh int }{
		{100, 50, 200, 100, 50},
		{400, 200, 200, 200, 100},
		{200, 400, 200, 100, 200},
		{3, 2, 2, 2, 1},
		{1, 10000, 100, 1, 100},
		{10000, 1, 100, 100, 1},
		{65535, 65535, 1, 1, 1},
	} {
		if w, h := fit(tc.w, tc.h, tc.side); w != tc.ww || h != tc.wh {
			t.Errorf("fit(%d, %d, %d) = %d, %d; want %d, %d", tc.w, tc.h, tc.side, w, h, tc.ww, tc.wh)
		}
	}
}
