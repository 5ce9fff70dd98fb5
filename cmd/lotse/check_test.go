package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"lotse/flows"
	"lotse/locales"
)

// checkNow is the clock of the check tests: the day the shipped sources
// were checked.
var checkNow = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// fixture copies testdata/<name> into a temporary folder and adds the
// engine's own messages (welcome, menus, commands, …) in every language the
// fixture has, taken from the shipped texts, so that the fixture's
// problems are the only ones. It returns the folder.
func fixture(t *testing.T, name string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", name))); err != nil {
		t.Fatal(err)
	}
	langs := map[string]bool{}
	names, _ := filepath.Glob(filepath.Join(dir, "locales", "*.toml"))
	for _, n := range names {
		parts := strings.Split(filepath.Base(n), ".")
		langs[parts[len(parts)-2]] = true
	}
	engine := flows.EngineMessageIDs()
	for lang := range langs {
		out := map[string]map[string]any{}
		shipped, _ := fs.Glob(locales.Files, "*."+lang+".toml")
		for _, n := range shipped {
			var raw map[string]map[string]any
			if _, err := toml.DecodeFS(locales.Files, n, &raw); err != nil {
				t.Fatal(err)
			}
			for id, m := range raw {
				if slices.Contains(engine, id) {
					out[id] = m
				}
			}
		}
		var buf bytes.Buffer
		if err := toml.NewEncoder(&buf).Encode(out); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "locales", "engine."+lang+".toml"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// runCheckAt runs "lotse check" at checkNow and returns the exit code and
// the output, with dir written as DIR.
func runCheckAt(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := check(args, &out, &errOut, checkNow)
	clean := func(s string) string {
		if dir == "" {
			return s
		}
		return strings.ReplaceAll(s, dir+string(filepath.Separator), "DIR/")
	}
	return code, clean(out.String()), clean(errOut.String())
}

func TestCheckBrokenContent(t *testing.T) {
	dir := fixture(t, "broken")
	unknownStep := `DIR/flows/demo.toml:9: step "ask": option "there" next "nowhere" does not exist`
	oldSource := `DIR/flows/sources.toml:6: source "old" was last checked on 2024-05-31, over 12 months ago`
	missing := `DIR/locales/demo.de.toml: message "demo.there" is missing (English: demo.en.toml:10)`
	placeholder := `DIR/locales/demo.de.toml:4: message "demo.ask": placeholders [Nme], English has [Name]`
	tests := []struct {
		args []string
		want []string
	}{
		{nil, []string{unknownStep, oldSource, missing, placeholder, "4 problems"}},
		{[]string{"--max-age", "0"}, []string{unknownStep, missing, placeholder, "3 problems"}},
		{[]string{"--max-age", "3y"}, []string{unknownStep, missing, placeholder, "3 problems"}},
		{[]string{"--max-age", "2w"}, []string{unknownStep,
			`DIR/flows/sources.toml:1: source "fresh" was last checked on 2026-11-01, over 2 weeks ago`,
			`DIR/flows/sources.toml:6: source "old" was last checked on 2024-05-31, over 2 weeks ago`,
			missing, placeholder, "5 problems"}},
		{[]string{"--max-age", "17520h"}, []string{unknownStep,
			`DIR/flows/sources.toml:6: source "old" was last checked on 2024-05-31, over 17520h0m0s ago`,
			missing, placeholder, "4 problems"}},
	}
	for _, tt := range tests {
		code, out, errOut := runCheckAt(t, dir, append([]string{"--content", dir}, tt.args...)...)
		if code != 1 || errOut != "" {
			t.Errorf("check %v: exit %d, stderr %q; want 1 and nothing", tt.args, code, errOut)
		}
		if got := strings.Split(strings.TrimSuffix(out, "\n"), "\n"); !slices.Equal(got, tt.want) {
			t.Errorf("check %v printed:\n%s\nwant:\n%s", tt.args, out, strings.Join(tt.want, "\n"))
		}
	}
}

// TestCheckThroughRun checks the wiring of the subcommand.
func TestCheckThroughRun(t *testing.T) {
	dir := fixture(t, "broken")
	var out, errOut bytes.Buffer
	code := run(t.Context(), []string{"check", "--content", dir, "--max-age", "0"}, strings.NewReader(""), &out, &errOut, env(nil))
	if code != 1 || !strings.HasSuffix(out.String(), "\n3 problems\n") {
		t.Errorf("lotse check: exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
}

func TestCheckShippedContent(t *testing.T) {
	code, out, errOut := runCheckAt(t, "")
	if code != 0 || errOut != "" {
		t.Errorf("lotse check: exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
	if !strings.HasPrefix(out, "no problems: 6 flows, ") || strings.Count(out, "\n") != 1 {
		t.Errorf("lotse check printed %q, want one summary line", out)
	}
}

// TestCheckCheckout checks that in a checkout of Lotse, DIR/flows/content
// holds the flows.
func TestCheckCheckout(t *testing.T) {
	dir := fixture(t, "broken")
	if err := os.Rename(filepath.Join(dir, "flows"), filepath.Join(dir, "content")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "flows"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "content"), filepath.Join(dir, "flows", "content")); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCheckAt(t, dir, "--content", dir)
	want := `DIR/flows/content/demo.toml:9: step "ask": option "there" next "nowhere" does not exist`
	if code != 1 || !strings.HasPrefix(out, want+"\n") {
		t.Errorf("check of a checkout: exit %d, output:\n%s\nwant first: %s", code, out, want)
	}
}

func TestCheckSyntaxError(t *testing.T) {
	dir := fixture(t, "broken")
	bad := "id = \"bad\"\nversion = \n"
	if err := os.WriteFile(filepath.Join(dir, "flows", "bad.toml"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "locales", "extra.de.toml"), []byte("[\"demo.title\"]\nother = \"again\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCheckAt(t, dir, "--content", dir)
	for _, want := range []string{
		"DIR/flows/bad.toml:2: ",
		`DIR/locales/extra.de.toml:1: message "demo.title" is also defined in demo.de.toml:1`,
		`DIR/locales/demo.de.toml:4: message "demo.ask": placeholders [Nme], English has [Name]`,
	} {
		if !strings.Contains(out, "\n"+want) && !strings.HasPrefix(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code != 1 || strings.Contains(out, "is missing") {
		t.Errorf("exit %d; a flow that does not load must not make every message look unused or missing:\n%s", code, out)
	}
}

func TestCheckUsageErrors(t *testing.T) {
	empty := t.TempDir()
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"extra"}, 2, `unexpected argument "extra"`},
		{[]string{"--max-age", "soon"}, 2, `use for example 12mo`},
		{[]string{"--max-age", "-5h"}, 2, `use for example 12mo`},
		{[]string{"--nope"}, 2, "flag provided but not defined"},
		{[]string{"--content", filepath.Join(empty, "none")}, 2, "is not a folder"},
		{[]string{"--content", empty}, 2, "holds flows/ and locales/"},
		{[]string{"-h"}, 0, "Usage: lotse check"},
	}
	for _, tt := range tests {
		code, out, errOut := runCheckAt(t, "", tt.args...)
		if code != tt.code || !strings.Contains(errOut, tt.stderr) || out != "" {
			t.Errorf("check %v: exit %d, stdout %q, stderr %q; want %d and %q", tt.args, code, out, errOut, tt.code, tt.stderr)
		}
	}
}

func TestAge(t *testing.T) {
	tests := []struct {
		in     string
		text   string
		before string
	}{
		{"12mo", "12 months", "2025-11-24"},
		{"1y", "1 year", "2025-11-24"},
		{"90d", "90 days", "2026-08-26"},
		{"1w", "1 week", "2026-11-17"},
		{"48h", "48h0m0s", "2026-11-22"},
	}
	for _, tt := range tests {
		var a age
		if err := a.Set(tt.in); err != nil {
			t.Fatalf("Set(%q): %v", tt.in, err)
		}
		if a.String() != tt.text || a.before(checkNow).Format(time.DateOnly) != tt.before || a.zero() {
			t.Errorf("age %q: %q, before %s; want %q, %s", tt.in, a, a.before(checkNow).Format(time.DateOnly), tt.text, tt.before)
		}
	}
	var a age
	if err := a.Set("0"); err != nil || !a.zero() {
		t.Errorf("age 0: %v, zero %v", err, a.zero())
	}
}
