package flows

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Catalog is a word list that free-text answers are matched against, such
// as the professions of the recognition flow.
type Catalog struct {
	// Name is the catalogue's file name without ".toml".
	Name string `toml:"-"`
	// Answer is the answer name a matching entry's ID is stored under.
	Answer  string  `toml:"answer"`
	Entries []Entry `toml:"entries"`

	file  string
	src   []byte
	index []indexed
}

// Entry is one thing a catalogue knows, with its names in every language.
type Entry struct {
	ID      string              `toml:"id"`
	Label   string              `toml:"label"`
	Answers map[string]string   `toml:"answers"`
	Names   map[string][]string `toml:"names"`
}

// entry returns the entry with the given ID, or nil.
func (c *Catalog) entry(id string) *Entry {
	for i := range c.Entries {
		if c.Entries[i].ID == id {
			return &c.Entries[i]
		}
	}
	return nil
}

type indexed struct {
	words []string
	entry *Entry
}

// buildIndex normalises every name of every entry for [Catalog.Match].
func (c *Catalog) buildIndex() {
	c.index = c.index[:0]
	for i := range c.Entries {
		e := &c.Entries[i]
		for _, names := range e.Names {
			for _, n := range names {
				if w := words(n); len(w) > 0 {
					c.index = append(c.index, indexed{words: w, entry: e})
				}
			}
		}
	}
}

// Match finds the entry a typed text names: a name equal to the text, or
// else the longest name that occurs in the text as whole words. Case,
// accents and punctuation are ignored. It returns nil when nothing matches.
func (c *Catalog) Match(text string) *Entry {
	tw := words(text)
	if len(tw) == 0 {
		return nil
	}
	var best *indexed
	for i := range c.index {
		ix := &c.index[i]
		if !containsRun(tw, ix.words) {
			continue
		}
		if len(ix.words) == len(tw) {
			return ix.entry // exact
		}
		if best == nil || weight(ix.words) > weight(best.words) {
			best = ix
		}
	}
	if best == nil {
		return nil
	}
	return best.entry
}

func weight(ws []string) int {
	n := 0
	for _, w := range ws {
		n += len(w) + 1
	}
	return n
}

// containsRun reports whether needle occurs in hay as consecutive words.
func containsRun(hay, needle []string) bool {
	for i := 0; i+len(needle) <= len(hay); i++ {
		ok := true
		for j := range needle {
			if hay[i+j] != needle[j] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// maxMatchInput bounds the text matched against a catalogue, in bytes.
const maxMatchInput = 400

var stripMarks = runes.Remove(runes.In(unicode.Mn))

// foldLetters maps letters that carry no combining mark, so decomposition
// leaves them alone, to the base letter people type without the accent.
// Arabic and Persian keyboards write yeh and kaf differently: fold both to
// the Persian forms so a name matches whichever was typed.
var foldLetters = strings.NewReplacer("ł", "l", "Ł", "L", "đ", "d", "Đ", "D", "ø", "o", "Ø", "O", "ı", "i", "ħ", "h",
	"\u064A", "\u06CC", "\u0649", "\u06CC", "\u0643", "\u06A9")

// words normalises s for matching: case-folded, accents removed, split on
// anything that is not a letter or digit.
func words(s string) []string {
	if len(s) > maxMatchInput {
		s = s[:maxMatchInput]
	}
	t := transform.Chain(norm.NFD, stripMarks, norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	out = cases.Fold().String(foldLetters.Replace(out))
	return strings.FieldsFunc(out, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}
