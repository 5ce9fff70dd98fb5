package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lotse/bot/telegramtest"
	"lotse/flows"
	"lotse/store"
)

// TestBroadcastOnTelegram runs lotse against the fake Bot API: an admin
// writes a broadcast to all users in the chat and sends it; every active
// user gets it once, as plain text; who blocked the bot before is skipped,
// who blocked it since is refused by Telegram, marked inactive and
// counted; /broadcast status says so.
func TestBroadcastOnTelegram(t *testing.T) {
	srv := telegramtest.New(t)
	dbPath := filepath.Join(t.TempDir(), "lotse.db")
	db, err := store.Open(dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const admin, de, en, gone, blocker = 5, 10, 11, 12, 13
	for _, s := range []flows.Session{
		{Chat: de, Lang: "de", LangChosen: true},
		{Chat: en, Lang: "en", LangChosen: true},
		{Chat: gone, Lang: "en", Inactive: true},
		{Chat: blocker, Lang: "uk", LangChosen: true},
	} {
		s.Updated = time.Now()
		if err := db.Save(t.Context(), s, nil); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	srv.Block(blocker)

	cancel, exited, logs := startOnTelegram(t, dbPath, srv, map[string]string{"LOTSE_ADMINS": "5", "LOTSE_BROADCAST_CRON": "@every 1s"})
	defer cancel()
	// waitText waits for a message of the bot in chat that contains s.
	waitText := func(chat int64, s string) telegramtest.Message {
		t.Helper()
		var found telegramtest.Message
		ok := srv.WaitFor(10*time.Second, func() bool {
			for _, m := range srv.Messages(chat) {
				if strings.Contains(m.Text, s) {
					found = m
					return true
				}
			}
			return false
		})
		if !ok {
			var texts []string
			for _, m := range srv.Messages(chat) {
				texts = append(texts, m.Text)
			}
			t.Fatalf("chat %d: no message with %q; got:\n%s\nlog:\n%s", chat, s, strings.Join(texts, "\n---\n"), logs.String())
		}
		return found
	}
	press := func(m telegramtest.Message, label string) {
		t.Helper()
		if _, _, ok := srv.PressButtonByText(admin, m.ID, label); !ok {
			t.Fatalf("no button %q on %q", label, m.Text)
		}
	}
	from := telegramtest.User{ID: admin, FirstName: "A", LanguageCode: "en"}
	srv.SendText(admin, from, "/broadcast")
	press(waitText(admin, "New broadcast"), "👥 All users")
	waitText(admin, "Send me the text")
	const text = "Tomorrow 10:00 <open day> & more: https://example.org"
	srv.SendText(admin, from, text)
	press(waitText(admin, "Own text for the users who read"), "⏩ Main text for all others")
	preview := waitText(admin, "Preview")
	if !strings.Contains(preview.Text, "Recipients: 4") || !strings.Contains(preview.Text, "Skipped (blocked the bot): 1") {
		t.Errorf("preview:\n%s", preview.Text)
	}
	press(preview, "✅ Send now")
	waitText(admin, "Broadcast queued")

	for _, chat := range []int64{de, en, admin} {
		waitText(chat, text)
	}
	// The pass marks the broadcast done, and the 403 is counted, a moment
	// after the last message: ask until the status says so.
	want := []string{": done", "Sent: 4", "refused by Telegram (blocked the bot): 1", "Skipped (had blocked the bot): 1"}
	var status string
	for range 50 {
		before := len(srv.Messages(admin))
		srv.SendText(admin, from, "/broadcast status")
		srv.WaitFor(5*time.Second, func() bool { return len(srv.Messages(admin)) > before })
		last, _ := srv.LastMessage(admin)
		if status = last.Text; containsAll(status, want) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !containsAll(status, want) {
		t.Errorf("status lacks one of %q:\n%s", want, status)
	}
	for _, chat := range []int64{de, en} {
		n := 0
		for _, m := range srv.Messages(chat) {
			if m.Text == text {
				n++
			}
		}
		if n != 1 {
			t.Errorf("chat %d got the broadcast %d times, want 1", chat, n)
		}
	}
	if n := len(srv.Messages(gone)); n != 0 {
		t.Errorf("a user who blocked the bot before got %d messages", n)
	}

	cancel()
	waitExit(t, exited, logs, 20*time.Second)
	db, err = store.Open(dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if s, _, _ := db.Session(t.Context(), blocker); !s.Inactive {
		t.Error("the user whose 403 came during the broadcast is not marked inactive")
	}
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
