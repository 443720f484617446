// Package evidence keeps the photos, videos and documents attached to
// incident reports: untouched originals in a content-addressed blob store
// (Dir) named by their SHA-256, working copies (thumbnails) stored the same
// way and linked to the original by its hash, and the metadata a store and
// the API keep about each attachment (Item).
//
// An upload is streamed to a temporary file while it is hashed, checked
// against Limits (size, media type sniffed from the content, pixels), made
// durable and read-only, and only then moved into place under its hash, so
// a stored file is always complete and always matches its name until
// someone changes it behind the store's back, which Verify detects. Nothing
// in this package rewrites a stored original: a thumbnail is a new blob.
//
// The package does no logging and holds no global state; it reads nothing
// but the directory it is given. docs/evidence.md describes the layout, the
// limits, the thumbnail rule and how to check a blob by hand.
package evidence
