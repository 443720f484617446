// Package safezones holds the glossary of the project — zones, parties and
// their lifecycle — and the interfaces between its parts. Adapters (SQLite,
// PostgreSQL, HTTP, NATS) implement or consume these interfaces; this package
// imports only the standard library and geo.
package safezones
