package locales

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"slices"
	"sync"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Files are the message files built into the binary.
//
//go:embed *.toml
var Files embed.FS

// Source is the source language: every other language is translated from
// it, and it is the fallback for missing texts.
var Source = language.English

// Order is the order in which languages are offered, where they exist.
var Order = []string{"de", "en", "uk", "ar", "fa", "ru", "tr", "pl", "ro", "vi"}

// Catalog translates message IDs. It is safe for concurrent use.
type Catalog struct {
	bundle     *i18n.Bundle
	langs      []string
	tags       []language.Tag
	matcher    language.Matcher
	localizers map[string]*i18n.Localizer
	ids        map[string]map[string]bool // lang -> id -> present
	countable  map[string]bool            // ids with plural forms in the source language
	rtl        map[string]bool

	// Strict makes a missing message an error instead of a fallback.
	Strict bool
	// Logger receives one warning per missing message; nil discards.
	Logger *slog.Logger
	warned sync.Map
}

// Load reads every *.toml message file at the root of fsys.
func Load(fsys fs.FS) (*Catalog, error) {
	b := i18n.NewBundle(Source)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	names, err := fs.Glob(fsys, "*.toml")
	if err != nil {
		return nil, fmt.Errorf("list message files: %w", err)
	}
	c := &Catalog{bundle: b, localizers: map[string]*i18n.Localizer{}, ids: map[string]map[string]bool{}, countable: map[string]bool{}, rtl: map[string]bool{}}
	for _, name := range names {
		mf, err := b.LoadMessageFileFS(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("load messages %s: %w", name, err)
		}
		lang := mf.Tag.String()
		if c.ids[lang] == nil {
			c.ids[lang] = map[string]bool{}
		}
		for _, m := range mf.Messages {
			if c.ids[lang][m.ID] {
				return nil, fmt.Errorf("load messages %s: %q is defined twice for %s", name, m.ID, lang)
			}
			c.ids[lang][m.ID] = true
			if mf.Tag == Source && (m.Zero != "" || m.One != "" || m.Two != "" || m.Few != "" || m.Many != "") {
				c.countable[m.ID] = true
			}
		}
	}
	if c.ids[Source.String()] == nil {
		return nil, fmt.Errorf("load messages: no %s files (the source language)", Source)
	}
	for _, tag := range b.LanguageTags() {
		c.langs = append(c.langs, tag.String())
	}
	slices.SortStableFunc(c.langs, func(a, b string) int { return rank(a) - rank(b) })
	// The matcher's first tag is its fallback: the source language.
	c.tags = []language.Tag{Source}
	for _, l := range c.langs {
		if l != Source.String() {
			c.tags = append(c.tags, language.Make(l))
		}
	}
	c.matcher = language.NewMatcher(c.tags)
	for _, l := range c.langs {
		c.localizers[l] = i18n.NewLocalizer(b, l)
		c.rtl[l] = RightToLeft(l)
	}
	return c, nil
}

func rank(lang string) int {
	if i := slices.Index(Order, lang); i >= 0 {
		return i
	}
	return len(Order)
}

// Default returns the catalogue of the built-in message files.
func Default() (*Catalog, error) { return Load(Files) }

// Languages lists the languages that have messages, in [Order].
// RightToLeft tells which of them are written right to left.
func (c *Catalog) Languages() []string { return slices.Clone(c.langs) }

// Match returns the offered language closest to a client's language code
// (an IETF tag such as "de", "pt-BR", "uk"), or the source language when
// none is close.
func (c *Catalog) Match(code string) string {
	if code == "" {
		return Source.String()
	}
	tag, err := language.Parse(code)
	if err != nil {
		return Source.String()
	}
	_, i, conf := c.matcher.Match(tag)
	if conf == language.No {
		return Source.String()
	}
	return c.tags[i].String()
}

// Has reports whether message id is defined in lang itself, not through a
// fallback.
func (c *Catalog) Has(lang, id string) bool { return c.ids[lang][id] }

// IDs returns the message IDs defined in lang, sorted.
func (c *Catalog) IDs(lang string) []string {
	ids := make([]string, 0, len(c.ids[lang]))
	for id := range c.ids[lang] {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Countable returns the IDs of the countable messages (those with plural
// forms in English), sorted.
func (c *Catalog) Countable() []string {
	ids := make([]string, 0, len(c.countable))
	for id := range c.countable {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// ErrMissing is returned, wrapped, in strict mode for a message that a
// language lacks.
var ErrMissing = errors.New("message missing")

// Translate renders message id in lang. For a countable message (one
// with plural forms in English), data["Count"] picks the plural form by
// the language's CLDR rules. A message the language lacks is
// rendered in English and, unless Strict, logged once; in strict mode it is
// an error wrapping [ErrMissing]. In a right-to-left language, Latin-script
// runs (German terms, addresses, numbers) are wrapped in directional
// isolates; see [IsolateLTR].
func (c *Catalog) Translate(lang, id string, data map[string]any) (string, error) {
	s, err := c.translate(lang, id, data)
	if c.rtl[lang] && s != "" {
		s = IsolateLTR(s)
	}
	return s, err
}

func (c *Catalog) translate(lang, id string, data map[string]any) (string, error) {
	loc := c.localizers[lang]
	if loc == nil {
		loc = c.localizers[Source.String()]
	}
	cfg := &i18n.LocalizeConfig{MessageID: id, TemplateData: data}
	if n, ok := data["Count"]; ok && c.countable[id] {
		cfg.PluralCount = n // only countable messages pick a plural form
	}
	s, err := loc.Localize(cfg)
	var nf *i18n.MessageNotFoundErr
	switch {
	case err == nil:
		return s, nil
	case errors.As(err, &nf) && s != "" && !c.Strict:
		c.warnOnce(lang, id)
		return s, nil
	case errors.As(err, &nf):
		return s, fmt.Errorf("translate %s in %s: %w", id, lang, ErrMissing)
	}
	return s, fmt.Errorf("translate %s in %s: %w", id, lang, err)
}

func (c *Catalog) warnOnce(lang, id string) {
	if _, dup := c.warned.LoadOrStore(lang+"\x00"+id, true); dup || c.Logger == nil {
		return
	}
	c.Logger.Warn("message missing, English used", "lang", lang, "id", id)
}
