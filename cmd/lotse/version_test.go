package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func runVersionArgs(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(t.Context(), append([]string{"version"}, args...), strings.NewReader(""), &out, &errOut, env(nil))
	return code, out.String(), errOut.String()
}

func TestVersion(t *testing.T) {
	code, builtIn, errOut := runVersionArgs(t)
	if code != 0 || errOut != "" || !regexp.MustCompile(`^lotse \S+ \(content \d{4}-\d\d-\d\d, sha256 [0-9a-f]{8}\)\n$`).MatchString(builtIn) {
		t.Fatalf("lotse version: exit %d, stdout %q, stderr %q", code, builtIn, errOut)
	}

	// This checkout holds the content the test binary embeds: same version.
	if code, out, errOut := runVersionArgs(t, "--content", filepath.Join("..", "..")); code != 0 || out != builtIn {
		t.Errorf("lotse version --content of this checkout: exit %d, %q (stderr %q); want %q", code, out, errOut, builtIn)
	}

	// A content folder: its newest source date, and a hash that follows
	// every byte of its texts and flows, and nothing else.
	dir := fixture(t, "broken")
	_, first, _ := runVersionArgs(t, "--content", dir)
	if !strings.Contains(first, "(content 2026-11-01, sha256 ") || first == builtIn {
		t.Errorf("lotse version --content DIR = %q, want the fixture's date 2026-11-01 and its own hash", first)
	}
	edits := []struct {
		name string
		edit func(t *testing.T)
		same bool
	}{
		{"a file that is not content", func(t *testing.T) { write(t, filepath.Join(dir, "flows", "notes.md"), "notes") }, true},
		{"test data", func(t *testing.T) { write(t, filepath.Join(dir, "locales", "testdata", "x.toml"), "x = 1") }, true},
		{"a text", func(t *testing.T) { appendTo(t, filepath.Join(dir, "locales", "demo.de.toml"), "\n") }, false},
		{"a flow", func(t *testing.T) { appendTo(t, filepath.Join(dir, "flows", "demo.toml"), "\n") }, false},
		{"a new catalogue", func(t *testing.T) { write(t, filepath.Join(dir, "flows", "catalog", "jobs.toml"), "") }, false},
	}
	prev := first
	for _, e := range edits {
		e.edit(t)
		code, out, errOut := runVersionArgs(t, "--content", dir)
		if code != 0 || (out == prev) != e.same {
			t.Errorf("after changing %s: exit %d, %q (stderr %q), before %q; want the same version: %v", e.name, code, out, errOut, prev, e.same)
		}
		prev = out
	}

	for _, args := range [][]string{{"--content", filepath.Join(dir, "none")}, {"extra"}} {
		if code, out, _ := runVersionArgs(t, args...); code != 2 || out != "" {
			t.Errorf("lotse version %v: exit %d, stdout %q; want 2 and nothing", args, code, out)
		}
	}
}

func write(t *testing.T, name, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func appendTo(t *testing.T, name, text string) {
	t.Helper()
	f, err := os.OpenFile(name, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}
