package flows_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"lotse/flows"
	"lotse/flows/flowstest"
)

// walk starts a chat, picks English and opens the demo flow.
func walk(t *testing.T, e *flows.Engine) *flowstest.Chat {
	t.Helper()
	chat := flowstest.NewChat(e, 7, "en")
	for _, line := range []string{"/start", "[✓ English]", "[Demo topic]"} {
		if _, err := chat.Do(t.Context(), line); err != nil {
			t.Fatal(err)
		}
	}
	return chat
}

func joined(lines []string, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	return strings.Join(lines, "\n")
}

func TestDuplicateUpdateIsIgnored(t *testing.T) {
	e, st := newEngine(t)
	walk(t, e)
	s, _, _ := st.Session(t.Context(), 7)
	before, _ := st.Pending(t.Context())
	// Telegram delivers the last update again (e.g. after a crash).
	res, err := e.Handle(t.Context(), flows.Event{UpdateID: s.LastUpdateID, Chat: 7, Kind: flows.KindText, Text: "nurse"})
	if err != nil || !res.Duplicate || len(res.Replies) != 0 {
		t.Fatalf("redelivered update: %+v, %v; want Duplicate and no replies", res, err)
	}
	after, _ := st.Pending(t.Context())
	s2, _, _ := st.Session(t.Context(), 7)
	if len(after) != len(before) || s2.Step != s.Step {
		t.Errorf("a duplicate changed state: outbox %d→%d, step %s→%s", len(before), len(after), s.Step, s2.Step)
	}
	// After the redelivery window, a low update ID is new again (Telegram
	// may restart its IDs after a week without updates).
	later := fixedNow.Add(8 * 24 * time.Hour)
	res, err = e.Handle(t.Context(), flows.Event{UpdateID: 1, Chat: 7, Kind: flows.KindText, Text: "nurse", At: later})
	if err != nil || res.Duplicate {
		t.Errorf("old low update ID after a week: %+v, %v; want it handled", res, err)
	}
}

func TestStaleAndForgedButtons(t *testing.T) {
	tests := []struct{ name, data string }{
		{"forged", "c:demo:1:job:../../etc"},
		{"garbage", "\x00\xff"},
		{"too long", strings.Repeat("m", 65)},
		{"other step", "c:demo:1:origin:eu"},
		{"old version", "c:demo:0:job:unlisted"},
		{"unknown flow", "f:nosuch"},
		{"unknown language", "l:xx"},
		{"back from elsewhere", "b:demo:1:region"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, st := newEngine(t)
			chat := walk(t, e)
			s, _, _ := st.Session(t.Context(), 7)
			got := joined(chat.Press(t.Context(), chat.Last(), tt.data))
			if !strings.Contains(got, "! This button has expired.") {
				t.Errorf("press %q:\n%s\nwant the expired notice", tt.data, got)
			}
			if !strings.Contains(got, "What is your job?") {
				t.Errorf("press %q did not show the current question again:\n%s", tt.data, got)
			}
			s2, _, _ := st.Session(t.Context(), 7)
			if s2.Step != s.Step || len(s2.Answers) != len(s.Answers) {
				t.Errorf("press %q changed the session: %+v → %+v", tt.data, s, s2)
			}
		})
	}
}

func TestBlockedMarksInactive(t *testing.T) {
	e, st := newEngine(t)
	walk(t, e)
	res, err := e.Handle(t.Context(), flows.Event{Chat: 7, Kind: flows.KindBlocked})
	if err != nil || len(res.Replies) != 0 {
		t.Fatalf("blocked: %+v, %v; want no replies", res, err)
	}
	s, _, _ := st.Session(t.Context(), 7)
	if !s.Inactive || s.Step != "job" {
		t.Errorf("after blocking: inactive %v, step %q; want inactive and the step kept", s.Inactive, s.Step)
	}
	if _, err := e.Handle(t.Context(), flows.Event{UpdateID: 99, Chat: 7, Kind: flows.KindCommand, Command: "start"}); err != nil {
		t.Fatal(err)
	}
	if s, _, _ = st.Session(t.Context(), 7); s.Inactive {
		t.Error("a user who writes again is still marked inactive")
	}
}

// TestFlowChangedUnderUser shows that a user whose step disappeared in a
// content update gets a friendly restart, not an error.
func TestFlowChangedUnderUser(t *testing.T) {
	e, st := newEngine(t)
	chat := walk(t, e)
	if _, err := chat.Do(t.Context(), "nurse"); err != nil { // now at "origin"
		t.Fatal(err)
	}
	src, err := os.ReadFile("testdata/content/demo.toml")
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.NewReplacer(`version = 1`, `version = 2`, `id = "origin"`, `id = "where"`, `next = "origin"`, `next = "where"`).Replace(string(src))
	dir := t.TempDir()
	for _, name := range []string{"other.toml", "sources.toml", "deadlines.toml", "catalog/jobs.toml"} {
		b, _ := os.ReadFile("testdata/content/" + name)
		os.MkdirAll(dir+"/catalog", 0o755)
		os.WriteFile(dir+"/"+name, b, 0o644)
	}
	os.WriteFile(dir+"/demo.toml", []byte(changed), 0o644)
	content, err := flows.Load(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	e2, err := flows.NewEngine(flows.Config{Content: content, Store: st, Translator: strictTranslator{t, testCatalog(t)},
		Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatal(err)
	}
	res, err := e2.Handle(t.Context(), flows.Event{UpdateID: 1000, Chat: 7, Kind: flows.KindText, Text: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(flowstest.NewChat(e2, 7, "en").Render(res), "\n")
	if !strings.Contains(got, "This topic has been updated") || !strings.Contains(got, "What is your job?") {
		t.Errorf("after the flow changed:\n%s\nwant the update notice and the flow's start", got)
	}
	s, _, _ := st.Session(t.Context(), 7)
	if s.FlowVersion != 2 || s.Answers["job"] != "nurse" {
		t.Errorf("session after restart: version %d, answers %v; want version 2 with the job kept", s.FlowVersion, s.Answers)
	}
}

// FuzzEngineText sends arbitrary text at every point of the demo flow: the
// engine must never fail and every message must have text.
func FuzzEngineText(f *testing.F) {
	for _, s := range []string{"nurse", "", "/start", "\x00", "Bäckerin", strings.Repeat("ä", 5000), "<b>", "{{.job}}"} {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, text string, at uint8) {
		e, _ := newEngine(t)
		chat := walk(t, e)
		script := []string{"nurse", "[Elsewhere]"}
		for _, line := range script[:int(at)%(len(script)+1)] {
			if _, err := chat.Do(t.Context(), line); err != nil {
				t.Fatal(err)
			}
		}
		res, err := e.Handle(t.Context(), flows.Event{UpdateID: 1000, Chat: 7, Kind: flows.KindText, Text: text})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Replies) == 0 {
			t.Fatal("no reply to a text")
		}
		for _, r := range res.Replies {
			if r.Op == flows.OpSend && strings.TrimSpace(r.Text) == "" {
				t.Errorf("empty message for text %q", text)
			}
			if strings.Contains(r.Text, "<b>\x00") || (strings.Contains(text, "<") && strings.Contains(r.Text, text) && text != "") {
				t.Errorf("user text %q reached a reply unescaped", text)
			}
		}
	})
}

func TestResumePromptCountsDays(t *testing.T) {
	tests := []struct {
		after time.Duration
		want  string
	}{
		{2 * time.Hour, "Earlier today you stopped"},
		{30 * time.Hour, "1 day ago you stopped"},
		{75 * time.Hour, "3 days ago you stopped"},
	}
	for _, tt := range tests {
		e, _ := newEngine(t)
		walk(t, e) // at the demo flow's first question
		res, err := e.Handle(t.Context(), flows.Event{UpdateID: 500, Chat: 7, Kind: flows.KindCommand, Command: "start", At: fixedNow.Add(tt.after)})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Replies) == 0 || !strings.Contains(res.Replies[0].Text, tt.want) {
			t.Errorf("/start %v later: %+v, want %q", tt.after, res.Replies, tt.want)
		}
	}
}

func TestVisibleLen(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"abc", 3},
		{"<b>abc</b>", 3},
		{`<a href="https://example.org/very/long">x</a>`, 1},
		{"a &amp; b", 5},
		{"ж", 1},
		{"😀", 2}, // outside the BMP: two UTF-16 units
		{"<", 1},
	}
	for _, tt := range tests {
		if got := flows.VisibleLen(tt.in); got != tt.want {
			t.Errorf("VisibleLen(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
