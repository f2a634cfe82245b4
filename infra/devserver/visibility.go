package devserver

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/server/common/config"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
)

// visibilityIndexes are the indexes the in-memory visibility store keeps:
// the default list order and the Web UI's usual filters. Temporal's SQLite
// schema has 58, one per column a query may name; every visibility write
// (three per workflow: start, build-id upsert, close) updates all of them
// and its statement is recompiled each time, which made visibility writes a
// quarter of the CPU of a synthesis run on two cores. A dev server holds
// thousands of executions at most, where a scan answers the other filters
// as fast as an index.
var visibilityIndexes = map[string]bool{
	"default_idx": true, "by_workflow_id": true, "by_workflow_type": true, "by_status": true,
}

// memoryVisibility is the SQL config of an in-memory visibility database
// separate from the one holding histories: its writes no longer queue
// behind history transactions on the single SQLite connection, and it
// runs without a rollback journal. Visibility writes are single statements
// outside transactions and the records are derived from the histories, so
// nothing needs rolling back; the journal's page copies were most of each
// write's cost.
func memoryVisibility(name string) *config.SQL {
	return &config.SQL{
		PluginName:   sqliteplugin.PluginName,
		DatabaseName: name + "-visibility",
		ConnectAttributes: map[string]string{
			"mode": "memory", "cache": "shared", "journal_mode": "off",
		},
	}
}

// openVisibility opens another connection to the running server's
// in-memory visibility database.
func openVisibility(name string) (*sql.DB, error) {
	return sql.Open("sqlite", "file:"+name+"?mode=memory&cache=shared")
}

// visibilityIndexNames lists the indexes on the visibility table.
func visibilityIndexNames(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'executions_visibility' AND sql IS NOT NULL ORDER BY name")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

// pruneVisibilityIndexes drops the visibility indexes not in
// visibilityIndexes from the running server's in-memory visibility
// database (the server creates the schema when it opens the database).
func pruneVisibilityIndexes(ctx context.Context, name string) error {
	db, err := openVisibility(name)
	if err != nil {
		return fmt.Errorf("devserver: visibility: %w", err)
	}
	defer db.Close()
	var names []string
	if err := retryLocked(ctx, func() (err error) {
		names, err = visibilityIndexNames(ctx, db)
		return err
	}); err != nil {
		return fmt.Errorf("devserver: visibility indexes: %w", err)
	}
	for _, n := range names {
		if visibilityIndexes[n] {
			continue
		}
		if err := retryLocked(ctx, func() error {
			_, err := db.ExecContext(ctx, `DROP INDEX IF EXISTS "`+n+`"`)
			return err
		}); err != nil {
			return fmt.Errorf("devserver: dropping visibility index %s: %w", n, err)
		}
	}
	return nil
}

// retryLocked runs f again while the server's own connection holds the
// shared-cache table lock f needs (SQLITE_LOCKED, which SQLite's busy
// timeout does not cover).
func retryLocked(ctx context.Context, f func() error) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := f()
		if err == nil || !strings.Contains(err.Error(), "locked") || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}
