package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/safezones/safezones"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is an open safezones database. It is safe for concurrent use.
type DB struct {
	db *sql.DB
	// Now returns the current time; tests replace it.
	Now func() time.Time
	// Logger receives lifecycle messages; it discards by default.
	Logger *slog.Logger
	// Territory, when set, names the states whose territory holds a zone:
	// the default consent policy of a zone with no policy and no host
	// role (see safezones.PolicyTerritory).
	Territory safezones.TerritoryFunc
	// SimulatedOnly makes the store refuse decisions, pledges and
	// deliveries that are not marked simulated: the demo sets it, so that
	// nothing a visitor records there passes for a real-world claim.
	SimulatedOnly bool
	// NotificationRules are the deadlines that notifications' receipts
	// get; safezones.DefaultNotificationRules when zero.
	NotificationRules safezones.NotificationRules
}

// Open opens (creating if needed) the database file at path and applies
// pending migrations. Use ":memory:" only in tests: each connection would
// see its own database, so Open limits it to one connection.
func Open(ctx context.Context, filename string) (*DB, error) {
	q := url.Values{}
	for _, p := range []string{"foreign_keys(1)", "journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)"} {
		q.Add("_pragma", p)
	}
	// BEGIN IMMEDIATE takes the write lock at the start of each transaction,
	// so two writers queue on busy_timeout instead of failing on upgrade.
	q.Set("_txlock", "immediate")
	dsn := "file:" + filename + "?" + q.Encode()
	sdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", filename, err)
	}
	if filename == ":memory:" {
		sdb.SetMaxOpenConns(1)
	}
	d := &DB{db: sdb, Now: time.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := d.migrate(ctx); err != nil {
		sdb.Close()
		return nil, err
	}
	return d, nil
}

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// Ping checks that the database answers; /healthz uses it.
func (d *DB) Ping(ctx context.Context) error { return d.db.PingContext(ctx) }

func (d *DB) migrate(ctx context.Context) error {
	if _, err := d.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name TEXT PRIMARY KEY, applied_at TEXT NOT NULL) STRICT`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	names, err := migrations.ReadDir("migrations")
	if err != nil {
		return err
	}
	sort.Slice(names, func(i, j int) bool { return names[i].Name() < names[j].Name() })
	for _, e := range names {
		name := e.Name()
		if err := d.applyMigration(ctx, name); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	return nil
}

func (d *DB) applyMigration(ctx context.Context, name string) error {
	body, err := migrations.ReadFile(path.Join("migrations", name))
	if err != nil {
		return err
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE name = ?`, name).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	for _, stmt := range splitStatements(string(body)) {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("%.60s: %w", stmt, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(name, applied_at) VALUES (?, ?)`,
		name, formatTime(d.Now())); err != nil {
		return err
	}
	d.Logger.Info("applied migration", "migration", name)
	return tx.Commit()
}

// splitStatements splits a migration on semicolons at line ends. Migrations
// keep one statement per ';'-terminated block and no semicolons in strings.
func splitStatements(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ";\n") {
		var lines []string
		for _, l := range strings.Split(part, "\n") {
			if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "--") {
				lines = append(lines, l)
			}
		}
		if stmt := strings.TrimSuffix(strings.TrimSpace(strings.Join(lines, "\n")), ";"); stmt != "" {
			out = append(out, stmt)
		}
	}
	return out
}

// timeLayout has a fixed width so that stored times sort as text.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) (time.Time, error) { return time.Parse(timeLayout, s) }

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return formatTime(t)
}

// sqliteCode returns the extended result code of a driver error, or 0.
func sqliteCode(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

func isConstraint(err error, code int) bool { return sqliteCode(err) == code }

var (
	codePrimaryKey = sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	codeUnique     = sqlite3.SQLITE_CONSTRAINT_UNIQUE
	codeForeignKey = sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
)

// queryRows runs query and returns every row as scan reads it, in order;
// an empty result is an empty, non-nil slice (it encodes as []).
func queryRows[T any](ctx context.Context, q querier, scan func(scanner) (*T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query %.60s: %w", query, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, rows.Err()
}
