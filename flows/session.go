package flows

import "time"

// Session is everything Lotse keeps about one chat. It is deliberately
// small: no names, no message texts, only the answers a flow needs.
type Session struct {
	Chat int64 `json:"chat"`
	// Lang is the language the chat is served in; LangChosen is true once
	// the user picked it (rather than it being guessed).
	Lang       string `json:"lang,omitempty"`
	LangChosen bool   `json:"lang_chosen,omitempty"`
	// Flow, FlowVersion and Step say where the user is.
	Flow        string `json:"flow,omitempty"`
	FlowVersion int    `json:"flow_version,omitempty"`
	Step        string `json:"step,omitempty"`
	// Paused is true while the user looks at the main menu with a flow
	// still open.
	Paused bool `json:"paused,omitempty"`
	// Answers are the flow's answers by name (option and catalogue IDs).
	Answers map[string]string `json:"answers,omitempty"`
	// History holds the steps shown before the current one, for Back.
	History []string `json:"history,omitempty"`
	// LastUpdateID is the newest update handled for this chat.
	LastUpdateID int64 `json:"last_update_id,omitempty"`
	// TZ is the user's time zone for reminders; empty means DefaultTZ.
	TZ string `json:"tz,omitempty"`
	// Inactive is true when the user blocked the bot.
	Inactive bool `json:"inactive,omitempty"`
	// Draft is an admin's broadcast being written (/broadcast).
	Draft   *BroadcastDraft `json:"draft,omitempty"`
	Updated time.Time       `json:"updated"`
}

// redeliveryWindow is how long Telegram keeps an unconfirmed update; only
// within it can an update arrive twice. Update IDs may restart at random
// after a week without updates, so an older LastUpdateID says nothing.
const redeliveryWindow = 24 * time.Hour

// seen reports whether an event with this update ID was handled already.
func (s *Session) seen(updateID int64, now time.Time) bool {
	return updateID != 0 && updateID <= s.LastUpdateID && now.Sub(s.Updated) < redeliveryWindow
}
