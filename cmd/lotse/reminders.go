package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"text/tabwriter"
	"time"

	"lotse/store"
)

// runReminders implements "lotse reminders list [--due-before T]": the
// pending reminders, soonest first, read from the database. bbolt locks the
// file, so while the bot runs this says the database is in use.
func runReminders(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 || args[0] != "list" {
		fmt.Fprintln(stderr, "usage: lotse reminders list [-db PATH] [--due-before 2026-12-01T08:00:00Z|2026-12-01]")
		return 2
	}
	fs := flag.NewFlagSet("lotse reminders list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbPath := fs.String("db", "", "the database (default $LOTSE_DB or lotse.db)")
	before := fs.String("due-before", "", "only reminders due before this time (RFC 3339 or a date)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	until := time.Unix(0, math.MaxInt64)
	if *before != "" {
		t, err := parseTime(*before)
		if err != nil {
			fmt.Fprintf(stderr, "lotse reminders list: --due-before %q: use 2026-12-01 or 2026-12-01T08:00:00Z\n", *before)
			return 2
		}
		until = t
	}
	cfg := configFrom(getenv)
	if *dbPath != "" {
		cfg.DB = *dbPath
	}
	db, err := store.Open(cfg.DB, store.Options{LockTimeout: 500 * time.Millisecond})
	if errors.Is(err, store.ErrLocked) {
		fmt.Fprintf(stderr, "lotse reminders list: %s is in use by a running lotse; stop it, or list a backup (LOTSE_BACKUP_DIR)\n", cfg.DB)
		return 1
	}
	if err != nil {
		fmt.Fprintln(stderr, "lotse reminders list:", err)
		return 1
	}
	defer db.Close()
	rs, err := db.DueReminders(ctx, until, math.MaxInt)
	if err != nil {
		fmt.Fprintln(stderr, "lotse reminders list:", err)
		return 1
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tDUE (UTC)\tKIND\tWHAT\tCHAT\tTIME ZONE")
	for _, r := range rs {
		what := r.Flow + "/" + r.Step
		if r.Deadline != "" {
			what = r.Deadline
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%d\t%s\n", r.ID, r.Due.UTC().Format(time.RFC3339), r.Kind, what, r.Chat, r.TZ)
	}
	w.Flush()
	fmt.Fprintf(stdout, "%d pending\n", len(rs))
	return 0
}

func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02", s)
}
