package broadcast_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"lotse/flows"
	"lotse/flows/broadcast"
	"lotse/flows/content"
	"lotse/locales"
	"lotse/store"
)

var errCrash = errors.New("crash")

// TestResumeAfterRestart: a pass dies halfway (right after a commit, the
// worst moment); after reopening the database a new pass continues from
// the cursor. Every active member gets the broadcast exactly once, in
// their language; who blocked the bot gets nothing and is counted.
func TestResumeAfterRestart(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "lotse.db")
	c, err := flows.Load(content.Files)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := locales.Load(locales.Files)
	if err != nil {
		t.Fatal(err)
	}
	open := func() (*store.DB, *flows.Engine) {
		db, err := store.Open(path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		e, err := flows.NewEngine(flows.Config{Content: c, Store: db, Translator: cat, Broadcasts: db})
		if err != nil {
			t.Fatal(err)
		}
		return db, e
	}
	db, e := open()
	const users = 60
	langs := []string{"de", "uk", "en"}
	active := 0
	for chat := int64(1); chat <= users; chat++ {
		s := flows.Session{Chat: chat, Lang: langs[chat%3], Inactive: chat%10 == 0, Updated: time.Now()}
		if !s.Inactive {
			active++
		}
		if err := db.Save(ctx, s, nil); err != nil {
			t.Fatal(err)
		}
	}
	b := &flows.Broadcast{Segment: flows.Segment{Kind: flows.SegmentAll}, Status: flows.BroadcastSending,
		Texts: map[string]string{"": "main", "de": "deutsch"}}
	if err := db.Save(ctx, flows.Session{Chat: 1, Lang: "uk"}, nil, flows.Change{Broadcast: b}); err != nil {
		t.Fatal(err)
	}

	submitted := 0
	r := &broadcast.Runner{Store: db, Chunk: 7, Submit: func(ctx context.Context, ev flows.Event) error {
		if _, err := e.Handle(ctx, ev); err != nil {
			return err
		}
		submitted++
		if submitted == 25 {
			return errCrash // committed, but the pass dies before it knows
		}
		return nil
	}}
	if _, err := r.Run(ctx); !errors.Is(err, errCrash) {
		t.Fatalf("first pass: %v, want the crash", err)
	}
	db.Close()

	db, e = open()
	defer db.Close()
	r = &broadcast.Runner{Store: db, Chunk: 7, Submit: func(ctx context.Context, ev flows.Event) error {
		_, err := e.Handle(ctx, ev)
		return err
	}}
	if _, err := r.Run(ctx); err != nil {
		t.Fatalf("second pass: %v", err)
	}
	if n, err := r.Run(ctx); err != nil || n != 0 {
		t.Errorf("a pass after the end submitted %d (%v), want 0", n, err)
	}

	pending, err := db.Pending(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]int{}
	for _, m := range pending {
		got[m.Chat]++
		want := "main"
		if m.Chat%3 == 0 {
			want = "deutsch"
		}
		if m.Text != want {
			t.Errorf("chat %d got %q, want %q", m.Chat, m.Text, want)
		}
	}
	for chat := int64(1); chat <= users; chat++ {
		want := 1
		if chat%10 == 0 {
			want = 0
		}
		if got[chat] != want {
			t.Errorf("chat %d got the broadcast %d times, want %d", chat, got[chat], want)
		}
	}
	final, _, err := db.Broadcast(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if final.Status != flows.BroadcastDone || final.Sent != active || final.Skipped != users-active || final.Cursor != users || final.Finished.IsZero() {
		t.Errorf("after both passes: %+v; want done, %d sent, %d skipped, cursor %d", final, active, users-active, users)
	}
}

// TestStoppedBroadcast: a pass sends nothing for a stopped broadcast.
func TestStoppedBroadcast(t *testing.T) {
	ctx := t.Context()
	db, err := store.Open(filepath.Join(t.TempDir(), "lotse.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	b := &flows.Broadcast{Segment: flows.Segment{Kind: flows.SegmentAll}, Status: flows.BroadcastSending, Texts: map[string]string{"": "x"}}
	if err := db.Save(ctx, flows.Session{Chat: 1}, nil, flows.Change{Broadcast: b}, flows.Change{StopBroadcast: 1}); err != nil {
		t.Fatal(err)
	}
	r := &broadcast.Runner{Store: db, Submit: func(context.Context, flows.Event) error {
		t.Error("submitted an event of a stopped broadcast")
		return nil
	}}
	if _, err := r.Run(ctx); err != nil {
		t.Fatal(err)
	}
}
