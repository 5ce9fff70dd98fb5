package main

import (
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"

	"lotse/flows"
	"lotse/store"
)

const statsUsage = "usage: lotse stats [-db PATH] [--format text|csv] [--since 2026-01-01] [--until 2026-01-31]"

// runStats implements "lotse stats": the usage counters (aggregate, per
// UTC day) read from the database. It opens the file read-only; bbolt
// lets no reader in while a running lotse holds it, so then it says so.
func runStats(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("lotse stats", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, statsUsage); fs.PrintDefaults() }
	dbPath := fs.String("db", "", "the database (default $LOTSE_DB or lotse.db)")
	format := fs.String("format", "text", "text (totals of the period) or csv (one row per day and counter)")
	sinceArg := fs.String("since", "", "the first UTC day to include, e.g. 2026-01-01 (default: the first counted)")
	untilArg := fs.String("until", "", "the last UTC day to include (default: the last counted)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "lotse stats: unexpected argument %q\n%s\n", fs.Arg(0), statsUsage)
		return 2
	}
	if *format != "text" && *format != "csv" {
		fmt.Fprintf(stderr, "lotse stats: --format %q: use text or csv\n", *format)
		return 2
	}
	var since, until time.Time
	for _, d := range []struct {
		name, arg string
		t         *time.Time
	}{{"since", *sinceArg, &since}, {"until", *untilArg, &until}} {
		if d.arg == "" {
			continue
		}
		t, err := time.Parse(flows.DateLayout, d.arg)
		if err != nil {
			fmt.Fprintf(stderr, "lotse stats: --%s %q: use a date like 2026-01-31\n", d.name, d.arg)
			return 2
		}
		*d.t = t
	}
	if !since.IsZero() && !until.IsZero() && until.Before(since) {
		fmt.Fprintf(stderr, "lotse stats: --until %s is before --since %s\n", *untilArg, *sinceArg)
		return 2
	}
	cfg := configFrom(getenv)
	if *dbPath != "" {
		cfg.DB = *dbPath
	}
	db, err := store.Open(cfg.DB, store.Options{ReadOnly: true, LockTimeout: 500 * time.Millisecond})
	if errors.Is(err, store.ErrLocked) {
		fmt.Fprintf(stderr, "lotse stats: %s is in use by a running lotse, and bbolt lets no other process read it meanwhile; "+
			"use /stats in the chat, or read a backup: lotse stats -db BACKUP (see LOTSE_BACKUP_DIR)\n", cfg.DB)
		return 1
	}
	if err != nil {
		fmt.Fprintln(stderr, "lotse stats:", err)
		return 1
	}
	defer db.Close()
	counts, err := db.Counts(ctx, since, until)
	if err != nil {
		fmt.Fprintln(stderr, "lotse stats:", err)
		return 1
	}
	var rows []statsRow
	for _, c := range counts {
		k, ok := flows.ParseCounter(c.Key)
		if !ok {
			fmt.Fprintf(stderr, "lotse stats: skipping a counter with an unknown key %q\n", c.Key)
			continue
		}
		rows = append(rows, statsRow{k, c.N})
	}
	if *format == "csv" {
		err = writeStatsCSV(stdout, rows)
	} else {
		err = writeStatsText(stdout, rows, *sinceArg, *untilArg)
	}
	if err != nil {
		fmt.Fprintln(stderr, "lotse stats:", err)
		return 1
	}
	return 0
}

type statsRow struct {
	flows.Counter
	N uint64
}

// writeStatsCSV writes one row per day and counter, in key order, under
// the header date,kind,flow,step,label,count.
func writeStatsCSV(w io.Writer, rows []statsRow) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"date", "kind", "flow", "step", "label", "count"})
	for _, r := range rows {
		cw.Write([]string{r.Date, r.Kind, r.Flow, r.Step, r.Label, strconv.FormatUint(r.N, 10)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// writeStatsText writes the totals of the period per counter, kind by
// kind in flows.CounterKinds order.
func writeStatsText(w io.Writer, rows []statsRow, since, until string) error {
	totals := map[flows.Counter]uint64{}
	for _, r := range rows {
		if since == "" || r.Date < since {
			since = r.Date
		}
		if until == "" || r.Date > until {
			until = r.Date
		}
		c := r.Counter
		c.Date = ""
		totals[c] += r.N
	}
	if len(totals) == 0 {
		_, err := fmt.Fprintln(w, "No counters in this period.")
		return err
	}
	keys := make([]flows.Counter, 0, len(totals))
	for k := range totals {
		keys = append(keys, k)
	}
	order := func(kind string) int {
		if i := slices.Index(flows.CounterKinds, kind); i >= 0 {
			return i
		}
		return len(flows.CounterKinds)
	}
	slices.SortFunc(keys, func(a, b flows.Counter) int {
		return cmp.Or(cmp.Compare(order(a.Kind), order(b.Kind)), cmp.Compare(a.Kind, b.Kind),
			cmp.Compare(a.Flow, b.Flow), cmp.Compare(a.Step, b.Step), cmp.Compare(a.Label, b.Label))
	})
	fmt.Fprintf(w, "Usage counters from %s to %s (UTC days), totals:\n", since, until)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tFLOW\tSTEP\tLABEL\tCOUNT")
	for _, k := range keys {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", k.Kind, k.Flow, k.Step, k.Label, totals[k])
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write text: %w", err)
	}
	return nil
}
