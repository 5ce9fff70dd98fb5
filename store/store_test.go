package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"lotse/flows"
	"lotse/store"
)

func open(t *testing.T, path string) *store.DB {
	t.Helper()
	db, err := store.Open(path, store.Options{LockTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestSessionRoundTripAndReopen(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "lotse.db")
	db := open(t, path)
	if _, ok, err := db.Session(ctx, 42); err != nil || ok {
		t.Fatalf("Session(42) on a new file = ok %v, err %v; want none", ok, err)
	}
	want := flows.Session{
		Chat: 42, Lang: "de", LangChosen: true, Flow: "recognition", FlowVersion: 2, Step: "origin",
		Answers: map[string]string{"profession": "nurse"}, History: []string{"profession"},
		LastUpdateID: 1007, Updated: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC),
	}
	replies := []flows.Reply{{Chat: 42, Text: "one"}, {Chat: 42, Op: flows.OpEdit, MessageID: 7, Text: "two"}}
	if err := db.Save(ctx, want, replies); err != nil {
		t.Fatal(err)
	}
	if replies[0].ID == 0 || replies[1].ID <= replies[0].ID {
		t.Errorf("Save gave reply IDs %d, %d; want increasing, non-zero", replies[0].ID, replies[1].ID)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = open(t, path)
	defer db.Close()
	got, ok, err := db.Session(ctx, 42)
	if err != nil || !ok {
		t.Fatalf("Session(42) after reopen: ok %v, err %v", ok, err)
	}
	if got.Step != want.Step || got.Answers["profession"] != "nurse" || got.LastUpdateID != 1007 ||
		len(got.History) != 1 || !got.Updated.Equal(want.Updated) || !got.LangChosen {
		t.Errorf("session after reopen = %+v, want %+v", got, want)
	}
	pending, err := db.Pending(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 2 || pending[0].Text != "one" || pending[1].Op != flows.OpEdit || pending[1].MessageID != 7 {
		t.Fatalf("Pending after reopen = %+v, want the two replies in order", pending)
	}
	if err := db.Ack(ctx, pending[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := db.Ack(ctx, pending[0].ID); err != nil {
		t.Errorf("second Ack of the same reply: %v, want nil", err)
	}
	pending, _ = db.Pending(ctx)
	if len(pending) != 1 || pending[0].Text != "two" {
		t.Errorf("Pending after Ack = %+v, want only the second reply", pending)
	}
}

func TestCloseTwiceAndWriteAfterClose(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "lotse.db"))
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db.Close() // harmless
	if err := db.Save(t.Context(), flows.Session{Chat: 1}, nil); err == nil {
		t.Error("Save after Close succeeded")
	}
}

func TestFileMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lotse.db")
	open(t, path).Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := fi.Mode().Perm(); mode&0o077 != 0 {
		t.Errorf("file mode = %v, want no access for group and others (0600)", mode)
	}
}

func TestSecondOpenIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lotse.db")
	db := open(t, path)
	defer db.Close()
	start := time.Now()
	_, err := store.Open(path, store.Options{LockTimeout: 50 * time.Millisecond})
	if !errors.Is(err, store.ErrLocked) {
		t.Fatalf("second Open: err = %v, want ErrLocked", err)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("second Open waited %v", waited)
	}
}

func TestCancelledContext(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "lotse.db"))
	defer db.Close()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := db.Save(ctx, flows.Session{Chat: 1}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Save with a cancelled context: %v, want context.Canceled", err)
	}
	if _, _, err := db.Session(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("Session with a cancelled context: %v, want context.Canceled", err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lotse.db")
	open(t, path).Close()
	if err := store.SetSchemaForTest(path, store.SchemaVersion+1); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(path, store.Options{}); !errors.Is(err, store.ErrSchema) {
		t.Errorf("Open of a newer schema: %v, want ErrSchema", err)
	}
}

func TestDeleteAndDeleteInactive(t *testing.T) {
	ctx := t.Context()
	db := open(t, filepath.Join(t.TempDir(), "lotse.db"))
	defer db.Close()
	old := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	recent := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for chat := int64(1); chat <= 10; chat++ {
		updated := recent
		if chat%2 == 0 {
			updated = old // chats 2, 4, 6, 8, 10 have been idle
		}
		rem := flows.ReminderChange{Put: &flows.Reminder{Chat: chat, Kind: flows.KindFollowup, Due: recent}}
		if err := db.Save(ctx, flows.Session{Chat: chat, Updated: updated}, nil, rem); err != nil {
			t.Fatal(err)
		}
	}
	n, err := db.DeleteInactive(ctx, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || n != 5 {
		t.Fatalf("DeleteInactive = %d, %v; want 5 (every idle chat, none skipped)", n, err)
	}
	for chat := int64(1); chat <= 10; chat++ {
		_, ok, _ := db.Session(ctx, chat)
		if want := chat%2 == 1; ok != want {
			t.Errorf("chat %d: session present %v, want %v", chat, ok, want)
		}
		if rs, _ := db.Reminders(ctx, chat); (len(rs) == 1) != (chat%2 == 1) {
			t.Errorf("chat %d: %d reminders after the retention sweep", chat, len(rs))
		}
	}
	if due, _ := db.DueReminders(ctx, recent, 100); len(due) != 5 {
		t.Errorf("%d reminders due after the sweep, want the 5 of active chats", len(due))
	}

	replies := []flows.Reply{{Chat: 3, Text: "deleted"}}
	if err := db.Delete(ctx, 3, replies); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := db.Session(ctx, 3); ok {
		t.Error("session still there after Delete")
	}
	pending, _ := db.Pending(ctx)
	if len(pending) != 1 || pending[0].Text != "deleted" || replies[0].ID == 0 {
		t.Errorf("Delete's confirmation not in the outbox: %+v", pending)
	}
}
