package evidence

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/image/webp"
)

// Permissions of what Dir creates. Directories are private to the owner and
// its group; stored files are read-only so that nothing in this process
// (nor a careless operator) rewrites an original by accident.
const (
	dirPerm    fs.FileMode = 0o750
	storedPerm fs.FileMode = 0o440
)

// copyBufSize is the buffer Put copies through: it bounds what an upload
// costs in memory whatever its size.
const copyBufSize = 64 << 10

// Dir is a content-addressed blob store on a directory. A blob with hash h
// lives at sha256/h[:2]/h under the root; uploads in progress live in tmp/.
// Files are written once and never changed; any number of goroutines and
// processes may use one directory at a time.
type Dir struct {
	root string
	// MaxPixels is the largest width × height Thumbnail decodes; zero or
	// less means DefaultLimits().MaxPixels.
	MaxPixels int64
}

// Open returns the store rooted at dir, creating dir, dir/sha256 and dir/tmp
// (mode 0750 before umask) when they are missing. It fails when dir exists
// and is not a directory or cannot be created.
func Open(dir string) (*Dir, error) {
	if dir == "" {
		return nil, errors.New("open evidence store: directory is empty")
	}
	for _, p := range []string{dir, filepath.Join(dir, "sha256"), filepath.Join(dir, "tmp")} {
		if err := os.MkdirAll(p, dirPerm); err != nil {
			return nil, fmt.Errorf("open evidence store: %w", err)
		}
	}
	return &Dir{root: dir}, nil
}

// Root returns the directory d was opened on.
func (d *Dir) Root() string { return d.root }

// Path returns where the blob named sha is stored (whether or not it is),
// or an error wrapping ErrInvalidHash when sha is not 64 lower-case hex
// characters.
func (d *Dir) Path(sha string) (string, error) {
	if !ValidSHA256(sha) {
		return "", fmt.Errorf("blob name %q is not 64 lower-case hex characters: %w", truncate(sha, 80), ErrInvalidHash)
	}
	return filepath.Join(d.root, "sha256", sha[:2], sha), nil
}

// Has reports whether a regular file is stored under sha; it is false for
// a malformed sha. Like Open, it does not re-hash the file.
func (d *Dir) Has(sha string) bool {
	p, err := d.Path(sha)
	if err != nil {
		return false
	}
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// Open opens the blob named sha read-only and returns it with its Blob
// (size from the file, media type sniffed from its first bytes). The caller
// closes the file. It returns an error wrapping ErrInvalidHash for a
// malformed sha and ErrNotFound when nothing is stored under it. Open does
// not re-hash the file: Verify does.
func (d *Dir) Open(sha string) (*os.File, Blob, error) {
	p, err := d.Path(sha)
	if err != nil {
		return nil, Blob{}, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, Blob{}, fmt.Errorf("blob %s: %w", sha, ErrNotFound)
	}
	if err != nil {
		return nil, Blob{}, fmt.Errorf("open blob %s: %w", sha, err)
	}
	b, err := describe(f, sha)
	if err != nil {
		f.Close()
		return nil, Blob{}, err
	}
	return f, b, nil
}

// describe returns the Blob of the open stored file f named sha, reading its
// head with ReadAt so that f's offset stays at the start.
func describe(f *os.File, sha string) (Blob, error) {
	fi, err := f.Stat()
	if err != nil {
		return Blob{}, fmt.Errorf("stat blob %s: %w", sha, err)
	}
	if !fi.Mode().IsRegular() {
		return Blob{}, fmt.Errorf("blob %s is a %s, not a regular file: %w", sha, fi.Mode().Type(), ErrCorrupt)
	}
	head := make([]byte, SniffLen)
	n, err := f.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return Blob{}, fmt.Errorf("read blob %s: %w", sha, err)
	}
	return Blob{SHA256: sha, Size: fi.Size(), MediaType: DetectMediaType(head[:n])}, nil
}

// Verify re-reads the blob named sha and returns nil when its SHA-256 is
// still sha; an error wrapping ErrCorrupt when it is not (naming the hash
// found), ErrNotFound when it is missing, ErrInvalidHash when sha is
// malformed, or ctx's error when ctx ends first.
func (d *Dir) Verify(ctx context.Context, sha string) error {
	f, _, err := d.Open(sha)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.CopyBuffer(h, ctxReader{ctx, f}, make([]byte, copyBufSize)); err != nil {
		return fmt.Errorf("verify blob %s: %w", sha, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sha {
		return fmt.Errorf("blob %s hashes to %s: %w", sha, got, ErrCorrupt)
	}
	return nil
}

// Put stores the content of r and returns its Blob. declared is the
// client's Content-Type ("" when none); limits bounds what is accepted,
// zero fields taking their defaults.
//
// Put streams r to a file in tmp/ while hashing it, so memory use does not
// grow with the content. It refuses, wrapping the sentinel named: ErrEmpty
// for no bytes; ErrTooLarge past limits.MaxBytes (it reads at most one
// byte past the limit) or for an image whose header claims more than
// limits.MaxPixels; ErrUnsupportedType when the type sniffed from the
// first SniffLen bytes is not in limits.Allowed; ErrTypeMismatch when
// declared names another type. An image whose header cannot be read is
// still accepted: a damaged photo is evidence too, and Thumbnail will
// refuse it.
//
// The file is synced, made read-only and hard-linked under its hash, and
// the directories are synced, so a stored blob is complete and durable
// before Put returns. When the content is already stored, Put returns the
// same Blob and leaves the stored file as it is; concurrent Puts of one
// content all succeed and store it once. When ctx ends, Put stops reading
// and returns ctx's error, storing nothing.
func (d *Dir) Put(ctx context.Context, r io.Reader, declared string, limits Limits) (Blob, error) {
	limits = limits.withDefaults()
	if err := ctx.Err(); err != nil {
		return Blob{}, err
	}
	in := io.LimitReader(ctxReader{ctx, r}, limits.MaxBytes+1)

	head := make([]byte, SniffLen)
	n, err := io.ReadFull(in, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return Blob{}, fmt.Errorf("read evidence: %w", err)
	}
	head = head[:n]
	if n == 0 {
		return Blob{}, ErrEmpty
	}
	mediaType := DetectMediaType(head)
	if !limits.allows(mediaType) {
		return Blob{}, fmt.Errorf("content is %s, allowed are %s: %w", mediaType, strings.Join(limits.Allowed, ", "), ErrUnsupportedType)
	}
	if err := checkDeclared(declared, mediaType); err != nil {
		return Blob{}, err
	}

	tmp, err := os.CreateTemp(filepath.Join(d.root, "tmp"), "put-*")
	if err != nil {
		return Blob{}, fmt.Errorf("store evidence: %w", err)
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	h := sha256.New()
	size, err := copyHashed(tmp, h, head, in)
	if err != nil {
		return Blob{}, fmt.Errorf("store evidence: %w", err)
	}
	if size > limits.MaxBytes {
		return Blob{}, fmt.Errorf("content is more than the limit of %d bytes: %w", limits.MaxBytes, ErrTooLarge)
	}
	if err := checkPixels(tmp, mediaType, limits.MaxPixels); err != nil {
		return Blob{}, err
	}
	b := Blob{SHA256: hex.EncodeToString(h.Sum(nil)), Size: size, MediaType: mediaType}
	if err := d.commit(tmp, b.SHA256); err != nil {
		return Blob{}, fmt.Errorf("store evidence %s: %w", b.SHA256, err)
	}
	return b, nil
}

// copyHashed writes head and then the rest of r to f and to h, and returns
// how many bytes it wrote.
func copyHashed(f *os.File, h hash.Hash, head []byte, r io.Reader) (int64, error) {
	w := io.MultiWriter(f, h)
	if _, err := w.Write(head); err != nil {
		return 0, err
	}
	n, err := io.CopyBuffer(w, r, make([]byte, copyBufSize))
	return int64(len(head)) + n, err
}

// commit makes the complete temporary file tmp durable and read-only and
// links it at the path of sha, unless a file is already there. It leaves
// tmp for the caller to remove.
func (d *Dir) commit(tmp *os.File, sha string) error {
	if err := tmp.Chmod(storedPerm); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	final, err := d.Path(sha)
	if err != nil {
		return err
	}
	fan := filepath.Dir(final)
	if err := os.Mkdir(fan, dirPerm); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	// A hard link, unlike a rename, never replaces an existing file: the
	// first Put of a content wins and later ones leave its file alone.
	if err := os.Link(tmp.Name(), final); err != nil && !errors.Is(err, fs.ErrExist) {
		// A file system without hard links: rename instead. A concurrent
		// Put of the same content may then replace the file with an
		// identical one, which its readers cannot tell apart.
		if _, statErr := os.Lstat(final); statErr != nil {
			if err := os.Rename(tmp.Name(), final); err != nil {
				return err
			}
		}
	}
	// Sync both directories even when the file was already there or the
	// fan-out directory existed: the Put that made them may not have
	// synced them yet.
	if err := syncDir(fan); err != nil {
		return err
	}
	return syncDir(filepath.Dir(fan))
}

// syncDir flushes the directory entries of dir to stable storage, so that
// a file linked or created in it survives a crash.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// checkPixels returns an error wrapping ErrTooLarge when f is an image of
// mediaType whose header claims more than maxPixels pixels. It returns nil
// for other types and for headers it cannot read.
func checkPixels(f *os.File, mediaType string, maxPixels int64) error {
	decode := configDecoders[mediaType]
	if decode == nil {
		return nil
	}
	cfg, err := decode(io.NewSectionReader(f, 0, 1<<62))
	if err != nil {
		return nil
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > maxPixels {
		return fmt.Errorf("image is %d×%d, %d pixels, more than the limit of %d: %w", cfg.Width, cfg.Height, px, maxPixels, ErrTooLarge)
	}
	return nil
}

// configDecoders reads the header of each image type this package decodes.
// They are called directly, not through image.DecodeConfig, so that what is
// decoded does not depend on which formats some other package registered.
var configDecoders = map[string]func(io.Reader) (image.Config, error){
	TypeJPEG: jpeg.DecodeConfig,
	TypePNG:  png.DecodeConfig,
	TypeGIF:  gif.DecodeConfig,
	TypeWebP: webp.DecodeConfig,
}

// ctxReader is a reader that fails with its context's error once the
// context ends, checked before each read.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// truncate returns s cut to at most n bytes, for quoting untrusted input in
// an error message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
