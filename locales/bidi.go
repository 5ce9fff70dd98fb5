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
	last := -1  // end of its last strong left-to-right token
	flush := func(upTo int) {
		if start >= 0 {
			b.WriteString(fsi)
			b.WriteString(s[start:last])
			b.WriteString(pdi)
			b.WriteString(s[last:upTo])
		}
		start, last = -1, -1
	}
	written := 0
	for i := 0; i < len(s); {
		class, size := tokenClass(s[i:])
		switch class {
		case bidi.L, bidi.EN:
			if start < 0 {
				b.WriteString(s[written:i])
				start = i
			}
			last = i + size
		case bidi.R, bidi.AL, bidi.AN:
			if start >= 0 {
				flush(i)
				written = i
			}
		}
		i += size
	}
	if start >= 0 {
		flush(len(s))
		return
	}
	b.WriteString(s[written:])
}

// tokenClass returns the bidi class of the character at the start of s and
// its length in bytes; an HTML character entity counts as one neutral
// token.
func tokenClass(s string) (bidi.Class, int) {
	if s[0] == '&' {
		if end := strings.IndexByte(s, ';'); end > 1 && end <= 10 {
			return bidi.ON, end + 1
		}
	}
	p, size := bidi.LookupString(s)
	if size == 0 {
		_, size = utf8.DecodeRuneInString(s)
		return bidi.ON, max(size, 1)
	}
	return p.Class(), size
}
