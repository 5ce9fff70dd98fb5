package flows_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"

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
		"common.help", "common.unknown_command", "common.unsupported", "common.use_buttons",
		"common.expired", "common.flow_updated", "common.understood", "common.chosen",
		"common.sources", "common.source",
	}
	for _, c := range flows.Commands {
		ids = append(ids, "command."+c)
	}
	return ids
}()

// TestMessagesWellFormed checks every message of every language: it must
// parse as a template with the same placeholders as English, render as
// Telegram HTML with only the tags Telegram knows, and stay within
// Telegram's message length.
func TestMessagesWellFormed(t *testing.T) {
	cat, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	cat.Strict = true
	for _, id := range cat.IDs("en") {
		want := placeholders(t, cat, "en", id)
		for _, lang := range cat.Languages() {
			if !cat.Has(lang, id) {
				continue // reported by TestShippedContent
			}
			if got := placeholders(t, cat, lang, id); got != want {
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
	"Topic": "T", "Command": "c", "Label": "L", "URL": "https://example.org", "Name": "N", "Date": "2026-01-01",
}

// placeholders lists the {{.X}} names a message uses, sorted and joined.
func placeholders(t *testing.T, cat *locales.Catalog, lang, id string) string {
	t.Helper()
	// Render with marker values and see which markers appear.
	data := map[string]any{}
	for _, k := range []string{"Topic", "Command", "Label", "URL", "Name", "Date"} {
		data[k] = "\x01" + k + "\x02"
	}
	data["Count"] = 987654321
	text, err := cat.Translate(lang, id, data)
	if err != nil {
		t.Errorf("%s %s: %v", lang, id, err)
	}
	var found []string
	if strings.Contains(text, "987654321") {
		found = append(found, "Count")
	}
	for _, k := range []string{"Command", "Date", "Label", "Name", "Topic", "URL"} {
		if strings.Contains(text, "\x01"+k+"\x02") {
			found = append(found, k)
		}
	}
	if strings.Contains(text, "<no value>") {
		found = append(found, "<unknown placeholder>")
	}
	return "[" + strings.Join(found, " ") + "]"
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
