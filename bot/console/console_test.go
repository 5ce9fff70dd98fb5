package console_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"lotse/bot/console"
	"lotse/flows"
	"lotse/locales"
	"lotse/store"
)

func engine(t *testing.T, dbPath string) (*flows.Engine, *store.DB) {
	t.Helper()
	content, err := flows.Load(os.DirFS("../../flows/testdata/content"))
	if err != nil {
		t.Fatal(err)
	}
	m := fstest.MapFS{}
	for _, fsys := range []fs.FS{locales.Files, os.DirFS("../../flows/testdata/locales")} {
		names, _ := fs.Glob(fsys, "*.toml")
		for _, n := range names {
			if area, lang := strings.Split(n, ".")[0], strings.Split(n, ".")[1]; area != "common" && area != "privacy" && area != "demo" || lang != "en" && lang != "de" {
				continue // the shared texts and the test flow's, German and English only
			}
			b, _ := fs.ReadFile(fsys, n)
			m[n] = &fstest.MapFile{Data: b}
		}
	}
	cat, err := locales.Load(m)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e, err := flows.NewEngine(flows.Config{Content: content, Store: db, Translator: cat})
	if err != nil {
		t.Fatal(err)
	}
	return e, db
}

func TestScriptedChat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lotse.db")
	e, db := engine(t, path)
	var out strings.Builder
	chat := &console.Chat{Handler: e, Outbox: db, In: strings.NewReader("2\n1\nnurse\n9\n/quit\nnever read\n"), Out: &out, ID: 1, LangCode: "de-DE"}
	if err := chat.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"[1] ✓ Deutsch   [2] English", // the picker, German detected
		"[1] Demo topic",              // the menu, now in English
		"What is your job?",
		"✓ Understood: Nurse", // tags stripped
		"[1] In the EU",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("transcript lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "never read") || strings.Contains(got, "<b>") {
		t.Errorf("input after /quit was handled, or HTML leaked:\n%s", got)
	}
	// 9 is not a button number: it is sent as text at a choice step.
	if !strings.Contains(got, "Please answer with one of the buttons.") {
		t.Errorf("typing 9 at a choice did not ask for a button:\n%s", got)
	}
	pending, err := db.Pending(t.Context())
	if err != nil || len(pending) != 0 {
		t.Errorf("outbox after the chat: %d replies, err %v; want it drained", len(pending), err)
	}
}

func TestEndOfInputAndResume(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lotse.db")
	e, db := engine(t, path)
	var out strings.Builder
	chat := &console.Chat{Handler: e, Outbox: db, In: strings.NewReader("2\n1\nnurse\n"), Out: &out, ID: 1}
	if err := chat.Run(t.Context()); err != nil {
		t.Fatalf("end of input: %v, want a clean exit", err)
	}
	db.Close()

	// A new run on the same file offers to continue the open flow.
	e, db = engine(t, path)
	out.Reset()
	chat = &console.Chat{Handler: e, Outbox: db, In: strings.NewReader("1\n"), Out: &out, ID: 1}
	if err := chat.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.Contains(got, "Do you want to continue where you left off?") ||
		!strings.Contains(got, "Where did you learn it, Nurse?") {
		t.Errorf("restart did not resume the flow:\n%s", got)
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<b>Hi</b> &amp; bye", "Hi & bye"},
		{`See <a href="https://example.org/a?b=1&amp;c=2">the page</a>.`, "See the page (https://example.org/a?b=1&c=2)."},
		{"1 &lt; 2", "1 < 2"},
	}
	for _, tt := range tests {
		if got := console.PlainText(tt.in); got != tt.want {
			t.Errorf("PlainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
