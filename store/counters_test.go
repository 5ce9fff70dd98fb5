package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"lotse/flows"
)

func count(key string, n uint64) flows.Count { return flows.Count{Key: key, N: n} }

// TestCountersCommitWithTheirChange: counters are written by Save and
// Delete in their transaction (so a failing change adds none), survive a
// reopen, and are not touched by /delete or the retention job.
func TestCountersCommitWithTheirChange(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "lotse.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	start := "2026-11-24|start|recognition||deeplink"
	if err := db.Save(ctx, flows.Session{Chat: 1, Updated: now}, []flows.Reply{{Chat: 1, Text: "hi"}},
		flows.Change{Counts: []flows.Count{count(start, 1), count("2026-11-24|view|recognition|profession|", 1)}}); err != nil {
		t.Fatal(err)
	}
	if err := db.Save(ctx, flows.Session{Chat: 2, Updated: now}, nil, flows.Change{Counts: []flows.Count{count(start, 2)}}); err != nil {
		t.Fatal(err)
	}

	// A change whose transaction fails adds nothing: the reminder it
	// deletes cannot be read.
	if err := db.bolt.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketReminders).Put(u64(99), []byte("{broken")) }); err != nil {
		t.Fatal(err)
	}
	if err := db.Save(ctx, flows.Session{Chat: 3}, nil, flows.Change{Delete: 99, Counts: []flows.Count{count(start, 100)}}); err == nil {
		t.Fatal("Save with an unreadable reminder succeeded")
	}

	if err := db.Delete(ctx, 1, nil, count("2026-11-24|leave|recognition|profession|delete", 1)); err != nil {
		t.Fatal(err)
	}
	if n, err := db.DeleteInactive(ctx, now.Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("DeleteInactive = %d, %v; want chat 2 deleted", n, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.Counts(ctx, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	want := []flows.Count{
		count("2026-11-24|leave|recognition|profession|delete", 1),
		count(start, 3),
		count("2026-11-24|view|recognition|profession|", 1),
	}
	if !slices.Equal(got, want) {
		t.Errorf("counters after reopen:\n%v\nwant\n%v", got, want)
	}
	if _, ok, _ := db.Session(ctx, 3); ok {
		t.Error("the failed Save stored its session")
	}
}

func TestCountsPeriod(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "lotse.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var all []flows.Count
	for _, d := range []string{"2026-10-31", "2026-11-01", "2026-11-02", "2026-11-30", "2026-12-01"} {
		all = append(all, count(d+"|session|||de", 1), count(d+"|start|demo||menu", 2))
	}
	if err := db.Save(t.Context(), flows.Session{Chat: 1}, nil, flows.Change{Counts: all}); err != nil {
		t.Fatal(err)
	}
	day := func(s string) time.Time {
		d, err := time.Parse(flows.DateLayout, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	tests := []struct {
		name     string
		from, to time.Time
		first    string
		n        int
	}{
		{"everything", time.Time{}, time.Time{}, "2026-10-31", 10},
		{"November", day("2026-11-01"), day("2026-11-30"), "2026-11-01", 6},
		{"one day", day("2026-11-02"), day("2026-11-02"), "2026-11-02", 2},
		{"until, inclusive", time.Time{}, day("2026-11-01"), "2026-10-31", 4},
		{"from, a time of day", time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC), time.Time{}, "2026-11-30", 4},
		{"nothing", day("2027-01-01"), time.Time{}, "", 0},
	}
	for _, tt := range tests {
		got, err := db.Counts(t.Context(), tt.from, tt.to)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tt.n || tt.n > 0 && got[0].Key[:10] != tt.first {
			t.Errorf("%s: %d counters starting %v, want %d from %s", tt.name, len(got), got, tt.n, tt.first)
		}
	}
	st, err := db.Stats(t.Context(), time.Date(2026, 11, 30, 18, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Counts) != 6 || st.Counts[0].Key != "2026-11-01|session|||de" { // 2026-11-01 … 2026-11-30
		t.Errorf("Stats counts the last 30 days: %v", st.Counts)
	}
}

// TestCountersConcurrentSaves: writers sharing group commits add every
// count exactly once. Run with -race.
func TestCountersConcurrentSaves(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "lotse.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const writers, saves = 16, 25
	key := "2026-11-24|start|demo||menu"
	var wg sync.WaitGroup
	errs := make(chan error, writers*saves)
	for w := range writers {
		wg.Go(func() {
			for i := range saves {
				own := fmt.Sprintf("2026-11-24|view|demo|w%d|", w)
				errs <- db.Save(t.Context(), flows.Session{Chat: int64(w)}, nil,
					flows.Change{Counts: []flows.Count{count(key, 1)}}, flows.Change{Counts: []flows.Count{count(own, uint64(i+1))}})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.Counts(t.Context(), time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != writers+1 || got[0].Key != key || got[0].N != writers*saves {
		t.Fatalf("counters: %v; want %s = %d and one per writer", got, key, writers*saves)
	}
	for _, c := range got[1:] {
		if c.N != saves*(saves+1)/2 {
			t.Errorf("%s = %d, want %d", c.Key, c.N, saves*(saves+1)/2)
		}
	}
}

// TestOpenReadOnly: a read-only open reads, writes nothing, shares the
// file with other readers, and is refused while a writer holds it.
func TestOpenReadOnly(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.db")
	if db, err := Open(missing, Options{ReadOnly: true}); err == nil {
		db.Close()
		t.Error("read-only open of a missing file succeeded")
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("read-only open created the file: %v", err)
	}

	path := filepath.Join(dir, "lotse.db")
	w, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Save(t.Context(), flows.Session{Chat: 1}, nil, flows.Change{Counts: []flows.Count{count("2026-11-24|session|||uk", 1)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, Options{ReadOnly: true, LockTimeout: 50 * time.Millisecond}); !errors.Is(err, ErrLocked) {
		t.Errorf("read-only open while a writer holds the file: %v, want ErrLocked", err)
	}
	w.Close()

	r1, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r1.Close()
	r2, err := Open(path, Options{ReadOnly: true, LockTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatalf("a second reader: %v", err)
	}
	r2.Close()
	if got, err := r1.Counts(t.Context(), time.Time{}, time.Time{}); err != nil || len(got) != 1 || got[0].N != 1 {
		t.Errorf("read-only Counts = %v, %v", got, err)
	}
	if err := r1.Save(t.Context(), flows.Session{Chat: 2}, nil); err == nil {
		t.Error("Save on a read-only database succeeded")
	}

	// A file that is no Lotse database is refused, not changed.
	other := filepath.Join(dir, "other.db")
	b, err := bolt.Open(other, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	if db, err := Open(other, Options{ReadOnly: true}); err == nil {
		db.Close()
		t.Error("read-only open of an empty bbolt file succeeded")
	}
}
