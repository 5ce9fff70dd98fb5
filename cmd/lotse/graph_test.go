package main

import (
	"bytes"
	"strings"
	"testing"

	"lotse/flows"
	"lotse/flows/content"
)

func runGraphArgs(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(t.Context(), append([]string{"graph"}, args...), strings.NewReader(""), &out, &errOut, env(nil))
	return code, out.String(), errOut.String()
}

func TestGraphRecognition(t *testing.T) {
	c, err := flows.Load(content.Files)
	if err != nil {
		t.Fatal(err)
	}
	rec := c.Flows["recognition"]
	for _, args := range [][]string{
		{"recognition"},
		{"recognition", "--format", "mermaid"},
		{"--lang", "de", "recognition"},
	} {
		code, out, errOut := runGraphArgs(t, args...)
		if code != 0 || errOut != "" {
			t.Fatalf("graph %v: exit %d, stderr %q", args, code, errOut)
		}
		if !strings.HasPrefix(out, "flowchart TD\n") || strings.Count(out, "flowchart") != 1 {
			t.Errorf("graph %v: not one Mermaid flowchart:\n%s", args, out)
		}
		for _, s := range rec.Steps {
			if !strings.Contains(out, "  s_"+s.ID) {
				t.Errorf("graph %v: step %q is missing:\n%s", args, s.ID, out)
			}
		}
	}
	_, en, _ := runGraphArgs(t, "recognition")
	_, de, _ := runGraphArgs(t, "recognition", "--lang", "de")
	for _, want := range []string{`s_origin -->|"🇪🇺 In the EU, EEA or Switzerland"| s_residence`, `s_route -->|"body = hwk"| s_region`, `s_profession -->|"professions"| s_origin`} {
		if !strings.Contains(en, want) {
			t.Errorf("English graph lacks %q:\n%s", want, en)
		}
	}
	if !strings.Contains(de, `s_origin["origin<br/>Wo haben Sie Ihren Abschluss erworben?"]`) {
		t.Errorf("German graph lacks the German question:\n%s", de)
	}
}

func TestGraphAll(t *testing.T) {
	c, err := flows.Load(content.Files)
	if err != nil {
		t.Fatal(err)
	}
	code, out, _ := runGraphArgs(t)
	if code != 0 || strings.Count(out, "flowchart TD\n") != len(c.Flows) {
		t.Errorf("graph: exit %d, want one flowchart per flow (%d):\n%s", code, len(c.Flows), out)
	}
	code, out, _ = runGraphArgs(t, "--format", "dot", "--lang", "ar")
	if code != 0 || strings.Count(out, "digraph ") != len(c.Flows) || !strings.HasPrefix(out, `digraph "`+c.Menu()[0].ID+`" {`) {
		t.Errorf("graph --format dot: exit %d, want one digraph per flow, in menu order:\n%s", code, out)
	}
}

func TestGraphErrors(t *testing.T) {
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"nope"}, 1, `unknown flow "nope"; flows: recognition, `},
		{[]string{"--format", "svg"}, 2, `unknown format "svg": use mermaid or dot`},
		{[]string{"--lang", "xx"}, 2, `unknown language "xx"; languages: de, en`},
		{[]string{"recognition", "study"}, 2, "name at most one flow"},
		{[]string{"--content", "testdata/none"}, 2, "is not a folder"},
		{[]string{"--nope"}, 2, "flag provided but not defined"},
		{[]string{"-h"}, 0, "Usage: lotse graph"},
	}
	for _, tt := range tests {
		code, out, errOut := runGraphArgs(t, tt.args...)
		if code != tt.code || !strings.Contains(errOut, tt.stderr) || out != "" {
			t.Errorf("graph %v: exit %d, stdout %q, stderr %q; want %d and %q", tt.args, code, out, errOut, tt.code, tt.stderr)
		}
	}
}

// TestGraphContentDir draws a content folder, with a target that is no
// step.
func TestGraphContentDir(t *testing.T) {
	dir := fixture(t, "broken")
	code, out, errOut := runGraphArgs(t, "--content", dir, "--lang", "de", "demo")
	if code != 0 || errOut != "" {
		t.Fatalf("graph --content: exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{`s_ask["ask<br/>Wo, …?"]`, `s_ask -->|"Hier"| s_result`, `s_nowhere["nowhere (no such step)"]`} {
		if !strings.Contains(out, want) {
			t.Errorf("graph lacks %q:\n%s", want, out)
		}
	}
}
