package telegramtest

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestParseHTML(t *testing.T) {
	tests := []struct {
		in      string
		plain   string
		ents    []entity
		wantErr string
	}{
		{in: "plain", plain: "plain"},
		{in: "<b>bold</b> <STRONG>too</STRONG>", plain: "bold too", ents: []entity{{Type: "bold", Offset: 0, Length: 4}, {Type: "bold", Offset: 5, Length: 3}}},
		{in: "<i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s><strike>k</strike><del>d</del>", plain: "ieunskd", ents: []entity{
			{Type: "italic", Offset: 0, Length: 1}, {Type: "italic", Offset: 1, Length: 1},
			{Type: "underline", Offset: 2, Length: 1}, {Type: "underline", Offset: 3, Length: 1},
			{Type: "strikethrough", Offset: 4, Length: 1}, {Type: "strikethrough", Offset: 5, Length: 1}, {Type: "strikethrough", Offset: 6, Length: 1},
		}},
		{in: `<span class="tg-spoiler">x</span><tg-spoiler>y</tg-spoiler>`, plain: "xy", ents: []entity{{Type: "spoiler", Offset: 0, Length: 1}, {Type: "spoiler", Offset: 1, Length: 1}}},
		{in: `<a href='https://a.org/?q=1&amp;r=2'>link</a>`, plain: "link", ents: []entity{{Type: "text_link", Offset: 0, Length: 4, URL: "https://a.org/?q=1&r=2"}}},
		{in: `<a>no href</a>`, plain: "no href"},
		{in: "😀<b>x</b>", plain: "😀x", ents: []entity{{Type: "bold", Offset: 2, Length: 1}}},
		{in: `<pre><code class="language-go">x := 1</code></pre>`, plain: "x := 1", ents: []entity{{Type: "pre", Offset: 0, Length: 6, Language: "go"}}},
		{in: `<code>c</code>`, plain: "c", ents: []entity{{Type: "code", Offset: 0, Length: 1}}},
		{in: `<b>outer <i>inner</i></b>`, plain: "outer inner", ents: []entity{{Type: "bold", Offset: 0, Length: 11}, {Type: "italic", Offset: 6, Length: 5}}},
		{in: `<blockquote expandable>q</blockquote><blockquote>r</blockquote>`, plain: "qr", ents: []entity{{Type: "expandable_blockquote", Offset: 0, Length: 1}, {Type: "blockquote", Offset: 1, Length: 1}}},
		{in: `<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>`, plain: "👍", ents: []entity{{Type: "custom_emoji", Offset: 0, Length: 2, CustomEmojiID: "5368324170671202286"}}},
		{in: `<b>closed by</>`, plain: "closed by", ents: []entity{{Type: "bold", Offset: 0, Length: 9}}},
		{in: `<b></b>empty`, plain: "empty"},
		{in: "&lt;&gt;&amp;&quot;&#65;&#x42;", plain: `<>&"AB`},
		{in: "&nbsp; &copy; & &#xZZ;", plain: "&nbsp; &copy; & &#xZZ;"},
		{in: "a <br> b", wantErr: `Unsupported start tag "br" at byte offset 2`},
		{in: "<p>x</p>", wantErr: `Unsupported start tag "p" at byte offset 0`},
		{in: "1 < 2", wantErr: `Unsupported start tag "" at byte offset 2`},
		{in: "x <b", wantErr: "Unclosed start tag at byte offset 2"},
		{in: "<b>x", wantErr: `Can't find end tag corresponding to start tag "b"`},
		{in: "x</b>", wantErr: "Unexpected end tag at byte offset 1"},
		{in: "<b>x</i>", wantErr: `Unmatched end tag at byte offset 4, expected "</b>", found "</i>"`},
		{in: "<b>x</b", wantErr: "Unclosed end tag at byte offset 4"},
		{in: `<span>x</span>`, wantErr: `Tag "span" must have class "tg-spoiler" at byte offset 0`},
		{in: `<a href>x</a>`, wantErr: `Expected equal sign in declaration of an attribute of the tag "a" at byte offset 0`},
		{in: `<a href="x>y</a>`, wantErr: "Unclosed start tag at byte offset 0"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			plain, ents, err := parseHTML(tt.in)
			if err != tt.wantErr {
				t.Fatalf("error %q, want %q", err, tt.wantErr)
			}
			if err != "" {
				return
			}
			if plain != tt.plain || !reflect.DeepEqual(ents, tt.ents) {
				t.Fatalf("got %q %+v, want %q %+v", plain, ents, tt.plain, tt.ents)
			}
		})
	}
}

func TestFormatTextLimits(t *testing.T) {
	tests := []struct {
		name, text, mode, wantErr string
	}{
		{"4096 ASCII", strings.Repeat("a", 4096), "", ""},
		{"4097 ASCII", strings.Repeat("a", 4097), "", DescMessageTooLong},
		{"4096 Cyrillic", strings.Repeat("ж", 4096), "", ""},
		{"2048 emoji", strings.Repeat("😀", 2048), "", ""},
		{"2049 emoji", strings.Repeat("😀", 2049), "", DescMessageTooLong},
		{"markup does not count", "<b>" + strings.Repeat("a", 4096) + "</b>", "HTML", ""},
		{"entities count as one", strings.Repeat("&amp;", 4097), "html", DescMessageTooLong},
		{"only tags", "<b> </b>", "HTML", DescTextEmpty},
		{"whitespace", " \n ", "", DescTextEmpty},
		{"markdown is not parsed", "*bold* <b", "MarkdownV2", ""},
		{"invalid UTF-8", "\xff", "", "Bad Request: text must be encoded in UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plain, _, err := formatText(tt.text, tt.mode, "")
			if err == nil {
				err = checkText(plain)
			}
			got := ""
			if err != nil {
				got = err.Description
			}
			if got != tt.wantErr {
				t.Fatalf("got %q, want %q", got, tt.wantErr)
			}
		})
	}
}

func TestCommandEntity(t *testing.T) {
	tests := []struct {
		text string
		want int // entity length, 0 for none
	}{
		{"/start", 6},
		{"/start payload", 6},
		{"/start@lotse_bot x", 16},
		{"/start@ x", 6},
		{"/foo-bar", 4},
		{"/ x", 0},
		{"/старт", 0},
		{"hello /start", 0},
	}
	for _, tt := range tests {
		raw := commandEntity(tt.text)
		got := 0
		if raw != nil {
			var ents []entity
			if err := json.Unmarshal(raw, &ents); err != nil || len(ents) != 1 || ents[0].Type != "bot_command" || ents[0].Offset != 0 {
				t.Fatalf("%q: bad entity %s", tt.text, raw)
			}
			got = ents[0].Length
		}
		if got != tt.want {
			t.Errorf("%q: length %d, want %d", tt.text, got, tt.want)
		}
	}
}

func TestEmbeddedMethods(t *testing.T) {
	for name := range handlers {
		m, canonical, known := methods.lookup(strings.ToUpper(name))
		if !known || m == nil || canonical != name {
			t.Errorf("%s is not in methods.json", name)
		}
	}
	// Parameters go-telegram-bot-api v5.5.1 sends must be accepted.
	for method, params := range map[string][]string{
		"sendMessage":     {"chat_id", "text", "parse_mode", "entities", "disable_web_page_preview", "reply_to_message_id", "allow_sending_without_reply", "disable_notification", "reply_markup"},
		"editMessageText": {"chat_id", "message_id", "inline_message_id", "text", "parse_mode", "entities", "disable_web_page_preview", "reply_markup"},
		"sendChatAction":  {"chat_id", "action", "reply_to_message_id", "disable_notification", "allow_sending_without_reply", "reply_markup"},
		"getUpdates":      {"offset", "limit", "timeout", "allowed_updates"},
		"setMyCommands":   {"commands", "scope", "language_code"},
		"deleteMessage":   {"chat_id", "message_id"},
	} {
		m, _, _ := methods.lookup(method)
		for _, p := range params {
			if m.byName[p] == nil {
				t.Errorf("%s does not accept %s", method, p)
			}
		}
	}
	if m, _, _ := methods.lookup("setWebhook"); m == nil || m.byName["secret_token"] == nil {
		t.Error("setWebhook should be a faked method accepting secret_token")
	}
	if m, _, known := methods.lookup("sendPhoto"); !known || m != nil {
		t.Error("sendPhoto should be a known, unfaked method")
	}
}
