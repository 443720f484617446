// Package sqlite implements the safezones services on an embedded SQLite
// database (modernc.org/sqlite, no cgo): WAL journal, synchronous=FULL so a
// write that returned is on disk, foreign keys on, and schema migrations
// embedded in the binary and applied in order at Open.
package sqlite
