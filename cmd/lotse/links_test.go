package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/robfig/cron/v3"

	"lotse/flows"
	"lotse/flows/content"
	"lotse/locales"
	"lotse/store"
)

// linkServer plays the sites the content cites: /ok works, /gone is 404,
// /old moved permanently to /ok, /nohead refuses HEAD but answers GET.
func linkServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("/gone", http.NotFound)
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", http.StatusMovedPermanently) })
	mux.HandleFunc("/nohead", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			w.WriteHeader(http.StatusMethodNotAllowed)
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// linkContent writes a content folder into a temporary folder: a source
// for each of sources (ID → address) and one flow whose result has a link
// button for each of links. It returns the folder.
func linkContent(t *testing.T, sources map[string]string, links ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"flows", "locales"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var src, flow strings.Builder
	for id, url := range sources {
		fmt.Fprintf(&src, "[%s]\nname = %q\nurl = %q\nchecked = 2026-11-01\n\n", id, id, url)
	}
	flow.WriteString("id = \"demo\"\nversion = 1\ntitle = \"demo.title\"\nmenu = 1\nstart = \"result\"\n\n[[steps]]\nid = \"result\"\ntype = \"result\"\n")
	for i, url := range links {
		fmt.Fprintf(&flow, "  [[steps.links]]\n  label = \"demo.link%d\"\n  url = %q\n", i, url)
	}
	for name, text := range map[string]string{flows.SourcesFile: src.String(), "demo.toml": flow.String()} {
		if err := os.WriteFile(filepath.Join(dir, "flows", name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLinksCommand(t *testing.T) {
	srv := linkServer(t)
	u := srv.URL
	tests := []struct {
		name    string
		sources map[string]string
		links   []string
		code    int
		want    []string
	}{
		{"dead and moved", map[string]string{"law": u + "/ok", "office": u + "/gone", "portal": u + "/old"}, []string{u + "/gone", u + "/nohead"}, 1, []string{
			"dead   " + u + "/gone  404 Not Found  (link in demo/result, source office)",
			"moved  " + u + "/old → " + u + "/ok  (source portal)",
			"4 links: 1 dead, 1 moved permanently",
		}},
		{"all working", map[string]string{"law": u + "/ok"}, []string{u + "/nohead"}, 0, []string{
			"2 links: 0 dead, 0 moved permanently",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := linkContent(t, tt.sources, tt.links...)
			var out, errOut bytes.Buffer
			code := run(t.Context(), []string{"links", "--content", dir, "--timeout", "5s", "--parallel", "2"}, strings.NewReader(""), &out, &errOut, env(nil))
			if code != tt.code || errOut.Len() > 0 {
				t.Errorf("exit %d, stderr %q; want %d and nothing", code, errOut.String(), tt.code)
			}
			if got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n"); !slices.Equal(got, tt.want) {
				t.Errorf("lotse links printed:\n%s\nwant:\n%s", out.String(), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestLinksUsageErrors(t *testing.T) {
	broken := linkContent(t, nil)
	if err := os.WriteFile(filepath.Join(broken, "flows", "bad.toml"), []byte("id = \n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"extra"}, 2, `unexpected argument "extra"`},
		{[]string{"--parallel", "0"}, 2, "must be positive"},
		{[]string{"--timeout", "soon"}, 2, "invalid value"},
		{[]string{"--content", filepath.Join(t.TempDir(), "none")}, 2, "is not a folder"},
		{[]string{"--content", broken}, 1, "does not load"},
		{[]string{"-h"}, 0, "Usage: lotse links"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		code := run(t.Context(), append([]string{"links"}, tt.args...), strings.NewReader(""), &out, &errOut, env(nil))
		if code != tt.code || !strings.Contains(errOut.String(), tt.stderr) || out.Len() > 0 {
			t.Errorf("links %v: exit %d, stdout %q, stderr %q; want %d and %q", tt.args, code, out.String(), errOut.String(), tt.code, tt.stderr)
		}
	}
}

// TestLinkCheckJob checks the scheduled link check's report: to every
// admin through the engine and the outbox, in the admin's language; in the
// terminal only to the log; and nothing when every address works.
func TestLinkCheckJob(t *testing.T) {
	srv := linkServer(t)
	deadContent, err := flows.Load(os.DirFS(filepath.Join(linkContent(t, map[string]string{"law": srv.URL + "/ok", "office": srv.URL + "/gone"}), "flows")))
	if err != nil {
		t.Fatal(err)
	}
	fineContent, err := flows.Load(os.DirFS(filepath.Join(linkContent(t, map[string]string{"law": srv.URL + "/ok"}), "flows")))
	if err != nil {
		t.Fatal(err)
	}
	shipped, err := flows.Load(content.Files)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	const adminUK, adminEN, user = 42, 43, 44
	deadLine := srv.URL + "/gone  404 Not Found  (source office)"

	tests := []struct {
		name     string
		content  *flows.Content
		terminal bool     // no bot: no submit
		want     []string // per chat with a reply, in order: "chat: substring"
		log      []string
	}{
		{name: "dead links on Telegram", content: deadContent, want: []string{
			"42: 🔗 <b>Перевірка посилань</b>", "42: <pre>" + deadLine + "</pre>",
			"43: 🔗 <b>Link check</b>", "43: <pre>" + deadLine + "</pre>",
		}, log: []string{"dead address", "/gone"}},
		{name: "dead links in the terminal", content: deadContent, terminal: true, log: []string{"level=WARN", "dead address", srv.URL + "/gone", "404 Not Found", "source office"}},
		{name: "every link works", content: fineContent, log: []string{"every address works"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := store.Open(filepath.Join(t.TempDir(), "lotse.db"), store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for chat, lang := range map[int64]string{adminUK: "uk", adminEN: "en", user: "de"} {
				if err := db.Save(t.Context(), flows.Session{Chat: chat, Lang: lang}, nil); err != nil {
					t.Fatal(err)
				}
			}
			engine, err := flows.NewEngine(flows.Config{Content: shipped, Store: db, Translator: cat, Admins: []int64{adminUK, adminEN}})
			if err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			l := linkCheck{content: tt.content, admins: []int64{adminUK, adminEN}, client: srv.Client(), log: slog.New(slog.NewTextHandler(&logs, nil))}
			if !tt.terminal {
				l.submit = func(ctx context.Context, ev flows.Event) error { // as bot.Submit: the chat's worker handles it
					_, err := engine.Handle(ctx, ev)
					return err
				}
			}
			l.run(t.Context())

			pending, err := db.Pending(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range pending {
				got = append(got, fmt.Sprintf("%d: %s", r.Chat, r.Text))
			}
			if len(tt.want) == 0 && len(got) > 0 {
				t.Errorf("outbox holds %q, want nothing", got)
			}
			for _, w := range tt.want {
				chat, _, _ := strings.Cut(w, ": ")
				if !slices.ContainsFunc(got, func(g string) bool {
					return strings.HasPrefix(g, chat+": ") && strings.Contains(g, strings.TrimPrefix(w, chat+": "))
				}) {
					t.Errorf("no reply %q in the outbox: %q", w, got)
				}
			}
			if n := len(got); len(tt.want) > 0 && n != 2 {
				t.Errorf("%d replies in the outbox, want one for each admin: %q", n, got)
			}
			for _, w := range tt.log {
				if !strings.Contains(logs.String(), w) {
					t.Errorf("log lacks %q:\n%s", w, logs.String())
				}
			}
		})
	}
}

func TestLinkCheckSpec(t *testing.T) {
	tests := []struct {
		spec    string
		entries int
		err     string
	}{
		{defaultLinkCheckSpec, 1, ""},
		{"@weekly", 1, ""},
		{"off", 0, ""},
		{"mondays", 0, `LOTSE_LINKCHECK_CRON "mondays"`},
	}
	for _, tt := range tests {
		c := cron.New()
		err := scheduleLinkCheck(t.Context(), c, tt.spec, linkCheck{log: slog.New(slog.DiscardHandler)})
		if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("spec %q: err %v, want %q", tt.spec, err, tt.err)
		}
		if n := len(c.Entries()); n != tt.entries {
			t.Errorf("spec %q: %d jobs scheduled, want %d", tt.spec, n, tt.entries)
		}
	}
	// A typo stops lotse at start.
	var out, errOut bytes.Buffer
	code := run(t.Context(), []string{"-db", filepath.Join(t.TempDir(), "x.db")}, strings.NewReader(""), &out, &errOut,
		env(map[string]string{"LOTSE_LINKCHECK_CRON": "every monday"}))
	if code != 1 || !strings.Contains(errOut.String(), "LOTSE_LINKCHECK_CRON") || strings.Contains(out.String(), "Lotse in the terminal") {
		t.Errorf("a bad LOTSE_LINKCHECK_CRON: exit %d, stdout %q, stderr %q; want 1 before the chat starts", code, out.String(), errOut.String())
	}
}
