package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"lotse/flows"
	"lotse/store"
)

// statsDB writes a database with counters on three days and returns it,
// still open (as by a running lotse).
func statsDB(t *testing.T) (string, *store.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "lotse.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	counts := []flows.Count{
		{Key: "2026-11-23|start|recognition||menu", N: 4},
		{Key: "2026-11-23|deeplink|(other)||", N: 1},
		{Key: "2026-11-24|start|recognition||deeplink", N: 2},
		{Key: "2026-11-24|start|recognition||menu", N: 1},
		{Key: "2026-11-24|complete|recognition|result|", N: 2},
		{Key: "2026-11-24|session|||uk", N: 3},
		{Key: "2026-11-25|reminder|deadline|grant|sent", N: 5},
	}
	if err := db.Save(t.Context(), flows.Session{Chat: 1}, nil, flows.Change{Counts: counts}); err != nil {
		t.Fatal(err)
	}
	return path, db
}

func TestStatsCommandLine(t *testing.T) {
	path, db := statsDB(t)
	var out, errOut bytes.Buffer
	if code := run(t.Context(), []string{"stats", "-db", path}, nil, &out, &errOut, env(nil)); code != 1 ||
		!strings.Contains(errOut.String(), "in use by a running lotse") || !strings.Contains(errOut.String(), "/stats in the chat") {
		t.Errorf("stats while the database is open: exit %d, %q", code, errOut.String())
	}
	db.Close()

	tests := []struct {
		name string
		args []string
		code int
		want string // the whole output for code 0, else part of stderr
	}{
		{name: "csv, one day", args: []string{"--format", "csv", "--since", "2026-11-24", "--until", "2026-11-24"}, want: `date,kind,flow,step,label,count
2026-11-24,complete,recognition,result,,2
2026-11-24,session,,,uk,3
2026-11-24,start,recognition,,deeplink,2
2026-11-24,start,recognition,,menu,1
`},
		{name: "csv, all", args: []string{"--format=csv"}, want: `date,kind,flow,step,label,count
2026-11-23,deeplink,(other),,,1
2026-11-23,start,recognition,,menu,4
2026-11-24,complete,recognition,result,,2
2026-11-24,session,,,uk,3
2026-11-24,start,recognition,,deeplink,2
2026-11-24,start,recognition,,menu,1
2026-11-25,reminder,deadline,grant,sent,5
`},
		{name: "text totals", args: []string{"--until", "2026-11-24"}, want: `Usage counters from 2026-11-23 to 2026-11-24 (UTC days), totals:
KIND      FLOW         STEP    LABEL     COUNT
start     recognition          deeplink  2
start     recognition          menu      5
deeplink  (other)                        1
complete  recognition  result            2
session                        uk        3
`},
		{name: "empty period", args: []string{"--since", "2027-01-01"}, want: "No counters in this period.\n"},
		{name: "bad format", args: []string{"--format", "xml"}, code: 2, want: `--format "xml"`},
		{name: "bad date", args: []string{"--since", "24.11.2026"}, code: 2, want: "use a date like"},
		{name: "until before since", args: []string{"--since", "2026-11-24", "--until", "2026-11-01"}, code: 2, want: "is before"},
		{name: "extra argument", args: []string{"now"}, code: 2, want: `unexpected argument "now"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(t.Context(), append([]string{"stats", "-db", path}, tt.args...), nil, &out, &errOut, env(nil))
			if code != tt.code {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tt.code, errOut.String())
			}
			if code == 0 && out.String() != tt.want {
				t.Errorf("output:\n%s\nwant:\n%s", out.String(), tt.want)
			}
			if code != 0 && !strings.Contains(errOut.String(), tt.want) {
				t.Errorf("stderr %q, want %q", errOut.String(), tt.want)
			}
		})
	}

	// A missing file is an error, and is not created.
	missing := filepath.Join(t.TempDir(), "none.db")
	if code := run(t.Context(), []string{"stats", "-db", missing}, nil, &bytes.Buffer{}, &bytes.Buffer{}, env(nil)); code != 1 {
		t.Errorf("stats of a missing file: exit %d, want 1", code)
	}
	if code := run(t.Context(), []string{"stats", "-db", missing}, nil, &bytes.Buffer{}, &bytes.Buffer{}, env(nil)); code != 1 {
		t.Errorf("stats of a missing file, twice: exit %d, want 1 (the first must not create it)", code)
	}
}
