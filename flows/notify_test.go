package flows_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"lotse/flows"
	"lotse/flows/flowstest"
	"lotse/locales"
)

// TestNotify checks that a notice reaches an admin's chat through the
// outbox, in the admin's language, and nobody else's.
func TestNotify(t *testing.T) {
	content, err := flows.Load(os.DirFS("testdata/content"))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	const (
		adminDE      = 7  // an admin with a German chat
		adminNoChat  = 8  // an admin who never started the bot
		adminBlocked = 10 // an admin who blocked the bot
		notAdmin     = 9
		list         = "dead   https://example.org/a?x=1&y=<2>  404 Not Found  (source law)"
		escapedInPre = "<pre>dead   https://example.org/a?x=1&amp;y=&lt;2&gt;  404 Not Found  (source law)</pre>"
		germanFrame  = "🔗 <b>Linkprüfung</b>"
	)
	tests := []struct {
		name    string
		ev      flows.Event
		wantErr string
		want    []string // substrings of the one reply; nil: no reply
	}{
		{"admin", flows.Event{Chat: adminDE, Kind: flows.KindNotice, Notice: flows.NoticeDeadLinks, Text: list},
			"", []string{germanFrame, escapedInPre}},
		{"admin without a chat", flows.Event{Chat: adminNoChat, Kind: flows.KindNotice, Notice: flows.NoticeDeadLinks, Text: list}, "", nil},
		{"admin who blocked the bot", flows.Event{Chat: adminBlocked, Kind: flows.KindNotice, Notice: flows.NoticeDeadLinks, Text: list}, "", nil},
		{"not an admin", flows.Event{Chat: notAdmin, Kind: flows.KindNotice, Notice: flows.NoticeDeadLinks, Text: list}, "not an admin's", nil},
		{"not a notice", flows.Event{Chat: adminDE, Kind: flows.KindNotice, Notice: "admin.stats", Text: list}, "not a notice", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := flowstest.NewMemStore()
			e, err := flows.NewEngine(flows.Config{Content: content, Store: st, Translator: cat,
				Admins: []int64{adminDE, adminNoChat, adminBlocked}, Now: func() time.Time { return fixedNow }})
			if err != nil {
				t.Fatal(err)
			}
			sessions := []flows.Session{
				{Chat: adminDE, Lang: "de", Flow: "demo", Step: "ask", Updated: fixedNow.AddDate(0, -1, 0)},
				{Chat: adminBlocked, Lang: "de", Inactive: true, Updated: fixedNow.AddDate(0, -1, 0)},
				{Chat: notAdmin, Lang: "de", Updated: fixedNow.AddDate(0, -1, 0)},
			}
			for _, s := range sessions {
				if err := st.Save(t.Context(), s, nil); err != nil {
					t.Fatal(err)
				}
			}
			res, err := e.Handle(t.Context(), tt.ev)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("Handle: err %v, want %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatalf("Handle: %v", err)
			}
			pending, _ := st.Pending(t.Context())
			if tt.want == nil {
				if len(res.Replies) != 0 || len(pending) != 0 {
					t.Errorf("replies %+v, outbox %+v; want none", res.Replies, pending)
				}
				return
			}
			if len(res.Replies) != 1 || len(pending) != 1 || pending[0].Text != res.Replies[0].Text || pending[0].Chat != tt.ev.Chat {
				t.Fatalf("replies %+v, outbox %+v; want the one notice, committed to the outbox", res.Replies, pending)
			}
			for _, w := range tt.want {
				if !strings.Contains(res.Replies[0].Text, w) {
					t.Errorf("notice %q lacks %q", res.Replies[0].Text, w)
				}
			}
			s, _, _ := st.Session(t.Context(), tt.ev.Chat)
			if s.Step != "ask" || !s.Updated.Equal(fixedNow.AddDate(0, -1, 0)) {
				t.Errorf("session after the notice: %+v; want it unchanged (a notice is not activity)", s)
			}
		})
	}
}

// TestNotifyLongList checks that a long list is cut at a line, with the
// rest counted, so the message fits Telegram's 4096 characters.
func TestNotifyLongList(t *testing.T) {
	content, err := flows.Load(os.DirFS("testdata/content"))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	st := flowstest.NewMemStore()
	e, err := flows.NewEngine(flows.Config{Content: content, Store: st, Translator: cat, Admins: []int64{1}})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Save(t.Context(), flows.Session{Chat: 1, Lang: "uk"}, nil); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for i := range 200 {
		lines = append(lines, fmt.Sprintf("dead   https://example.org/page/%03d  404 Not Found  (source s%03d)", i, i))
	}
	res, err := e.Handle(t.Context(), flows.Event{Chat: 1, Kind: flows.KindNotice, Notice: flows.NoticeDeadLinks, Text: strings.Join(lines, "\n")})
	if err != nil || len(res.Replies) != 1 {
		t.Fatalf("Handle: %v, %d replies", err, len(res.Replies))
	}
	text := res.Replies[0].Text
	if n := utf8.RuneCountInString(text); n > 4096 {
		t.Errorf("notice has %d characters, over Telegram's 4096", n)
	}
	if !strings.Contains(text, lines[0]+"\n") || strings.Contains(text, lines[199]) {
		t.Errorf("notice does not keep the first lines and drop the last:\n%s", text)
	}
	kept := strings.Count(text, "dead   ")
	if want := fmt.Sprintf("\n… +%d</pre>", 200-kept); !strings.Contains(text, want) {
		t.Errorf("notice keeps %d lines but lacks %q:\n%s", kept, want, text)
	}
}
