package evidence

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

// ThumbnailQuality is the JPEG quality of thumbnails: small files with no
// visible blocking at thumbnail sizes.
const ThumbnailQuality = 82

// decoders decode each image type Thumbnail scales, called directly for the
// same reason as configDecoders.
var decoders = map[string]func(io.Reader) (image.Image, error){
	TypeJPEG: jpeg.Decode,
	TypePNG:  png.Decode,
	TypeGIF:  gif.Decode,
	TypeWebP: webp.Decode,
}

// maxPixels returns d.MaxPixels, or the default when it is not set.
func (d *Dir) maxPixels() int64 {
	if d.MaxPixels > 0 {
		return d.MaxPixels
	}
	return DefaultLimits().MaxPixels
}

// Thumbnail makes a working copy of the image stored as original, scaled
// to fit within maxSide × maxSide pixels, stores it with Put and returns
// its Blob. The original is only opened read-only and never changed.
//
// The rule: the image keeps its aspect ratio and is never enlarged (an
// image already within maxSide keeps its size); it is resampled with a
// Catmull-Rom kernel, drawn over white (JPEG has no transparency), turned
// upright by the EXIF orientation of a JPEG original, and encoded as a
// baseline JPEG of ThumbnailQuality. A GIF gives its first frame. The same
// original and maxSide give the same bytes, so the same Blob.
//
// It returns an error wrapping ErrNoThumbnail for a blob that is not a
// JPEG, PNG, GIF or WebP image; ErrTooLarge, before decoding anything
// beyond the header, for an image of more than d.MaxPixels pixels;
// ErrNotFound or ErrInvalidHash as Open does; and an error naming the
// original for an image that does not decode.
func (d *Dir) Thumbnail(ctx context.Context, original string, maxSide int) (Blob, error) {
	if maxSide < 1 {
		return Blob{}, fmt.Errorf("thumbnail of %s: side %d is less than 1 pixel", original, maxSide)
	}
	f, b, err := d.Open(original)
	if err != nil {
		return Blob{}, err
	}
	defer f.Close()
	decode, decodeConfig := decoders[b.MediaType], configDecoders[b.MediaType]
	if decode == nil || decodeConfig == nil {
		return Blob{}, fmt.Errorf("thumbnail of %s: %s is not a still image: %w", original, b.MediaType, ErrNoThumbnail)
	}
	cfg, err := decodeConfig(bufio.NewReader(io.NewSectionReader(f, 0, b.Size)))
	if err != nil {
		return Blob{}, fmt.Errorf("thumbnail of %s: read %s header: %w", original, b.MediaType, err)
	}
	maxPixels := d.maxPixels()
	if cfg.Width < 1 || cfg.Height < 1 {
		return Blob{}, fmt.Errorf("thumbnail of %s: image is %d×%d", original, cfg.Width, cfg.Height)
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > maxPixels {
		return Blob{}, fmt.Errorf("thumbnail of %s: image is %d×%d, %d pixels, more than the limit of %d: %w",
			original, cfg.Width, cfg.Height, px, maxPixels, ErrTooLarge)
	}
	if err := ctx.Err(); err != nil {
		return Blob{}, err
	}
	src, err := decode(bufio.NewReader(io.NewSectionReader(f, 0, b.Size)))
	if err != nil {
		return Blob{}, fmt.Errorf("thumbnail of %s: decode %s: %w", original, b.MediaType, err)
	}
	if err := ctx.Err(); err != nil {
		return Blob{}, err
	}
	orientation := 1
	if b.MediaType == TypeJPEG {
		orientation = jpegOrientation(f)
	}
	img := orient(scale(src, maxSide), orientation)

	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: ThumbnailQuality}); err != nil {
		return Blob{}, fmt.Errorf("thumbnail of %s: encode: %w", original, err)
	}
	thumb, err := d.Put(ctx, &buf, TypeJPEG, Limits{MaxPixels: maxPixels, Allowed: []string{TypeJPEG}})
	if err != nil {
		return Blob{}, fmt.Errorf("thumbnail of %s: %w", original, err)
	}
	return thumb, nil
}

// fit returns the size of a w×h image scaled to fit within side×side with
// its aspect ratio kept (rounded, at least 1), or w×h when it already fits.
func fit(w, h, side int) (int, int) {
	if w <= side && h <= side {
		return w, h
	}
	if w >= h {
		return side, max(1, int((int64(h)*int64(side)+int64(w)/2)/int64(w)))
	}
	return max(1, int((int64(w)*int64(side)+int64(h)/2)/int64(h))), side
}

// scale returns src fitted within side×side (see fit) and drawn over white
// on a new RGBA image whose bounds start at the origin.
func scale(src image.Image, side int) *image.RGBA {
	sb := src.Bounds()
	w, h := fit(sb.Dx(), sb.Dy(), side)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), image.White, image.Point{}, draw.Src)
	if w == sb.Dx() && h == sb.Dy() {
		draw.Draw(dst, dst.Bounds(), src, sb.Min, draw.Over)
	} else {
		draw.CatmullRom.Scale(dst, dst.Bounds(), src, sb, draw.Over, nil)
	}
	return dst
}

// orient returns img turned so that it displays upright for an EXIF
// orientation (1–8, TIFF tag 0x0112): 2 mirrors, 3 turns 180°, 4 flips,
// 5 transposes, 6 turns 90° clockwise, 7 transverses, 8 turns 90°
// counter-clockwise. Any other value returns img unchanged.
func orient(img *image.RGBA, orientation int) *image.RGBA {
	if orientation < 2 || orientation > 8 {
		return img
	}
	w, h := img.Rect.Dx(), img.Rect.Dy()
	dw, dh := w, h
	if orientation >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range h {
		for x := range w {
			var dx, dy int
			switch orientation {
			case 2:
				dx, dy = w-1-x, y
			case 3:
				dx, dy = w-1-x, h-1-y
			case 4:
				dx, dy = x, h-1-y
			case 5:
				dx, dy = y, x
			case 6:
				dx, dy = h-1-y, x
			case 7:
				dx, dy = h-1-y, w-1-x
			case 8:
				dx, dy = y, w-1-x
			}
			s := img.PixOffset(img.Rect.Min.X+x, img.Rect.Min.Y+y)
			copy(dst.Pix[dst.PixOffset(dx, dy):][:4], img.Pix[s:s+4])
		}
	}
	return dst
}

// maxJPEGSegments bounds how many segments jpegOrientation reads before
// giving up; the Exif segment comes right after SOI or a JFIF APP0.
const maxJPEGSegments = 16

// jpegOrientation returns the EXIF orientation (1–8) of the JPEG in r, or
// 1 when it has no readable Exif APP1 segment before its image data. It
// reads only the segments' headers and the Exif segment itself.
func jpegOrientation(r io.ReaderAt) int {
	off := int64(2) // after SOI
	var hdr [4]byte
	for range maxJPEGSegments {
		if _, err := r.ReadAt(hdr[:], off); err != nil {
			return 1
		}
		if hdr[0] != 0xFF {
			return 1
		}
		marker := hdr[1]
		if marker == 0xFF {
			// A fill byte before the marker.
			off++
			continue
		}
		n := int64(binary.BigEndian.Uint16(hdr[2:4]))
		if marker == 0xDA || marker == 0xD9 || n < 2 {
			// Start of scan or end of image: no Exif before the data.
			return 1
		}
		if marker == 0xE1 && n >= 2+6+8 {
			seg := make([]byte, n-2)
			if _, err := r.ReadAt(seg, off+4); err != nil {
				return 1
			}
			if bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
				return tiffOrientation(seg[6:])
			}
		}
		off += 2 + n
	}
	return 1
}

// tiffOrientation returns the Orientation tag (0x0112) of IFD0 of the TIFF
// structure t, or 1 when it has none or t is malformed.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	if bo.Uint16(t[2:4]) != 42 {
		return 1
	}
	ifd := int(bo.Uint32(t[4:8]))
	if ifd < 8 || ifd > len(t)-2 {
		return 1
	}
	count := int(bo.Uint16(t[ifd:]))
	for i := range count {
		e := ifd + 2 + 12*i
		if e+12 > len(t) {
			return 1
		}
		// An entry is tag, type, count (uint32), value; Orientation is one
		// SHORT (type 3), stored in the first two bytes of the value.
		if bo.Uint16(t[e:]) == 0x0112 && bo.Uint16(t[e+2:]) == 3 && bo.Uint32(t[e+4:]) == 1 {
			if v := int(bo.Uint16(t[e+8:])); v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}
