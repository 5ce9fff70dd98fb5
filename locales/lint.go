package locales

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"testing/fstest" // only for fstest.MapFS, a plain in-memory fs.FS
	"text/template"
	"text/template/parse"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
	"golang.org/x/net/html"
	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// Problem is one thing wrong with the message files, with where it is.
type Problem struct {
	// File is the message file, relative to the folder checked; "" when
	// the problem concerns no single file.
	File string
	// Line is the line in File, or 0 when unknown.
	Line int
	// Msg says what is wrong.
	Msg string
}

// String formats the problem as "file:line: message", leaving out what is
// unknown.
func (p Problem) String() string {
	switch {
	case p.File == "":
		return p.Msg
	case p.Line > 0:
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
	}
	return p.File + ": " + p.Msg
}

// MaxLength is the most characters a message may have once rendered.
// Telegram allows 4096; results get their sources appended, so texts keep
// some room.
const MaxLength = 3500

// pluralForms are the keys of a message that hold its text, one per CLDR
// plural form.
var pluralForms = []string{"zero", "one", "two", "few", "many", "other"}

// sampleData fills the placeholders of every message when it is rendered
// for checking; placeholders not named here get their own name as value.
var sampleData = map[string]any{
	"Topic": "T", "Command": "c", "Label": "L", "URL": "https://example.org", "Name": "N", "Date": "2026-01-01", "Count": 3,
}

// Lint checks the message files at the root of fsys as the test suite
// does and returns every problem found, sorted by file and line:
//
//   - files that are not <area>.<lang>.toml, do not parse, or are not
//     written in the table form (["id"] with other = …, and only the keys
//     description, zero, one, two, few, many and other);
//   - a message defined twice in one language, or without "other";
//   - placeholders ({{.X}}) that differ from the English message's;
//   - a countable message (one with plural forms in English) that lacks a
//     plural form the language's CLDR rules use for whole numbers;
//   - a message that does not render, renders to markup Telegram refuses,
//     or is longer than [MaxLength] characters.
//
// Whether every message the program uses exists in every language, and
// whether every message is used, is [CheckUsage]'s job.
func Lint(fsys fs.FS) []Problem {
	s := readFiles(fsys)
	ps := s.problems
	if s.cat == nil {
		return sortProblems(ps)
	}
	s.cat.Strict = true
	src := Source.String()
	en := s.msgs[src]
	for _, lang := range s.cat.Languages() {
		needed := neededForms(lang)
		for _, id := range slices.Sorted(maps.Keys(s.msgs[lang])) {
			m := s.msgs[lang][id]
			bad := func(format string, args ...any) {
				ps = append(ps, Problem{File: m.file, Line: m.line, Msg: fmt.Sprintf("message %q: ", id) + fmt.Sprintf(format, args...)})
			}
			fields, err := m.fields()
			if err != nil {
				bad("%v", err)
				continue
			}
			e := en[id]
			if e != nil && lang != src {
				if want, err := e.fields(); err == nil && !slices.Equal(fields, want) {
					bad("placeholders %s, English has %s", fieldList(fields), fieldList(want))
				}
			}
			formsOK := true
			if e != nil && e.countable() {
				for _, need := range needed {
					if _, ok := m.forms[need]; !ok {
						bad("plural form %q is missing (the language needs %v)", need, needed)
						formsOK = false
					}
				}
			}
			data := maps.Clone(sampleData)
			for _, f := range fields {
				if _, ok := data[f]; !ok {
					data[f] = f
				}
			}
			if formsOK { // else the catalogue fails on the missing form
				if err := check(s.cat.Translate(lang, id, data)); err != nil {
					bad("%v", err)
					continue
				}
			}
			if len(m.forms) < 2 {
				continue
			}
			for _, form := range pluralForms {
				if text, ok := m.forms[form]; ok {
					if err := check(render(lang, text, data)); err != nil {
						bad("plural form %q: %v", form, err)
						break
					}
				}
			}
		}
	}
	return sortProblems(ps)
}

// check reports a rendered message that Telegram would refuse or that is
// too long.
func check(text string, err error) error {
	if err != nil {
		return err
	}
	if n := utf8.RuneCountInString(text); n > MaxLength {
		return fmt.Errorf("%d characters; a message may have 4096 and results get sources appended (keep it under %d)", n, MaxLength)
	}
	return telegramHTML(text)
}

// render executes one plural form's template as the catalogue would: with
// text/template, and with Latin runs isolated in right-to-left languages.
// The catalogue itself picks a form by go-i18n's plural rules, so
// rendering each form directly checks the forms it does not pick for the
// sample count.
func render(lang, src string, data map[string]any) (string, error) {
	tmpl, err := template.New("").Option("missingkey=default").Parse(src)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := tmpl.Execute(&b, data); err != nil {
		return "", err
	}
	s := b.String()
	if RightToLeft(lang) {
		s = IsolateLTR(s)
	}
	return s, nil
}

// CheckUsage compares the message IDs a program uses with the message
// files at the root of fsys: every used ID must exist in every language,
// and every message must be used. A missing message is reported at the
// file it belongs in (the area of the English message, in the missing
// language); an unused one where it is defined. Files that [Lint] rejects
// are left out, so their messages count as missing.
func CheckUsage(fsys fs.FS, used []string) []Problem {
	s := readFiles(fsys)
	if s.cat == nil {
		return nil // Lint says why
	}
	var ps []Problem
	langs := s.cat.Languages()
	src := Source.String()
	isUsed := map[string]bool{}
	for _, id := range used {
		isUsed[id] = true
	}
	for _, id := range slices.Sorted(maps.Keys(isUsed)) {
		var missing []string
		for _, lang := range langs {
			if !s.cat.Has(lang, id) {
				missing = append(missing, lang)
			}
		}
		if len(missing) == len(langs) {
			ps = append(ps, Problem{File: s.fileFor(id, src), Msg: fmt.Sprintf("message %q is used but has no text in any language", id)})
			continue
		}
		for _, lang := range missing {
			msg := fmt.Sprintf("message %q is missing", id)
			if e := s.msgs[src][id]; e != nil && lang != src {
				msg += fmt.Sprintf(" (English: %s:%d)", e.file, e.line)
			}
			ps = append(ps, Problem{File: s.fileFor(id, lang), Msg: msg})
		}
	}
	for _, lang := range langs {
		for _, id := range s.cat.IDs(lang) {
			if !isUsed[id] {
				m := s.msgs[lang][id]
				ps = append(ps, Problem{File: m.file, Line: m.line, Msg: fmt.Sprintf("message %q is used nowhere", id)})
			}
		}
	}
	return sortProblems(ps)
}

// message is one message as written in a file.
type message struct {
	id, file string
	line     int
	forms    map[string]string // plural form → template text
}

// fields returns the sorted template fields ({{.X}}) of all the
// message's plural forms.
func (m *message) fields() ([]string, error) {
	set := map[string]bool{}
	for _, form := range pluralForms {
		src, ok := m.forms[form]
		if !ok {
			continue
		}
		trees, err := parse.Parse(m.id, src, "{{", "}}")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", form, err)
		}
		for _, tree := range trees {
			collectFields(tree.Root, set)
		}
	}
	return slices.Sorted(maps.Keys(set)), nil
}

// countable reports whether the message has plural forms besides "other".
func (m *message) countable() bool {
	for _, f := range pluralForms[:5] {
		if _, ok := m.forms[f]; ok {
			return true
		}
	}
	return false
}

func fieldList(fs []string) string { return "[" + strings.Join(fs, " ") + "]" }

// fileSet is what readFiles made of a folder of message files.
type fileSet struct {
	msgs     map[string]map[string]*message // lang → id → first definition
	areas    map[string]string              // English id → area
	problems []Problem
	cat      *Catalog // of the well-formed messages; nil if there is none
}

// readFiles reads every message file on its own terms, reports what is
// malformed, and loads a catalogue of the well-formed messages.
func readFiles(fsys fs.FS) *fileSet {
	s := &fileSet{msgs: map[string]map[string]*message{}, areas: map[string]string{}}
	bad := func(file string, line int, format string, args ...any) {
		s.problems = append(s.problems, Problem{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	names, err := fs.Glob(fsys, "*.toml")
	if err != nil {
		bad("", 0, "list message files: %v", err)
		return s
	}
	good := fstest.MapFS{}
	for _, name := range names {
		parts := strings.Split(strings.TrimSuffix(name, ".toml"), ".")
		if len(parts) != 2 || parts[0] == "" {
			bad(name, 0, "name the file <area>.<lang>.toml, e.g. common.de.toml")
			continue
		}
		tag, err := language.Parse(parts[1])
		if err != nil {
			bad(name, 0, "%q is not a language code (name the file <area>.<lang>.toml, e.g. common.de.toml)", parts[1])
			continue
		}
		lang := tag.String()
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			bad(name, 0, "%v", err)
			continue
		}
		var raw map[string]any
		if _, err := toml.Decode(string(src), &raw); err != nil {
			var pe toml.ParseError
			if errors.As(err, &pe) {
				bad(name, pe.Position.Line, "%s", pe.Message)
			} else {
				bad(name, 0, "%v", err)
			}
			continue
		}
		if s.msgs[lang] == nil {
			s.msgs[lang] = map[string]*message{}
		}
		out := map[string]map[string]string{}
		for _, id := range slices.Sorted(maps.Keys(raw)) {
			line := headerLine(src, id)
			table, ok := raw[id].(map[string]any)
			if !ok {
				bad(name, keyLine(src, 0, id), "message %q: write it in the table form, [%q] with other = …", id, id)
				continue
			}
			m := &message{id: id, file: name, line: line, forms: map[string]string{}}
			ok = true
			for _, k := range slices.Sorted(maps.Keys(table)) {
				v, isText := table[k].(string)
				switch {
				case k != "description" && !slices.Contains(pluralForms, k):
					bad(name, keyLine(src, line, k), "message %q: unknown key %q (a key belongs to the table above it; use description, other and the plural forms zero, one, two, few, many)", id, k)
					ok = false
				case !isText:
					bad(name, keyLine(src, line, k), "message %q: %s is not text", id, k)
					ok = false
				case k != "description":
					m.forms[k] = v
				}
			}
			if _, has := m.forms["other"]; !has && ok {
				bad(name, line, "message %q has no other (the text)", id)
				ok = false
			}
			if !ok {
				continue
			}
			if prev := s.msgs[lang][id]; prev != nil {
				bad(name, line, "message %q is also defined in %s:%d", id, prev.file, prev.line)
				continue
			}
			s.msgs[lang][id] = m
			if lang == Source.String() {
				s.areas[id] = parts[0]
			}
			out[id] = m.forms
		}
		var buf bytes.Buffer
		if err := toml.NewEncoder(&buf).Encode(out); err != nil {
			bad(name, 0, "%v", err)
			continue
		}
		good[name] = &fstest.MapFile{Data: buf.Bytes()}
	}
	cat, err := Load(good)
	if err != nil {
		bad("", 0, "%v", err)
		return s
	}
	s.cat = cat
	return s
}

// fileFor names the file a message belongs in for lang: the area of its
// English definition, else of the English message whose ID shares the
// longest start with it, else the first part of the ID.
func (s *fileSet) fileFor(id, lang string) string {
	area, ok := s.areas[id]
	if !ok {
		best := 0
		for other, a := range s.areas {
			n := commonSegments(id, other)
			if n > best || (n == best && n > 0 && a < area) {
				best, area = n, a
			}
		}
		if best == 0 {
			area, _, _ = strings.Cut(id, ".")
		}
	}
	return area + "." + lang + ".toml"
}

// commonSegments counts the leading dot-separated parts a and b share.
func commonSegments(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	n := 0
	for n < len(as) && n < len(bs) && as[n] == bs[n] {
		n++
	}
	return n
}

// headerLine returns the line of src that opens the table id, or 0.
func headerLine(src []byte, id string) int {
	for i, l := range bytes.Split(src, []byte("\n")) {
		t := strings.TrimSpace(string(l))
		if !strings.HasPrefix(t, "[") || strings.HasPrefix(t, "[[") {
			continue
		}
		end := strings.LastIndex(t, "]")
		if end < 0 {
			continue
		}
		key := strings.TrimSpace(t[1:end])
		if unquote(key) == id {
			return i + 1
		}
	}
	return 0
}

// keyLine returns the first line after line from that sets key, or from
// itself when no such line follows.
func keyLine(src []byte, from int, key string) int {
	for i, l := range bytes.Split(src, []byte("\n")) {
		if i+1 <= from {
			continue
		}
		k, _, ok := strings.Cut(string(l), "=")
		if ok && unquote(strings.TrimSpace(k)) == key {
			return i + 1
		}
	}
	return from
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

func sortProblems(ps []Problem) []Problem {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		if c := strings.Compare(a.File, b.File); c != 0 {
			return c
		}
		return a.Line - b.Line
	})
	return ps
}

func collectFields(n parse.Node, set map[string]bool) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n != nil {
			for _, c := range n.Nodes {
				collectFields(c, set)
			}
		}
	case *parse.ActionNode:
		collectFields(n.Pipe, set)
	case *parse.PipeNode:
		if n != nil {
			for _, c := range n.Cmds {
				collectFields(c, set)
			}
		}
	case *parse.CommandNode:
		for _, a := range n.Args {
			collectFields(a, set)
		}
	case *parse.FieldNode:
		set[strings.Join(n.Ident, ".")] = true
	case *parse.IfNode:
		collectFields(n.Pipe, set)
		collectFields(n.List, set)
		collectFields(n.ElseList, set)
	case *parse.RangeNode:
		collectFields(n.Pipe, set)
		collectFields(n.List, set)
		collectFields(n.ElseList, set)
	case *parse.WithNode:
		collectFields(n.Pipe, set)
		collectFields(n.List, set)
		collectFields(n.ElseList, set)
	}
}

// telegramTags are the tags Telegram's HTML parse mode knows.
var telegramTags = map[string]bool{"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true,
	"s": true, "strike": true, "del": true, "a": true, "code": true, "pre": true, "blockquote": true, "tg-spoiler": true}

// telegramHTML reports markup Telegram would refuse: unknown tags,
// unbalanced tags, attributes other than href on <a>.
func telegramHTML(s string) error {
	z := html.NewTokenizer(strings.NewReader(s))
	var open []string
	for {
		switch z.Next() {
		case html.ErrorToken:
			if len(open) > 0 {
				return fmt.Errorf("unclosed <%s>", open[len(open)-1])
			}
			return nil
		case html.StartTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			if !telegramTags[tag] {
				return fmt.Errorf("tag <%s> is not Telegram HTML", tag)
			}
			for hasAttr {
				var k []byte
				k, _, hasAttr = z.TagAttr()
				if tag != "a" || string(k) != "href" {
					return fmt.Errorf("attribute %s on <%s> is not allowed", k, tag)
				}
			}
			open = append(open, tag)
		case html.EndTagToken:
			name, _ := z.TagName()
			if len(open) == 0 || open[len(open)-1] != string(name) {
				return fmt.Errorf("</%s> does not close the open tag", name)
			}
			open = open[:len(open)-1]
		case html.SelfClosingTagToken:
			name, _ := z.TagName()
			return fmt.Errorf("<%s/> is not Telegram HTML", name)
		}
	}
}

var formNames = map[plural.Form]string{plural.Zero: "zero", plural.One: "one", plural.Two: "two",
	plural.Few: "few", plural.Many: "many", plural.Other: "other"}

// neededForms lists the plural forms a language uses for whole numbers,
// plus "other", sorted.
func neededForms(lang string) []string {
	set := map[string]bool{"other": true}
	for _, n := range sampleCounts(lang) {
		set[formNames[plural.Cardinal.MatchPlural(language.Make(lang), n, 0, 0, 0, 0)]] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// sampleCounts returns, for each plural form a language uses for whole
// numbers below 1000, the smallest number that takes it.
func sampleCounts(lang string) []int {
	tag := language.Make(lang)
	seen := map[plural.Form]bool{}
	var out []int
	for i := range 1000 {
		f := plural.Cardinal.MatchPlural(tag, i, 0, 0, 0, 0)
		if !seen[f] {
			seen[f] = true
			out = append(out, i)
		}
	}
	return out
}
