// Package storetest is the conformance suite that every safezones store
// (SQLite, PostgreSQL) must pass: Run it from the store's own tests with a
// constructor that returns a fresh, empty store.
package storetest
