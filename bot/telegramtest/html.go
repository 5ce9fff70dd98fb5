package telegramtest

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxTextLen is the longest message text in UTF-16 code units, counted
// after entity parsing.
const maxTextLen = 4096

// formatText turns a text parameter into the text the user sees and its
// entities, the way the Bot API does for the given parse_mode.
//
// HTML is parsed like the real server does (tdlib's parser): the supported
// tags, attribute syntax, nesting and the entities &lt; &gt; &amp; &quot;
// and numeric ones; other "&…;" sequences stay literal text. Markdown and
// MarkdownV2 are accepted but not parsed: the text is kept as sent.
func formatText(text, parseMode, entitiesJSON string) (plain string, ents json.RawMessage, err *apiError) {
	if !utf8.ValidString(text) {
		return "", nil, badRequest("text must be encoded in UTF-8")
	}
	switch strings.ToLower(parseMode) {
	case "":
		if entitiesJSON != "" {
			ents = json.RawMessage(entitiesJSON)
		}
		return text, ents, nil
	case "markdown", "markdownv2":
		return text, nil, nil
	case "html":
		plain, list, msg := parseHTML(text)
		if msg != "" {
			return "", nil, &apiError{Code: 400, Description: DescCantParsePrefix + msg}
		}
		if len(list) > 0 {
			ents, _ = json.Marshal(list)
		}
		return plain, ents, nil
	}
	return "", nil, &apiError{Code: 400, Description: DescUnsupportedParse}
}

// checkText applies the length rules to a formatted text.
func checkText(plain string) *apiError {
	if strings.TrimSpace(plain) == "" {
		return &apiError{Code: 400, Description: DescTextEmpty}
	}
	if utf16Len(plain) > maxTextLen {
		return &apiError{Code: 400, Description: DescMessageTooLong}
	}
	return nil
}

// htmlEntityType maps the supported tags to entity types.
var htmlEntityType = map[string]string{
	"b": "bold", "strong": "bold",
	"i": "italic", "em": "italic",
	"u": "underline", "ins": "underline",
	"s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
	"span": "spoiler", "tg-spoiler": "spoiler",
	"a":          "text_link",
	"code":       "code",
	"pre":        "pre",
	"blockquote": "blockquote",
	"tg-emoji":   "custom_emoji",
	"tg-time":    "date_time",
}

type openTag struct {
	name       string
	pos        int // byte offset of '<'
	start      int // UTF-16 offset in the plain text
	class      string
	href       string
	language   string
	emojiID    string
	unixTime   string
	expandable bool
}

// parseHTML parses Telegram's HTML subset. On error it returns the error
// text that follows "can't parse entities: ".
func parseHTML(s string) (plain string, ents []entity, errMsg string) {
	var b strings.Builder
	b.Grow(len(s))
	u16 := 0
	var stack []openTag
	for i := 0; i < len(s); {
		switch s[i] {
		case '&':
			if r, n := decodeHTMLEntity(s[i:]); n > 0 {
				b.WriteRune(r)
				u16 += runeUTF16(r)
				i += n
			} else {
				b.WriteByte('&')
				u16++
				i++
			}
		case '<':
			var err string
			if i+1 < len(s) && s[i+1] == '/' {
				i, stack, ents, err = closeTag(s, i, u16, stack, ents)
			} else {
				var t openTag
				t, i, err = openTagAt(s, i)
				t.start = u16
				stack = append(stack, t)
			}
			if err != "" {
				return "", nil, err
			}
		default:
			j := i
			for j < len(s) && s[j] != '<' && s[j] != '&' {
				j++
			}
			b.WriteString(s[i:j])
			u16 += utf16Len(s[i:j])
			i = j
		}
	}
	if len(stack) > 0 {
		return "", nil, fmt.Sprintf("Can't find end tag corresponding to start tag %q", stack[len(stack)-1].name)
	}
	sort.SliceStable(ents, func(a, b int) bool {
		if ents[a].Offset != ents[b].Offset {
			return ents[a].Offset < ents[b].Offset
		}
		return ents[a].Length > ents[b].Length
	})
	return b.String(), ents, ""
}

// openTagAt parses the start tag at s[i] == '<' and returns the index after
// its '>'.
func openTagAt(s string, i int) (openTag, int, string) {
	pos := i
	j := i + 1
	for j < len(s) && !isHTMLSpace(s[j]) && s[j] != '>' {
		j++
	}
	if j >= len(s) {
		return openTag{}, 0, fmt.Sprintf("Unclosed start tag at byte offset %d", pos)
	}
	t := openTag{name: strings.ToLower(s[i+1 : j]), pos: pos}
	if _, ok := htmlEntityType[t.name]; !ok {
		return t, 0, fmt.Sprintf("Unsupported start tag %q at byte offset %d", t.name, pos)
	}
	for {
		for j < len(s) && isHTMLSpace(s[j]) {
			j++
		}
		if j >= len(s) {
			return t, 0, fmt.Sprintf("Unclosed start tag at byte offset %d", pos)
		}
		if s[j] == '>' {
			j++
			break
		}
		k := j
		for j < len(s) && !isHTMLSpace(s[j]) && s[j] != '=' && s[j] != '>' {
			j++
		}
		attr := strings.ToLower(s[k:j])
		if attr == "" {
			return t, 0, fmt.Sprintf("Empty attribute name in the tag %q at byte offset %d", t.name, pos)
		}
		for j < len(s) && isHTMLSpace(s[j]) {
			j++
		}
		value := ""
		if j < len(s) && s[j] == '=' {
			var err string
			value, j, err = attrValue(s, j+1, pos)
			if err != "" {
				return t, 0, err
			}
		} else if attr != "expandable" {
			return t, 0, fmt.Sprintf("Expected equal sign in declaration of an attribute of the tag %q at byte offset %d", t.name, pos)
		}
		switch {
		case t.name == "a" && attr == "href":
			t.href = value
		case t.name == "code" && attr == "class" && strings.HasPrefix(value, "language-"):
			t.language = strings.TrimPrefix(value, "language-")
		case t.name == "span" && attr == "class":
			t.class = value
		case t.name == "tg-emoji" && attr == "emoji-id":
			t.emojiID = value
		case t.name == "tg-time" && attr == "unix":
			t.unixTime = value
		case t.name == "blockquote" && attr == "expandable":
			t.expandable = true
		}
	}
	if t.name == "span" && t.class != "tg-spoiler" {
		return t, 0, fmt.Sprintf("Tag \"span\" must have class \"tg-spoiler\" at byte offset %d", pos)
	}
	return t, j, ""
}

// attrValue parses a quoted or bare attribute value starting at s[j].
func attrValue(s string, j, pos int) (string, int, string) {
	for j < len(s) && isHTMLSpace(s[j]) {
		j++
	}
	if j >= len(s) {
		return "", 0, fmt.Sprintf("Unclosed start tag at byte offset %d", pos)
	}
	if q := s[j]; q == '"' || q == '\'' {
		var v strings.Builder
		j++
		for j < len(s) && s[j] != q {
			if s[j] == '&' {
				if r, n := decodeHTMLEntity(s[j:]); n > 0 {
					v.WriteRune(r)
					j += n
					continue
				}
			}
			v.WriteByte(s[j])
			j++
		}
		if j >= len(s) {
			return "", 0, fmt.Sprintf("Unclosed start tag at byte offset %d", pos)
		}
		return v.String(), j + 1, ""
	}
	k := j
	for j < len(s) && !isHTMLSpace(s[j]) && s[j] != '>' {
		j++
	}
	return s[k:j], j, ""
}

// closeTag parses the end tag at s[i:] == "</" and emits the entity of the
// tag it closes.
func closeTag(s string, i, u16 int, stack []openTag, ents []entity) (int, []openTag, []entity, string) {
	pos := i
	if len(stack) == 0 {
		return 0, nil, nil, fmt.Sprintf("Unexpected end tag at byte offset %d", pos)
	}
	j := i + 2
	for j < len(s) && !isHTMLSpace(s[j]) && s[j] != '>' {
		j++
	}
	name := strings.ToLower(s[i+2 : j])
	for j < len(s) && isHTMLSpace(s[j]) {
		j++
	}
	if j >= len(s) || s[j] != '>' {
		return 0, nil, nil, fmt.Sprintf("Unclosed end tag at byte offset %d", pos)
	}
	top := stack[len(stack)-1]
	if name != "" && name != top.name {
		return 0, nil, nil, fmt.Sprintf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", pos, top.name, name)
	}
	stack = stack[:len(stack)-1]
	length := u16 - top.start
	e := entity{Type: htmlEntityType[top.name], Offset: top.start, Length: length}
	switch top.name {
	case "a":
		if top.href == "" {
			return j + 1, stack, ents, ""
		}
		e.URL = top.href
	case "code":
		// <pre><code class="language-x"> gives the pre entity a language.
		if top.language != "" && len(stack) > 0 && stack[len(stack)-1].name == "pre" {
			stack[len(stack)-1].language = top.language
			return j + 1, stack, ents, ""
		}
	case "pre":
		e.Language = top.language
	case "blockquote":
		if top.expandable {
			e.Type = "expandable_blockquote"
		}
	case "tg-emoji":
		e.CustomEmojiID = top.emojiID
	case "tg-time":
		if _, err := strconv.ParseInt(top.unixTime, 10, 64); err != nil {
			return 0, nil, nil, fmt.Sprintf("Invalid Unix time specified in the tag \"tg-time\" at byte offset %d", top.pos)
		}
	}
	if length > 0 {
		ents = append(ents, e)
	}
	return j + 1, stack, ents, ""
}

func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

// decodeHTMLEntity decodes the entity at the start of s ("&lt;", "&#39;",
// "&#x1F600;"). It returns n == 0 if s does not start with one the Bot API
// supports.
func decodeHTMLEntity(s string) (r rune, n int) {
	end := strings.IndexByte(s, ';')
	if end < 2 || end > 12 {
		return 0, 0
	}
	name := s[1:end]
	switch name {
	case "lt":
		return '<', end + 1
	case "gt":
		return '>', end + 1
	case "amp":
		return '&', end + 1
	case "quot":
		return '"', end + 1
	}
	if name[0] != '#' || len(name) < 2 {
		return 0, 0
	}
	var v uint64
	var err error
	if name[1] == 'x' || name[1] == 'X' {
		v, err = strconv.ParseUint(name[2:], 16, 32)
	} else {
		v, err = strconv.ParseUint(name[1:], 10, 32)
	}
	if err != nil || v == 0 || v > utf8.MaxRune || (v >= 0xD800 && v <= 0xDFFF) {
		return 0, 0
	}
	return rune(v), end + 1
}

// utf16Len counts s in UTF-16 code units, the unit of Telegram's lengths
// and entity offsets.
func utf16Len(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		n += runeUTF16(r)
		i += size
	}
	return n
}

func runeUTF16(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}
