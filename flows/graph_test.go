package flows_test

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"lotse/flows"
)

// demoTexts are English texts for the demo flow, with a heading, markup
// and characters that need escaping in diagrams.
var demoTexts = map[string]string{
	"demo.title":        "Demo topic",
	"demo.job.ask":      "<b>Your job</b>\n\nWhat is your job? Write it in a few words, please.",
	"demo.job.unlisted": "Not in the list",
	"demo.origin.ask":   `Where did you "learn" it?`,
	"demo.origin.eu":    "In the EU & EEA",
	"demo.origin.third": "Elsewhere <i>(#1 | #2)</i>",
	"demo.region.ask":   "Where do you want to work?",
	"demo.region.north": "North",
	"demo.region.south": "South",
}

func demoText(id string) string {
	if s, ok := demoTexts[id]; ok {
		return s
	}
	return id
}

func loadDemo(t *testing.T) *flows.Flow {
	t.Helper()
	c, err := flows.Load(os.DirFS("testdata/content"))
	if err != nil {
		t.Fatal(err)
	}
	return c.Flows["demo"]
}

func TestMermaid(t *testing.T) {
	got := loadDemo(t).Mermaid(demoText)
	want := `flowchart TD
  start>"demo: Demo topic"]
  start --> s_job
  s_job[/"job<br/>What is your job? Write it in a few…"/]
  s_origin["origin<br/>Where did you #quot;learn#quot; it?"]
  s_route{"route"}
  s_region["region<br/>Where do you want to work?"]
  s_result(["result"])
  s_unlisted(["unlisted"])
  s_job -->|"jobs"| s_origin
  s_job -->|"Not in the list"| s_unlisted
  s_origin -->|"In the EU #amp; EEA"| s_route
  s_origin -->|"Elsewhere (#35;1 #124; #35;2)"| s_route
  s_route -->|"body = craft"| s_region
  s_route -->|"otherwise"| s_result
  s_region -->|"North"| s_result
  s_region -->|"South"| s_result
`
	if got != want {
		t.Errorf("Mermaid:\n%s\nwant:\n%s", got, want)
	}
}

func TestDOT(t *testing.T) {
	got := loadDemo(t).DOT(demoText)
	want := `digraph "demo" {
  node [fontname="sans-serif"];
  edge [fontname="sans-serif", fontsize=10];
  "(start)" [shape=cds, label="demo: Demo topic"];
  "(start)" -> "job";
  "job" [shape=parallelogram, label="job\nWhat is your job? Write it in a few…"];
  "origin" [shape=box, label="origin\nWhere did you \"learn\" it?"];
  "route" [shape=diamond, label="route"];
  "region" [shape=box, label="region\nWhere do you want to work?"];
  "result" [shape=box, style=rounded, label="result"];
  "unlisted" [shape=box, style=rounded, label="unlisted"];
  "job" -> "origin" [label="jobs"];
  "job" -> "unlisted" [label="Not in the list"];
  "origin" -> "route" [label="In the EU & EEA"];
  "origin" -> "route" [label="Elsewhere (#1 | #2)"];
  "route" -> "region" [label="body = craft"];
  "route" -> "result" [label="otherwise"];
  "region" -> "result" [label="North"];
  "region" -> "result" [label="South"];
}
`
	if got != want {
		t.Errorf("DOT:\n%s\nwant:\n%s", got, want)
	}
}

// TestGraphWithoutTexts checks that a nil translation shows message IDs.
func TestGraphWithoutTexts(t *testing.T) {
	got := loadDemo(t).Mermaid(nil)
	for _, want := range []string{
		`start>"demo"]`,
		`s_job[/"job<br/>demo.job.ask"/]`,
		`s_origin -->|"demo.origin.third"| s_route`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("Mermaid(nil) lacks %q:\n%s", want, got)
		}
	}
}

// TestGraphOddFlow draws a flow with a step named like a Mermaid keyword,
// a text step without a catalogue, a case on two answers with two values,
// a missing target and a text with a backslash.
func TestGraphOddFlow(t *testing.T) {
	c, err := flows.Load(fstest.MapFS{"odd.toml": {Data: []byte(`
id = "odd"
version = 1
title = "odd.title"
start = "name"

[[steps]]
id = "name"
type = "text"
text = "odd.name"
answer = "name"
next = "end"

[[steps]]
id = "end"
type = "choice"
text = "odd.end"
answer = "kind"
  [[steps.options]]
  id = "a"
  label = "odd.a"
  next = "route"
  [[steps.options]]
  id = "b"
  label = ""
  next = "gone"

[[steps]]
id = "route"
type = "branch"
default = "end"
  [[steps.cases]]
  if = { kind = ["a", "b"], name = "x" }
  next = "end"
`)}})
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]string{"odd.title": "Odd", "odd.name": `C:\path "x"`, "odd.end": "End?\nReally", "odd.a": "A"}
	text := func(id string) string { return texts[id] }
	f := c.Flows["odd"]
	m := f.Mermaid(text)
	for _, want := range []string{
		`s_name[/"name<br/>C:\path #quot;x#quot;"/]`,
		`s_end["end<br/>End? Really"]`,
		`s_name -->|"typed answer"| s_end`,
		`s_end -->|"b"| s_gone`,
		`s_gone["gone (no such step)"]`,
		`s_route -->|"kind = a or b, name = x"| s_end`,
		`s_route -->|"otherwise"| s_end`,
		"class s_gone missing",
	} {
		if !strings.Contains(m, want) {
			t.Errorf("Mermaid lacks %q:\n%s", want, m)
		}
	}
	d := f.DOT(text)
	for _, want := range []string{
		`"name" [shape=parallelogram, label="name\nC:\\path \"x\""];`,
		`"end" [shape=box, label="end\nEnd? Really"];`,
		`"gone" [shape=box, style=dashed, color=red, label="gone (no such step)"];`,
		`"route" -> "end" [label="kind = a or b, name = x"];`,
	} {
		if !strings.Contains(d, want) {
			t.Errorf("DOT lacks %q:\n%s", want, d)
		}
	}
}

// TestEngineMessageIDs checks the list covers the command descriptions and
// has no duplicates.
func TestEngineMessageIDs(t *testing.T) {
	seen := map[string]bool{}
	for _, id := range flows.EngineMessageIDs() {
		if seen[id] {
			t.Errorf("%q is listed twice", id)
		}
		seen[id] = true
	}
	for _, c := range flows.Commands {
		if !seen["command."+c] {
			t.Errorf("command.%s is missing", c)
		}
	}
}
