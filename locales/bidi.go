package locales

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/unicode/bidi"
)

// Unicode directional isolates (first strong isolate, pop directional
// isolate): text between them is laid out on its own, so a Latin term or a
// number inside an Arabic sentence keeps its order and does not scramble
// the line around it.
const (
	fsi = "\u2068"
	pdi = "\u2069"
)

// rtlScripts are the scripts written right to left.
var rtlScripts = map[string]bool{"Arab": true, "Hebr": true, "Syrc": true, "Thaa": true, "Nkoo": true, "Adlm": true, "Rohg": true}

// RightToLeft reports whether a language is written right to left.
func RightToLeft(lang string) bool {
	tag, err := language.Parse(lang)
	if err != nil {
		return false
	}
	script, _ := tag.Script()
	return rtlScripts[script.String()]
}

// IsolateLTR wraps every left-to-right run (Latin words, European digits,
// addresses) of a right-to-left Telegram HTML text in directional
// isolates. Tags and their attributes are left alone, character entities
// are never split, and a run ends at its last strong left-to-right
// character, so spaces and punctuation around it stay in the surrounding
// direction.
func IsolateLTR(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 32)
	for len(s) > 0 {
		if s[0] == '<' {
			end := strings.IndexByte(s, '>')
			if end < 0 {
				b.WriteString(s)
				break
			}
			b.WriteString(s[:end+1])
			s = s[end+1:]
			continue
		}
		end := strings.IndexByte(s, '<')
		if end < 0 {
			end = len(s)
		}
		isolateText(&b, s[:end])
		s = s[end:]
	}
	return b.String()
}

// isolateText wraps the left-to-right runs of a text without tags.
func isolateText(b *strings.Builder, s string) {
	start := -1 // start of the current run
	last := -1  // end of its last token that belongs in it
	depth := 0  // brackets opened inside the run and not yet closed
	written := 0
	flush := func() {
		if start >= 0 {
			b.WriteString(s[written:start])
			b.WriteString(fsi)
			b.WriteString(s[start:last])
			b.WriteString(pdi)
			written = last
		}
		start, last, depth = -1, -1, 0
	}
	for i := 0; i < len(s); {
		if end := isolateEnd(s[i:]); end > 0 {
			flush() // an isolate already: keep it as it is
			b.WriteString(s[written:i])
			b.WriteString(s[i : i+end])
			i += end
			written = i
			continue
		}
		class, size := tokenClass(s[i:])
		switch {
		case class == bidi.L || class == bidi.EN:
			if start < 0 {
				start = i
			}
			last = i + size
		case class == bidi.R || class == bidi.AL || class == bidi.AN:
			flush()
		case start >= 0 && (s[i] == '(' || s[i] == '['):
			depth++
		case start >= 0 && depth > 0 && (s[i] == ')' || s[i] == ']'):
			depth-- // a bracket closing one opened in the run stays in it
			last = i + size
		}
		i += size
	}
	flush()
	b.WriteString(s[written:])
}

// isolateEnd returns the length of the directional isolate s starts with
// (from LRI, RLI or FSI to its PDI), or 0.
func isolateEnd(s string) int {
	r, size := utf8.DecodeRuneInString(s)
	if r != '\u2066' && r != '\u2067' && r != '\u2068' {
		return 0
	}
	depth := 0
	for i, r := range s {
		switch r {
		case '\u2066', '\u2067', '\u2068':
			depth++
		case '\u2069':
			depth--
			if depth == 0 {
				return i + len(pdi)
			}
		}
	}
	return size // unterminated: just the opener
}

// tokenClass returns the bidi class of the token at the start of s and its
// length in bytes. An HTML character entity is one neutral token; a
// "/command" and a "§" count as left to right, so they stay with the
// Latin text after them.
func tokenClass(s string) (bidi.Class, int) {
	switch {
	case s[0] == '&':
		if end := strings.IndexByte(s, ';'); end > 1 && end <= 10 {
			return bidi.ON, end + 1
		}
	case s[0] == '/' && len(s) > 1 && ('a' <= s[1] && s[1] <= 'z' || 'A' <= s[1] && s[1] <= 'Z'):
		return bidi.L, 1
	case strings.HasPrefix(s, "§"):
		return bidi.L, len("§")
	}
	p, size := bidi.LookupString(s)
	if size == 0 {
		_, size = utf8.DecodeRuneInString(s)
		return bidi.ON, max(size, 1)
	}
	return p.Class(), size
}
