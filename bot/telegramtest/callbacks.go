package telegramtest

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"time"
)

// maxAnswerLen is the longest answerCallbackQuery text.
const maxAnswerLen = 200

type callbackQuery struct {
	chatID    int64
	messageID int
	data      string
	pressed   time.Time
	answered  bool
	answer    CallbackAnswer
}

// PressButton simulates the chat's user pressing an inline button with
// callback data on message messageID and returns the update_id and the
// callback query id the bot must answer. The update's message is the
// stored message with its current text and keyboard; if there is no such
// message it is an inaccessible message (date 0). data need not be on the
// keyboard, to simulate forged or stale buttons.
func (s *Server) PressButton(chatID int64, messageID int, data string) (updateID int, queryID string) {
	c := s.chat(chatID)
	c.mu.Lock()
	defer c.mu.Unlock()
	var message []byte
	if m := c.live(messageID); m != nil {
		message, _ = json.Marshal(c.wire(m, false))
	} else {
		message, _ = json.Marshal(struct {
			Chat      wireChat `json:"chat"`
			MessageID int      `json:"message_id"`
			Date      int64    `json:"date"`
		}{c.wireChat(), messageID, 0})
	}
	queryID = s.newQuery(chatID, messageID, data)
	updateID = s.enqueue("callback_query", wireCallbackQuery{
		ID:           queryID,
		From:         c.sender(),
		Message:      message,
		ChatInstance: strconv.FormatInt(chatID*7919+1, 10),
		Data:         data,
	})
	return updateID, queryID
}

// PressButtonByText presses the button labelled text on message messageID,
// using its callback data. ok is false if the message has no such callback
// button.
func (s *Server) PressButtonByText(chatID int64, messageID int, text string) (updateID int, queryID string, ok bool) {
	m, found := s.MessageByID(chatID, messageID)
	if !found {
		return 0, "", false
	}
	for _, row := range m.Keyboard {
		for _, b := range row {
			if b.Text == text && b.CallbackData != "" {
				updateID, queryID = s.PressButton(chatID, messageID, b.CallbackData)
				return updateID, queryID, true
			}
		}
	}
	return 0, "", false
}

func (s *Server) newQuery(chatID int64, messageID int, data string) string {
	s.queriesMu.Lock()
	defer s.queriesMu.Unlock()
	s.querySeq++
	id := strconv.FormatInt(5_000_000_000_000_000_000+s.querySeq, 10)
	s.queries[id] = &callbackQuery{chatID: chatID, messageID: messageID, data: data, pressed: s.now()}
	return id
}

func (s *Server) answerCallbackQuery(_ context.Context, r *request) response {
	if utf16Len(r.str("text")) > maxAnswerLen {
		return errResponse(badRequest("MESSAGE_TOO_LONG"))
	}
	id := r.str("callback_query_id")
	now := s.now()
	s.queriesMu.Lock()
	q := s.queries[id]
	if q == nil || q.answered || (s.cfg.queryTimeout > 0 && now.Sub(q.pressed) > s.cfg.queryTimeout) {
		s.queriesMu.Unlock()
		return errResponse(&apiError{Code: 400, Description: DescQueryInvalid})
	}
	q.answered = true
	q.answer = CallbackAnswer{
		QueryID:   id,
		Text:      r.str("text"),
		ShowAlert: r.bool("show_alert"),
		URL:       r.str("url"),
		CacheTime: int(r.int("cache_time")),
		Time:      now,
	}
	s.queriesMu.Unlock()
	s.changed.broadcast()
	return trueResult
}

// Answered reports whether the bot answered callback query queryID.
func (s *Server) Answered(queryID string) bool {
	_, ok := s.Answer(queryID)
	return ok
}

// Answer returns the bot's answer to callback query queryID.
func (s *Server) Answer(queryID string) (CallbackAnswer, bool) {
	s.queriesMu.Lock()
	defer s.queriesMu.Unlock()
	if q := s.queries[queryID]; q != nil && q.answered {
		return q.answer, true
	}
	return CallbackAnswer{}, false
}

// Unanswered returns the ids of callback queries the bot has not answered,
// oldest first. Telegram expects every callback query to be answered.
func (s *Server) Unanswered() []string {
	s.queriesMu.Lock()
	defer s.queriesMu.Unlock()
	var ids []string
	for id, q := range s.queries {
		if !q.answered {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b string) int {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		if a < b {
			return -1
		}
		if a > b {
			return 1
		}
		return 0
	})
	return ids
}
