package locales_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"lotse/locales"
)

func TestMatch(t *testing.T) {
	c, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ code, want string }{
		{"de", "de"},
		{"de-AT", "de"},
		{"en-GB", "en"},
		{"", "en"},
		{"pt-BR", "en"},       // not offered: the source language
		{"xx-invalid-", "en"}, // unparseable
	}
	for _, tt := range tests {
		if got := c.Match(tt.code); got != tt.want {
			t.Errorf("Match(%q) = %q, want %q", tt.code, got, tt.want)
		}
	}
}

func TestMatchNeverRussianForUkrainian(t *testing.T) {
	c, err := locales.Load(fstest.MapFS{
		"a.en.toml": {Data: []byte(`"x" = "X"`)},
		"a.ru.toml": {Data: []byte(`"x" = "Икс"`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Match("uk"); got != "en" {
		t.Errorf("Match(uk) with only ru and en offered = %q, want en", got)
	}
}

func TestLanguagesOrder(t *testing.T) {
	c, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	got := c.Languages()
	if len(got) < 2 || got[0] != "de" || got[1] != "en" {
		t.Errorf("Languages() = %v, want de, en first", got)
	}
}

func TestTranslateFallbackAndStrict(t *testing.T) {
	fsys := fstest.MapFS{
		"a.en.toml": {Data: []byte("\"only.en\" = \"Hello {{.Name}}\"\n\"both\" = \"Both\"\n")},
		"a.de.toml": {Data: []byte("\"both\" = \"Beide\"\n")},
	}
	c, err := locales.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Translate("de", "both", nil)
	if err != nil || got != "Beide" {
		t.Errorf("Translate(de, both) = %q, %v; want Beide, nil", got, err)
	}
	got, err = c.Translate("de", "only.en", map[string]any{"Name": "Ana"})
	if err != nil || got != "Hello Ana" {
		t.Errorf("Translate(de, only.en) = %q, %v; want the English fallback and no error", got, err)
	}
	c.Strict = true
	if _, err := c.Translate("de", "only.en", nil); !errors.Is(err, locales.ErrMissing) {
		t.Errorf("strict Translate(de, only.en) error = %v, want ErrMissing", err)
	}
	if !c.Has("en", "only.en") || c.Has("de", "only.en") {
		t.Error("Has does not tell languages apart")
	}
}

func TestLoadRejectsDuplicateIDs(t *testing.T) {
	_, err := locales.Load(fstest.MapFS{
		"a.en.toml": {Data: []byte(`"x" = "X"`)},
		"b.en.toml": {Data: []byte(`"x" = "Y"`)},
	})
	if err == nil || !strings.Contains(err.Error(), "defined twice") {
		t.Errorf("Load with a duplicate ID: err = %v, want 'defined twice'", err)
	}
}

// TestCommonComplete checks that German and English define the same
// shared messages.
func TestCommonComplete(t *testing.T) {
	c, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	c.Strict = true
	for _, lang := range c.Languages() {
		for _, id := range c.IDs("en") {
			if !c.Has(lang, id) {
				t.Errorf("%s: message %q missing", lang, id)
			}
		}
		if extra := slices.DeleteFunc(c.IDs(lang), func(id string) bool { return c.Has("en", id) }); len(extra) > 0 {
			t.Errorf("%s: messages not in English (orphans): %v", lang, extra)
		}
	}
}

func TestCountOnlyForCountableMessages(t *testing.T) {
	c, err := locales.Load(fstest.MapFS{
		"a.en.toml": {Data: []byte("[\"days\"]\none = \"{{.Count}} day\"\nother = \"{{.Count}} days\"\n[\"plain\"]\nother = \"Total: {{.Count}}\"\n")},
		"a.uk.toml": {Data: []byte("[\"days\"]\none = \"{{.Count}} день\"\nfew = \"{{.Count}} дні\"\nmany = \"{{.Count}} днів\"\nother = \"{{.Count}} дня\"\n[\"plain\"]\nother = \"Разом: {{.Count}}\"\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	c.Strict = true
	for _, tt := range []struct {
		id    string
		count int
		want  string
	}{{"days", 1, "1 день"}, {"days", 3, "3 дні"}, {"days", 5, "5 днів"}, {"days", 21, "21 день"}, {"plain", 3, "Разом: 3"}} {
		got, err := c.Translate("uk", tt.id, map[string]any{"Count": tt.count})
		if err != nil || got != tt.want {
			t.Errorf("Translate(uk, %s, %d) = %q, %v; want %q", tt.id, tt.count, got, err, tt.want)
		}
	}
}

// TestEveryCountRenders renders every countable message in every language
// with counts from 0 to 120 in strict mode: each plural form go-i18n picks
// must exist. (go-i18n and golang.org/x/text do not always agree: go-i18n
// v2.7.0 asks Vietnamese for "one", which CLDR does not list.)
func TestEveryCountRenders(t *testing.T) {
	c, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	c.Strict = true
	data := map[string]any{"Topic": "T", "Title": "T", "Date": "2026-01-01", "Label": "L"}
	if len(c.Countable()) < 3 {
		t.Fatalf("countable messages: %v", c.Countable())
	}
	for _, id := range c.Countable() {
		for _, lang := range c.Languages() {
			for n := range 121 {
				data["Count"] = n
				if _, err := c.Translate(lang, id, data); err != nil {
					t.Errorf("%s %s with %d: %v", lang, id, n, err)
					break
				}
			}
		}
	}
}
