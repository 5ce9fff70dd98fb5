package locales_test

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"lotse/locales"
)

func TestLintShipped(t *testing.T) {
	for _, p := range locales.Lint(locales.Files) {
		t.Error(p)
	}
}

// lintFiles are small message files, each with one kind of mistake.
var lintFiles = fstest.MapFS{
	"a.en.toml": {Data: []byte(`["a.hello"]
other = "Hello {{.Name}}"

["a.days"]
one = "{{.Count}} day"
other = "{{.Count}} days"

["a.long"]
other = "ok"
`)},
	"a.de.toml": {Data: []byte(`["a.hello"]
other = "Hallo {{.Nme}}"

["a.days"]
one = "{{.Count}} Tag"
other = "{{.Count}} Tage"

["a.long"]
other = "` + strings.Repeat("x", locales.MaxLength+1) + `"
`)},
	"a.uk.toml": {Data: []byte(`["a.hello"]
other = "<b>Привіт</i> {{.Name}}"

["a.days"]
one = "{{.Count}} день"
other = "{{.Count}} дня"

["a.long"]
other = "<p>ok</p>"
`)},
	"b.uk.toml": {Data: []byte(`["a.hello"]
other = "Привіт {{.Name}}"

["b.mixed"]
other = "x"
colour = "y"
`)},
	"c.pl.toml": {Data: []byte(`["c.x"]
other = "unclosed
`)},
	"c.pl.extra.toml": {Data: []byte(``)},
	"plain.ro.toml": {Data: []byte(`"c.y" = "plain"
["c.z"]
description = "no text"
`)},
	"broken.tr.toml": {Data: []byte(`["c.w"]
other = "{{.Name"
`)},
	"c.en.toml": {Data: []byte(`["a.days"]
other = "again"
`)},
}

func TestLint(t *testing.T) {
	var got []string
	for _, p := range locales.Lint(lintFiles) {
		got = append(got, p.String())
	}
	want := []string{
		`a.de.toml:1: message "a.hello": placeholders [Nme], English has [Name]`,
		`a.de.toml:8: message "a.long": 3501 characters; a message may have 4096 and results get sources appended (keep it under 3500)`,
		`a.uk.toml:1: message "a.hello": </i> does not close the open tag`,
		`a.uk.toml:4: message "a.days": plural form "few" is missing (the language needs [few many one other])`,
		`a.uk.toml:4: message "a.days": plural form "many" is missing (the language needs [few many one other])`,
		`a.uk.toml:8: message "a.long": tag <p> is not Telegram HTML`,
		`b.uk.toml:1: message "a.hello" is also defined in a.uk.toml:1`,
		`b.uk.toml:6: message "b.mixed": unknown key "colour" (a key belongs to the table above it; use description, other and the plural forms zero, one, two, few, many)`,
		`broken.tr.toml:1: message "c.w": other: template: c.w:1: unclosed action`,
		`c.en.toml:1: message "a.days" is also defined in a.en.toml:4`,
		`c.pl.extra.toml: name the file <area>.<lang>.toml, e.g. common.de.toml`,
		`c.pl.toml:2: strings cannot contain newlines`,
		`plain.ro.toml:1: message "c.y": write it in the table form, ["c.y"] with other = …`,
		`plain.ro.toml:2: message "c.z" has no other (the text)`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("Lint:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestLintPluralFormsRendered checks that every plural form is rendered,
// not only the one the sample count picks.
func TestLintPluralFormsRendered(t *testing.T) {
	fsys := fstest.MapFS{
		"a.en.toml": {Data: []byte("[\"a.n\"]\none = \"<b>one</b>\"\nother = \"{{.Count}}\"\n")},
		"a.de.toml": {Data: []byte("[\"a.n\"]\none = \"<b>eins</i>\"\nother = \"{{.Count}}\"\n")},
	}
	got := locales.Lint(fsys)
	if len(got) != 1 || got[0].String() != `a.de.toml:1: message "a.n": plural form "one": </i> does not close the open tag` {
		t.Errorf("Lint = %v", got)
	}
}

func TestLintNoEnglish(t *testing.T) {
	got := locales.Lint(fstest.MapFS{"a.de.toml": {Data: []byte("[\"x\"]\nother = \"X\"\n")}})
	if len(got) != 1 || got[0].File != "" || !strings.Contains(got[0].Msg, "no en files") {
		t.Errorf("Lint without English = %v", got)
	}
	if got := locales.CheckUsage(fstest.MapFS{}, []string{"x"}); got != nil {
		t.Errorf("CheckUsage without files = %v, want nothing (Lint reports it)", got)
	}
}

func TestCheckUsage(t *testing.T) {
	fsys := fstest.MapFS{
		"a.en.toml": {Data: []byte("[\"a.x\"]\nother = \"X\"\n\n[\"a.y\"]\nother = \"Y\"\n\n[\"a.unused\"]\nother = \"U\"\n")},
		"a.de.toml": {Data: []byte("[\"a.x\"]\nother = \"X\"\n\n[\"a.gone\"]\nother = \"G\"\n")},
	}
	var got []string
	for _, p := range locales.CheckUsage(fsys, []string{"a.x", "a.y", "a.new", "zz.q", "a.x"}) {
		got = append(got, p.String())
	}
	want := []string{
		`a.de.toml: message "a.y" is missing (English: a.en.toml:4)`,
		`a.de.toml:4: message "a.gone" is used nowhere`,
		`a.en.toml: message "a.new" is used but has no text in any language`,
		`a.en.toml:7: message "a.unused" is used nowhere`,
		`zz.en.toml: message "zz.q" is used but has no text in any language`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("CheckUsage:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestProblemString(t *testing.T) {
	tests := []struct {
		p    locales.Problem
		want string
	}{
		{locales.Problem{File: "a.de.toml", Line: 3, Msg: "m"}, "a.de.toml:3: m"},
		{locales.Problem{File: "a.de.toml", Msg: "m"}, "a.de.toml: m"},
		{locales.Problem{Msg: "m"}, "m"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.p, got, tt.want)
		}
	}
}

// TestLintNeededForms checks the plural forms each language must have for
// a countable message: those its CLDR rules use for whole numbers, plus
// "other".
func TestLintNeededForms(t *testing.T) {
	tests := map[string]string{
		"en": "[one other]", "de": "[one other]", "vi": "[other]",
		"uk": "[few many one other]", "ar": "[few many one other two zero]", "ro": "[few one other]",
	}
	for lang, needs := range tests {
		// The message in lang has only "other"; English checks itself
		// with "zero" and "other".
		fsys := fstest.MapFS{"a.en.toml": {Data: []byte("[\"a.n\"]\nzero = \"none\"\none = \"{{.Count}}\"\nother = \"{{.Count}}\"\n")}}
		if lang == "en" {
			fsys["a.en.toml"] = &fstest.MapFile{Data: []byte("[\"a.n\"]\nzero = \"none\"\nother = \"{{.Count}}\"\n")}
		} else {
			fsys["a."+lang+".toml"] = &fstest.MapFile{Data: []byte("[\"a.n\"]\nother = \"{{.Count}}\"\n")}
		}
		var missing []string
		for _, p := range locales.Lint(fsys) {
			if p.File != "a."+lang+".toml" || !strings.HasSuffix(p.Msg, "is missing (the language needs "+needs+")") {
				t.Errorf("%s: unexpected problem %s", lang, p)
				continue
			}
			missing = append(missing, strings.Split(p.Msg, `"`)[3])
		}
		want := slices.DeleteFunc(strings.Fields(strings.Trim(needs, "[]")), func(f string) bool { return f == "other" })
		if lang == "en" {
			want = []string{"one"} // English has zero and other
		}
		if !slices.Equal(missing, want) {
			t.Errorf("%s: missing forms %v, want %v", lang, missing, want)
		}
	}
}
