package flows_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"lotse/flows"
)

const okSources = `
[src]
name = "Source"
url = "https://example.org"
checked = 2026-11-24
`

const okFlow = `
id = "t"
version = 1
title = "t.title"
menu = 1
start = "q"

[[steps]]
id = "q"
type = "choice"
text = "t.q"
answer = "a"
  [[steps.options]]
  id = "x"
  label = "t.x"
  next = "r"

[[steps]]
id = "r"
type = "result"
  [[steps.blocks]]
  text = "t.r"
  sources = ["src"]
`

func TestCheck(t *testing.T) {
	tests := []struct {
		name    string
		flow    string
		sources string
		want    string // a substring of the problem; "" means none
	}{
		{"ok", okFlow, okSources, ""},
		{"unknown target", strings.Replace(okFlow, `next = "r"`, `next = "nowhere"`, 1), okSources, `option "x" next "nowhere" does not exist`},
		{"unreachable", okFlow + "\n[[steps]]\nid = \"lost\"\ntype = \"result\"\n  [[steps.blocks]]\n  text = \"t.r\"\n  sources = [\"src\"]\n", okSources, `"lost" cannot be reached`},
		{"bad start", strings.Replace(okFlow, `start = "q"`, `start = "z"`, 1), okSources, `start step "z" does not exist`},
		{"no source", strings.Replace(okFlow, `sources = ["src"]`, ``, 1), okSources, "must cite at least one source"},
		{"unknown source", strings.Replace(okFlow, `sources = ["src"]`, `sources = ["nope"]`, 1), okSources, `unknown source "nope"`},
		{"undated source", okFlow, strings.Replace(okSources, "checked = 2026-11-24", "", 1), "checked"},
		{"http source", okFlow, strings.Replace(okSources, "https://", "http://", 1), "not an https address"},
		{"bad step id", strings.Replace(okFlow, `id = "q"`, `id = "Q-1"`, 1), okSources, `step id "Q-1"`},
		{"long option id", strings.Replace(okFlow, `id = "x"`, `id = "abcdefghijklmnopq"`, 1), okSources, "use 1 to 16"},
		{"unknown type", strings.Replace(okFlow, `type = "choice"`, `type = "quiz"`, 1), okSources, `unknown type "quiz"`},
		{"impossible condition", strings.Replace(okFlow, "  [[steps.blocks]]\n  text", "  [[steps.blocks]]\n  if = { a = \"y\" }\n  text", 1), okSources, `a = "y" can never hold`},
		{"branch cycle", strings.Replace(okFlow, `start = "q"`, `start = "b1"`, 1) + "\n[[steps]]\nid = \"b1\"\ntype = \"branch\"\ndefault = \"b2\"\n  [[steps.cases]]\n  if = { a = \"x\" }\n  next = \"q\"\n[[steps]]\nid = \"b2\"\ntype = \"branch\"\ndefault = \"b1\"\n  [[steps.cases]]\n  if = { a = \"x\" }\n  next = \"q\"\n", okSources, "branches lead back"},
		{"people without source", strings.Replace(okFlow, `start = "q"`, "start = \"q\"\npeople = { text = \"t.p\" }", 1), okSources, "people must cite a source"},
		{"terms unknown source", strings.Replace(okFlow, `start = "q"`, "start = \"q\"\nterms = { text = \"t.p\", sources = [\"nope\"] }", 1), okSources, `terms cites unknown source "nope"`},
		{"only details", strings.Replace(okFlow, "  sources = [\"src\"]\n", "  sources = [\"src\"]\n  details = true\n", 1), okSources, "a result needs a block without details"},
		{"unknown answer", strings.Replace(okFlow, "  [[steps.blocks]]\n  text", "  [[steps.blocks]]\n  if = { b = \"y\" }\n  text", 1), okSources, `answer "b", which no step stores`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := flows.Load(fstest.MapFS{"t.toml": {Data: []byte(tt.flow)}, "sources.toml": {Data: []byte(tt.sources)}})
			if err != nil {
				t.Fatal(err)
			}
			ps := c.Check()
			if tt.want == "" {
				for _, p := range ps {
					t.Errorf("unexpected problem: %s", p)
				}
				return
			}
			for _, p := range ps {
				if strings.Contains(p.String(), tt.want) {
					if !strings.HasPrefix(p.String(), "t.toml:") && !strings.HasPrefix(p.String(), "sources.toml") {
						t.Errorf("problem %q does not name its file", p)
					}
					return
				}
			}
			t.Errorf("Check() = %v, want a problem containing %q", ps, tt.want)
		})
	}
}

func TestCheckFigures(t *testing.T) {
	tests := []struct{ name, figures, want string }{
		{"ok", "[fee]\namount = 12.5\nunit = \"EUR\"\nyear = 2026\nsource = \"src\"\n", ""},
		{"unit", "[fee]\namount = 1\nunit = \"USD\"\nyear = 2026\nsource = \"src\"\n", `figures.toml:1: figure "fee": unit "USD"`},
		{"year", "[fee]\namount = 1\nyear = 26\nsource = \"src\"\n", "year 26"},
		{"source", "\n[fee]\namount = 1\nyear = 2026\nsource = \"gone\"\n", `figures.toml:2: figure "fee": unknown source "gone"`},
		{"amount", "[fee]\nyear = 2026\nsource = \"src\"\n", "amount must be above zero"},
		{"answer name", "[a]\namount = 1\nyear = 2026\nsource = \"src\"\n", `answer "a" has the name of a figure`},
	}
	for _, tt := range tests {
		c, err := flows.Load(fstest.MapFS{"t.toml": {Data: []byte(okFlow)}, "sources.toml": {Data: []byte(okSources)},
			"figures.toml": {Data: []byte(tt.figures)}})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var got []string
		for _, p := range c.Check() {
			got = append(got, p.String())
		}
		all := strings.Join(got, "\n")
		if tt.want == "" && all != "" || !strings.Contains(all, tt.want) {
			t.Errorf("%s: Check() = %q, want %q", tt.name, all, tt.want)
		}
	}
}

func TestSourcesFolder(t *testing.T) {
	more := "[more]\nname = \"More\"\nurl = \"https://example.org/more\"\nchecked = 2026-11-24\n\n[bad]\nname = \"Bad\"\nurl = \"http://example.org\"\nchecked = 2026-11-24\n"
	c, err := flows.Load(fstest.MapFS{"t.toml": {Data: []byte(strings.Replace(okFlow, `["src"]`, `["src", "more"]`, 1))},
		"sources.toml": {Data: []byte(okSources)}, "sources/extra.toml": {Data: []byte(more)}})
	if err != nil {
		t.Fatal(err)
	}
	ps := c.Check()
	if len(ps) != 1 || ps[0].String() != `sources/extra.toml:6: source "bad": url "http://example.org" is not an https address` {
		t.Errorf("Check() = %v, want one problem at sources/extra.toml:6", ps)
	}
	_, err = flows.Load(fstest.MapFS{"t.toml": {Data: []byte(okFlow)}, "sources.toml": {Data: []byte(okSources)},
		"sources/dup.toml": {Data: []byte(okSources)}})
	if err == nil || !strings.Contains(err.Error(), `source id "src" is also used in`) {
		t.Errorf("Load with a duplicate source ID: err = %v", err)
	}
}

func TestLoadErrorsHaveLines(t *testing.T) {
	tests := []struct{ name, flow, want string }{
		{"syntax", "id = \"t\"\nversion = \n", "t.toml:2"},
		{"misplaced key", strings.Replace(okFlow, "  next = \"r\"", "  next = \"r\"\ndefault = \"r\"", 1), "unknown key steps.options.default"},
		{"duplicate step", okFlow + "\n[[steps]]\nid = \"q\"\ntype = \"result\"\n", `step id "q" is used twice`},
	}
	for _, tt := range tests {
		_, err := flows.Load(fstest.MapFS{"t.toml": {Data: []byte(tt.flow)}})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Load error = %v, want %q", tt.name, err, tt.want)
		}
	}
}

// FuzzLoad checks that no flow file, however broken, panics the loader or
// the checker.
func FuzzLoad(f *testing.F) {
	f.Add(okFlow)
	f.Add("[[steps]]\nid = 1\n")
	f.Add("id = \"t\"\nstart = \"q\"\n[[steps]]\nid = \"q\"\ntype = \"branch\"\ndefault = \"q\"\n")
	f.Fuzz(func(t *testing.T, src string) {
		c, err := flows.Load(fstest.MapFS{"t.toml": {Data: []byte(src)}, "sources.toml": {Data: []byte(okSources)}})
		if err != nil {
			return
		}
		c.Check()
		c.MessageIDs()
	})
}

func TestCatalogMatch(t *testing.T) {
	c, err := flows.Load(fstest.MapFS{"catalog/jobs.toml": {Data: []byte(`
answer = "job"
[[entries]]
id = "nurse"
label = "l.nurse"
names.de = ["Pflegefachfrau", "Krankenschwester"]
names.en = ["nurse"]
names.uk = ["медсестра"]
names.ar = ["ممرضة"]
names.pl = ["pielęgniarka", "położna środowiskowa"]
names.fa = ["پرستار"]
[[entries]]
id = "nurse_child"
label = "l.child"
names.en = ["paediatric nurse"]
[[entries]]
id = "baker"
label = "l.baker"
names.de = ["Bäcker"]
[[entries]]
id = "doctor"
label = "l.doctor"
names.fa = ["پزشک"]
`)}})
	if err != nil {
		t.Fatal(err)
	}
	cat := c.Catalogs["jobs"]
	tests := []struct{ in, want string }{
		{"nurse", "nurse"},
		{"NURSE!", "nurse"},
		{"I am a nurse", "nurse"},
		{"I worked as a paediatric nurse for 5 years", "nurse_child"}, // the longer name wins
		{"krankenschwester", "nurse"},
		{"Медсестра", "nurse"},
		{"ممرضة", "nurse"},
		{"Backer", "baker"}, // accents ignored
		{"BÄCKER", "baker"},
		{"nursery", ""},
		{"polozna srodowiskowa", "nurse"}, // ł and ę typed without their marks
		{"PIELEGNIARKA", "nurse"},
		{"\u0645\u0645\u0631\u0636\u0629", "nurse"},                     // Arabic ممرضة
		{"\u067E\u0631\u0633\u062A\u0627\u0631", "nurse"},               // Persian پرستار
		{"\u067E\u0632\u0634\u0643", "doctor"},                          // پزشک typed with Arabic kaf
		{"\u062F\u0643\u062A\u0631 \u067E\u0632\u0634\u0643\u064A", ""}, // a different word
		{"", ""},
		{"   ", ""},
	}
	for _, tt := range tests {
		got := ""
		if e := cat.Match(tt.in); e != nil {
			got = e.ID
		}
		if got != tt.want {
			t.Errorf("Match(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCatalogNameFiles(t *testing.T) {
	cat := `answer = "job"
[[entries]]
id = "nurse"
label = "l.nurse"
names.en = ["nurse"]
`
	c, err := flows.Load(fstest.MapFS{
		"catalog/jobs.toml":    {Data: []byte(cat)},
		"catalog/jobs.uk.toml": {Data: []byte(`nurse = ["медсестра", "медична сестра"]`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if e := c.Catalogs["jobs"].Match("я медична сестра"); e == nil || e.ID != "nurse" {
		t.Errorf("a name from the Ukrainian name file does not match: %v", e)
	}
	_, err = flows.Load(fstest.MapFS{
		"catalog/jobs.toml":    {Data: []byte(cat)},
		"catalog/jobs.uk.toml": {Data: []byte(`nurse = ["медсестра"]` + "\nastronaut = [\"космонавт\"]\n")},
	})
	if err == nil || !strings.Contains(err.Error(), `"astronaut" is not an entry`) {
		t.Errorf("a name file with an unknown entry: %v", err)
	}
	_, err = flows.Load(fstest.MapFS{"catalog/pets.uk.toml": {Data: []byte(`cat = ["кіт"]`)}})
	if err == nil || !strings.Contains(err.Error(), "no catalogue pets.toml") {
		t.Errorf("a name file without its catalogue: %v", err)
	}
}
