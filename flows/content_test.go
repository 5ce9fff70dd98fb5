package flows_test

import (
	"slices"
	"testing"

	"lotse/flows"
	"lotse/flows/content"
	"lotse/locales"
)

// TestShippedContent lints the content Lotse ships: the flow graph (every
// step reachable, every target present), sources, catalogues, callback data
// within 64 bytes, and every message the content and the engine use present
// in every language, with no message left unused. "lotse check" runs the
// same checks.
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
	ids := append(c.MessageIDs(), flows.EngineMessageIDs()...)
	for _, p := range locales.CheckUsage(locales.Files, ids) {
		t.Error(p)
	}
}

// TestMessagesWellFormed checks every message of every language with
// [locales.Lint]: it must use the same placeholders as English, have every
// plural form its language's CLDR rules use for whole numbers when it is
// countable (has plural forms in English), render as Telegram HTML with
// only the tags Telegram knows, and stay within Telegram's message length;
// and every message file must be well-formed. "lotse check" runs the same
// checks.
func TestMessagesWellFormed(t *testing.T) {
	for _, p := range locales.Lint(locales.Files) {
		t.Error(p)
	}
}
