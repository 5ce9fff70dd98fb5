package telegramtest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// maxInlineButtons is the most buttons an inline keyboard may have.
const maxInlineButtons = 100

// markup is a validated reply_markup.
type markup struct {
	canonical json.RawMessage // object keys sorted
	inline    bool
	keyboard  [][]Button // inline keyboards only
}

// inlineActions are the fields of which an inline button needs exactly one.
var inlineActions = []string{
	"callback_data", "url", "login_url", "web_app", "switch_inline_query",
	"switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
	"copy_text", "callback_game", "pay",
}

// parseMarkup validates a reply_markup parameter. An empty inline keyboard
// yields nil: it means "no keyboard".
func parseMarkup(raw string, inlineOnly bool) (*markup, *apiError) {
	if raw == "" {
		return nil, nil
	}
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	canonical, err := json.Marshal(obj)
	if err != nil {
		return nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	m := &markup{canonical: canonical}
	switch {
	case obj["inline_keyboard"] != nil:
		kb, apiErr := parseInlineKeyboard(obj["inline_keyboard"])
		if apiErr != nil {
			return nil, apiErr
		}
		if len(kb) == 0 {
			return nil, nil
		}
		m.inline, m.keyboard = true, kb
		return m, nil
	case inlineOnly:
		return nil, badRequest("can't parse inline keyboard markup JSON object")
	case obj["keyboard"] != nil:
		rows, ok := obj["keyboard"].([]any)
		if !ok {
			return nil, badRequest("field \"keyboard\" of the ReplyKeyboardMarkup must be an Array")
		}
		for _, row := range rows {
			if _, ok := row.([]any); !ok {
				return nil, badRequest("field \"keyboard\" of the ReplyKeyboardMarkup must be an Array of Arrays")
			}
		}
		return m, nil
	case obj["remove_keyboard"] == true, obj["force_reply"] == true:
		return m, nil
	}
	return nil, badRequest("can't parse reply keyboard markup JSON object")
}

func parseInlineKeyboard(v any) ([][]Button, *apiError) {
	rows, ok := v.([]any)
	if !ok {
		return nil, badRequest("field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array")
	}
	var kb [][]Button
	total := 0
	for _, row := range rows {
		buttons, ok := row.([]any)
		if !ok {
			return nil, badRequest("field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array of Arrays")
		}
		out := make([]Button, 0, len(buttons))
		for _, raw := range buttons {
			b, apiErr := parseInlineButton(raw)
			if apiErr != nil {
				return nil, apiErr
			}
			out = append(out, b)
		}
		total += len(out)
		if len(out) > 0 {
			kb = append(kb, out)
		}
	}
	if total > maxInlineButtons {
		return nil, badRequest("reply markup is too long")
	}
	return kb, nil
}

func parseInlineButton(raw any) (Button, *apiError) {
	obj, ok := raw.(map[string]any)
	if !ok {
		return Button{}, badRequest("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
	}
	text, ok := obj["text"].(string)
	if !ok {
		return Button{}, badRequest("can't parse inline keyboard button: Field \"text\" must be of type String")
	}
	if strings.TrimSpace(text) == "" {
		return Button{}, badRequest("BUTTON_TEXT_INVALID")
	}
	actions := 0
	for _, a := range inlineActions {
		if _, ok := obj[a]; ok {
			actions++
		}
	}
	if actions == 0 {
		return Button{}, badRequest("text buttons are unallowed in the inline keyboard")
	}
	b := Button{Text: text}
	if v, ok := obj["callback_data"]; ok {
		data, ok := v.(string)
		if !ok || len(data) < 1 || len(data) > 64 {
			return Button{}, &apiError{Code: 400, Description: DescButtonDataBad}
		}
		b.CallbackData = data
	}
	if v, ok := obj["url"]; ok {
		u, _ := v.(string)
		if !validButtonURL(u) {
			return Button{}, badRequest(fmt.Sprintf("inline keyboard button URL '%s' is invalid: Wrong HTTP URL", u))
		}
		b.URL = u
	}
	return b, nil
}

func validButtonURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return u.Host != ""
	case "tg", "ton":
		return true
	}
	return false
}
