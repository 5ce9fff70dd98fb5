package flows_test

import (
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"testing"
	"text/template/parse"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
	"golang.org/x/net/html"
	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"

	"lotse/flows"
	"lotse/flows/content"
	"lotse/locales"
)

// TestShippedContent lints the content Lotse ships: the flow graph (every
// step reachable, every target present), sources, catalogues, callback data
// within 64 bytes, and every message in every language with the same
// placeholders as English.
func TestShippedContent(t *testing.T) {
	c, err := flows.Load(content.Files)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range c.Check() {
		t.Error(p)
	}
	if len(c.Menu()) != 6 {
		t.Errorf("main menu has %d topics, want the six of the strategy", len(c.Menu()))
	}
	cat, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	if got := cat.Languages(); !slices.Equal(got, locales.Order) {
		t.Errorf("languages = %v, want all ten: %v", got, locales.Order)
	}
	ids := append(c.MessageIDs(), engineMessageIDs...)
	for _, lang := range cat.Languages() {
		for _, id := range ids {
			if !cat.Has(lang, id) {
				t.Errorf("%s: message %q is missing", lang, id)
			}
		}
	}
	used := map[string]bool{}
	for _, id := range ids {
		used[id] = true
	}
	for _, lang := range cat.Languages() {
		for _, id := range cat.IDs(lang) {
			if !used[id] {
				t.Errorf("%s: message %q is used nowhere", lang, id)
			}
		}
	}
}

// engineMessageIDs are the messages the engine itself says.
var engineMessageIDs = func() []string {
	ids := []string{
		"common.welcome", "common.language.prompt", "common.menu.prompt", "common.menu.button",
		"common.menu.hint", "common.back", "common.resume.prompt", "common.resume.continue",
		"common.resume.today", "common.help", "common.unknown_command", "common.unsupported", "common.use_buttons",
		"common.expired", "common.flow_updated", "common.understood", "common.chosen",
		"common.sources", "common.source",
		"privacy.info", "privacy.export", "privacy.delete", "privacy.export.intro", "privacy.delete.confirm",
		"privacy.delete.yes", "privacy.delete.no", "privacy.deleted", "privacy.kept",
		"input.edited", "input.group",
	}
	for _, c := range flows.Commands {
		ids = append(ids, "command."+c)
	}
	ids = append(ids, "bot.description", "bot.short_description") // the bot's profile, set by cmd/lotse
	return ids
}()

// TestMessagesWellFormed checks every message of every language: it must
// use the same placeholders as English, render as Telegram HTML with only
// the tags Telegram knows, and stay within Telegram's message length.
func TestMessagesWellFormed(t *testing.T) {
	cat, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	cat.Strict = true
	fields := messageFields(t)
	for _, id := range cat.IDs("en") {
		for _, lang := range cat.Languages() {
			if !cat.Has(lang, id) {
				continue // reported by TestShippedContent
			}
			if got, want := fields[lang][id], fields["en"][id]; got != want {
				t.Errorf("%s %s: placeholders %s, English has %s", lang, id, got, want)
			}
			text, err := cat.Translate(lang, id, sampleData)
			if err != nil {
				t.Errorf("%s %s: %v", lang, id, err)
				continue
			}
			if n := utf8.RuneCountInString(text); n > 3500 {
				t.Errorf("%s %s: %d characters; a message may have 4096 and results get sources appended", lang, id, n)
			}
			if err := telegramHTML(text); err != nil {
				t.Errorf("%s %s: %v", lang, id, err)
			}
		}
	}
}

var sampleData = map[string]any{
	"Topic": "T", "Command": "c", "Label": "L", "URL": "https://example.org", "Name": "N", "Date": "2026-01-01", "Count": 3,
}

// messageFields reads the raw message files and returns, per language and
// message ID, the sorted template fields ({{.X}}) of all its plural forms.
func messageFields(t *testing.T) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	names, _ := fs.Glob(locales.Files, "*.toml")
	for _, name := range names {
		parts := strings.Split(name, ".")
		lang := parts[len(parts)-2]
		var raw map[string]map[string]any
		if _, err := toml.DecodeFS(locales.Files, name, &raw); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if out[lang] == nil {
			out[lang] = map[string]string{}
		}
		for id, m := range raw {
			set := map[string]bool{}
			for k, v := range m {
				if k == "description" {
					continue
				}
				src, _ := v.(string)
				trees, err := parse.Parse(id, src, "{{", "}}")
				if err != nil {
					t.Errorf("%s %s: %v", name, id, err)
					continue
				}
				for _, tree := range trees {
					collectFields(tree.Root, set)
				}
			}
			out[lang][id] = "[" + strings.Join(slices.Sorted(maps.Keys(set)), " ") + "]"
		}
	}
	return out
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

// telegramHTML reports markup Telegram would refuse: unknown tags,
// unbalanced tags, attributes other than href on <a>.
func telegramHTML(s string) error {
	allowed := map[string]bool{"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true,
		"s": true, "strike": true, "del": true, "a": true, "code": true, "pre": true, "blockquote": true, "tg-spoiler": true}
	z := html.NewTokenizer(strings.NewReader(s))
	var open []string
	for {
		switch z.Next() {
		case html.ErrorToken:
			if len(open) > 0 {
				return errorf("unclosed <%s>", open[len(open)-1])
			}
			return nil
		case html.StartTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			if !allowed[tag] {
				return errorf("tag <%s> is not Telegram HTML", tag)
			}
			for hasAttr {
				var k []byte
				k, _, hasAttr = z.TagAttr()
				if tag != "a" || string(k) != "href" {
					return errorf("attribute %s on <%s> is not allowed", k, tag)
				}
			}
			open = append(open, tag)
		case html.EndTagToken:
			name, _ := z.TagName()
			if len(open) == 0 || open[len(open)-1] != string(name) {
				return errorf("</%s> does not close the open tag", name)
			}
			open = open[:len(open)-1]
		case html.SelfClosingTagToken:
			name, _ := z.TagName()
			return errorf("<%s/> is not Telegram HTML", name)
		}
	}
}

type htmlError string

func (e htmlError) Error() string { return string(e) }

func errorf(format string, args ...any) error {
	return htmlError(strings.TrimSpace(sprintf(format, args...)))
}

var sprintf = fmt.Sprintf

// TestPluralForms checks that every countable message (one with plural
// forms in English) has, in every language, each plural form that
// language's CLDR rules use for whole numbers, plus "other".
func TestPluralForms(t *testing.T) {
	forms := messageForms(t)
	for id, enForms := range forms["en"] {
		if len(enForms) < 2 {
			continue // not countable
		}
		for lang, msgs := range forms {
			have, ok := msgs[id]
			if !ok {
				continue // reported by TestShippedContent
			}
			for _, need := range neededForms(lang) {
				if !have[need] {
					t.Errorf("%s %s: plural form %q is missing (the language needs %v)", lang, id, need, neededForms(lang))
				}
			}
		}
	}
}

// neededForms lists the plural forms a language uses for whole numbers.
func neededForms(lang string) []string {
	tag := language.Make(lang)
	names := map[plural.Form]string{plural.Zero: "zero", plural.One: "one", plural.Two: "two",
		plural.Few: "few", plural.Many: "many", plural.Other: "other"}
	set := map[string]bool{"other": true}
	for i := range 1000 {
		set[names[plural.Cardinal.MatchPlural(tag, i, 0, 0, 0, 0)]] = true
	}
	return slices.Sorted(maps.Keys(set))
}

func TestNeededForms(t *testing.T) {
	tests := map[string]string{
		"en": "[one other]", "de": "[one other]", "vi": "[other]",
		"uk": "[few many one other]", "ar": "[few many one other two zero]", "ro": "[few one other]",
	}
	for lang, want := range tests {
		if got := fmt.Sprint(neededForms(lang)); got != want {
			t.Errorf("neededForms(%s) = %s, want %s", lang, got, want)
		}
	}
}

// messageForms reads the raw message files: per language and message ID,
// which plural forms the message defines.
func messageForms(t *testing.T) map[string]map[string]map[string]bool {
	t.Helper()
	out := map[string]map[string]map[string]bool{}
	names, _ := fs.Glob(locales.Files, "*.toml")
	for _, name := range names {
		parts := strings.Split(name, ".")
		lang := parts[len(parts)-2]
		var raw map[string]map[string]any
		if _, err := toml.DecodeFS(locales.Files, name, &raw); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if out[lang] == nil {
			out[lang] = map[string]map[string]bool{}
		}
		for id, m := range raw {
			set := map[string]bool{}
			for k := range m {
				if k != "description" {
					set[k] = true
				}
			}
			out[lang][id] = set
		}
	}
	return out
}
