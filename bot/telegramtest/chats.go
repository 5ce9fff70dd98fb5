package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"sync"
)

// chat is one chat's state. Each chat has its own lock, so traffic in
// different chats does not contend.
type chat struct {
	mu      sync.Mutex
	id      int64
	kind    string // "private", "group" or "supergroup"
	title   string
	user    User // the private chat's user, or the last group sender
	hasUser bool
	blocked bool
	nextID  int
	msgs    map[int]*msg
	order   []*msg
	sent    []string
	flood   bucket
}

// msg is a stored message. Message holds the exported view.
type msg struct {
	Message
	entities json.RawMessage
	inline   json.RawMessage // canonical inline keyboard markup, nil if none
	media    json.RawMessage // the photo/sticker/… field for non-text kinds
	replyTo  int
	deleted  bool
}

func newChat(id int64) *chat {
	c := &chat{id: id, kind: "private", msgs: make(map[int]*msg)}
	switch {
	case id <= -1_000_000_000_000:
		c.kind, c.title = "supergroup", "Test supergroup"
	case id < 0:
		c.kind, c.title = "group", "Test group"
	}
	return c
}

// lookupChat returns the chat or nil.
func (s *Server) lookupChat(id int64) *chat {
	s.chatsMu.RLock()
	c := s.chats[id]
	s.chatsMu.RUnlock()
	return c
}

// chat returns the chat, creating it if needed.
func (s *Server) chat(id int64) *chat {
	if c := s.lookupChat(id); c != nil {
		return c
	}
	s.chatsMu.Lock()
	defer s.chatsMu.Unlock()
	c := s.chats[id]
	if c == nil {
		c = newChat(id)
		s.chats[id] = c
	}
	return c
}

// targetChat resolves the chat_id parameter of a bot request.
func (s *Server) targetChat(r *request) (*chat, *apiError) {
	id, err := strconv.ParseInt(r.str("chat_id"), 10, 64)
	if err != nil || id == 0 {
		return nil, &apiError{Code: 400, Description: DescChatNotFound}
	}
	if s.cfg.strictChats {
		c := s.lookupChat(id)
		if c == nil {
			return nil, &apiError{Code: 400, Description: DescChatNotFound}
		}
		return c, nil
	}
	return s.chat(id), nil
}

// sender returns the user who writes in c; c.mu is held.
func (c *chat) sender() User {
	if c.hasUser {
		return c.user
	}
	if c.kind == "private" {
		return User{ID: c.id, FirstName: "Test"}
	}
	return User{ID: 1, FirstName: "Test"}
}

// setSender merges from into the chat's user and returns who writes;
// c.mu is held. A zero from means "the chat's user".
func (c *chat) setSender(from User) User {
	if from == (User{}) {
		return c.sender()
	}
	if from.ID == 0 {
		from.ID = c.sender().ID
	}
	if from.FirstName == "" {
		from.FirstName = "Test"
	}
	c.user, c.hasUser = from, true
	return from
}

func (c *chat) blockedError() *apiError {
	if c.kind == "private" {
		return &apiError{Code: 403, Description: DescBlocked}
	}
	return &apiError{Code: 403, Description: DescKickedFromGroup}
}

// add stores a new message; c.mu is held.
func (c *chat) add(m *msg) {
	c.msgs[m.ID] = m
	c.order = append(c.order, m)
}

func (c *chat) newID() int {
	c.nextID++
	return c.nextID
}

// live returns a stored message that was not deleted; c.mu is held.
func (c *chat) live(id int) *msg {
	if m := c.msgs[id]; m != nil && !m.deleted {
		return m
	}
	return nil
}

func (c *chat) wireChat() wireChat {
	w := wireChat{ID: c.id, Type: c.kind}
	if c.kind == "private" {
		u := c.sender()
		w.FirstName, w.LastName, w.Username = u.FirstName, u.LastName, u.Username
	} else {
		w.Title = c.title
	}
	return w
}

// wire renders m as a Bot API Message; c.mu is held.
func (c *chat) wire(m *msg, withReply bool) *wireMessage {
	from := m.From
	w := &wireMessage{
		MessageID:   m.ID,
		From:        &from,
		Chat:        c.wireChat(),
		Date:        m.Date.Unix(),
		Entities:    m.entities,
		ReplyMarkup: m.inline,
	}
	if !m.EditDate.IsZero() {
		w.EditDate = m.EditDate.Unix()
	}
	switch m.Kind {
	case "text":
		w.Text = m.Text
	case "photo":
		w.Photo, w.Caption = m.media, m.Text
	case "document":
		w.Document, w.Caption = m.media, m.Text
	case "voice":
		w.Voice, w.Caption = m.media, m.Text
	case "sticker":
		w.Sticker = m.media
	case "location":
		w.Location = m.media
	}
	if withReply && m.replyTo != 0 {
		if r := c.live(m.replyTo); r != nil {
			w.ReplyToMessage = c.wire(r, false)
		}
	}
	return w
}

// setMarkup stores a validated reply_markup on a bot message.
func (m *msg) setMarkup(mk *markup) {
	m.Keyboard, m.ReplyMarkup, m.inline = nil, nil, nil
	if mk == nil {
		return
	}
	m.ReplyMarkup = mk.canonical
	if mk.inline {
		m.inline = mk.canonical
		m.Keyboard = mk.keyboard
	}
}

func (m *msg) export() Message {
	out := m.Message
	if m.Keyboard != nil {
		out.Keyboard = make([][]Button, len(m.Keyboard))
		for i, row := range m.Keyboard {
			out.Keyboard[i] = slices.Clone(row)
		}
	}
	out.ReplyMarkup = slices.Clone(m.ReplyMarkup)
	return out
}

// replyTarget reads reply_to_message_id / reply_parameters.
func replyTarget(r *request) (id int, allowMissing bool) {
	id, allowMissing = int(r.int("reply_to_message_id")), r.bool("allow_sending_without_reply")
	if raw := r.str("reply_parameters"); raw != "" {
		var p struct {
			MessageID int  `json:"message_id"`
			Allow     bool `json:"allow_sending_without_reply"`
		}
		if json.Unmarshal([]byte(raw), &p) == nil && p.MessageID != 0 {
			id, allowMissing = p.MessageID, p.Allow
		}
	}
	return id, allowMissing
}

func (s *Server) sendMessage(_ context.Context, r *request) response {
	plain, ents, err := formatText(r.str("text"), r.str("parse_mode"), r.str("entities"))
	if err == nil {
		err = checkText(plain)
	}
	if err != nil {
		return errResponse(err)
	}
	mk, err := parseMarkup(r.str("reply_markup"), false)
	if err != nil {
		return errResponse(err)
	}
	c, err := s.targetChat(r)
	if err != nil {
		return errResponse(err)
	}
	replyTo, allowMissing := replyTarget(r)

	resp, sent := s.storeSent(c, r, plain, ents, mk, replyTo, allowMissing)
	if sent != nil && s.cfg.onSend != nil {
		s.cfg.onSend(c.id, *sent)
	}
	return resp
}

// storeSent records a message the bot sent; it returns the message when
// it was accepted.
func (s *Server) storeSent(c *chat, r *request, plain string, ents json.RawMessage, mk *markup, replyTo int, allowMissing bool) (response, *Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.blocked {
		return response{err: c.blockedError(), injected: true}, nil
	}
	if replyTo != 0 && c.live(replyTo) == nil {
		if !allowMissing {
			return errResponse(&apiError{Code: 400, Description: DescReplyNotFound}), nil
		}
		replyTo = 0
	}
	if err := s.checkFlood(c); err != nil {
		return response{err: err, injected: true}, nil
	}
	m := &msg{
		Message: Message{
			ID: c.newID(), ChatID: c.id, From: s.bot, Date: s.now(), Kind: "text",
			Text: plain, RawText: r.str("text"), ParseMode: r.str("parse_mode"),
		},
		entities: ents,
		replyTo:  replyTo,
	}
	m.setMarkup(mk)
	c.add(m)
	c.sent = append(c.sent, m.RawText)
	resp := okResult(c.wire(m, true))
	s.changed.broadcast()
	sent := m.Message
	return resp, &sent
}

// editTarget resolves chat_id + message_id of an edit.
func (s *Server) editTarget(r *request) (*chat, int, *apiError) {
	if r.has("inline_message_id") {
		return nil, 0, badRequest("MESSAGE_ID_INVALID") // inline messages are not faked
	}
	if !r.has("chat_id") {
		return nil, 0, badRequest("chat_id is empty")
	}
	if !r.has("message_id") {
		return nil, 0, badRequest("message identifier is not specified")
	}
	c, err := s.targetChat(r)
	return c, int(r.int("message_id")), err
}

func (s *Server) editMessageText(_ context.Context, r *request) response {
	if r.has("rich_message") {
		return errResponse(badRequest("rich_message is not supported by telegramtest"))
	}
	plain, ents, err := formatText(r.str("text"), r.str("parse_mode"), r.str("entities"))
	if err == nil {
		err = checkText(plain)
	}
	if err != nil {
		return errResponse(err)
	}
	mk, err := parseMarkup(r.str("reply_markup"), true)
	if err != nil {
		return errResponse(err)
	}
	c, id, err := s.editTarget(r)
	if err != nil {
		return errResponse(err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	m, err := s.editable(c, id)
	if err != nil {
		return response{err: err, injected: err.Code == 403}
	}
	if m.Kind != "text" {
		return errResponse(badRequest("there is no text in the message to edit"))
	}
	var inline json.RawMessage
	if mk != nil {
		inline = mk.canonical
	}
	if m.Text == plain && bytes.Equal(m.entities, ents) && bytes.Equal(m.inline, inline) {
		return errResponse(&apiError{Code: 400, Description: DescNotModified})
	}
	if err := s.checkFlood(c); err != nil {
		return response{err: err, injected: true}
	}
	m.Text, m.RawText, m.ParseMode, m.entities = plain, r.str("text"), r.str("parse_mode"), ents
	m.setMarkup(mk)
	return s.edited(c, m)
}

func (s *Server) editMessageReplyMarkup(_ context.Context, r *request) response {
	mk, err := parseMarkup(r.str("reply_markup"), true)
	if err != nil {
		return errResponse(err)
	}
	c, id, err := s.editTarget(r)
	if err != nil {
		return errResponse(err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	m, err := s.editable(c, id)
	if err != nil {
		return response{err: err, injected: err.Code == 403}
	}
	var inline json.RawMessage
	if mk != nil {
		inline = mk.canonical
	}
	if bytes.Equal(m.inline, inline) {
		return errResponse(&apiError{Code: 400, Description: DescNotModified})
	}
	if err := s.checkFlood(c); err != nil {
		return response{err: err, injected: true}
	}
	m.setMarkup(mk)
	return s.edited(c, m)
}

// editable finds a message the bot may edit; c.mu is held.
func (s *Server) editable(c *chat, id int) (*msg, *apiError) {
	if c.blocked {
		return nil, c.blockedError()
	}
	m := c.live(id)
	if m == nil {
		return nil, &apiError{Code: 400, Description: DescEditNotFound}
	}
	if !m.From.IsBot || m.From.ID != s.bot.ID {
		return nil, &apiError{Code: 400, Description: DescCantEdit}
	}
	return m, nil
}

// edited finishes an edit; c.mu is held.
func (s *Server) edited(c *chat, m *msg) response {
	m.EditDate = s.now()
	m.Edits++
	resp := okResult(c.wire(m, true))
	s.changed.broadcast()
	return resp
}

func (s *Server) deleteMessage(_ context.Context, r *request) response {
	c, err := s.targetChat(r)
	if err != nil {
		return errResponse(err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.live(int(r.int("message_id")))
	if m == nil {
		return errResponse(&apiError{Code: 400, Description: DescDeleteNotFound})
	}
	m.deleted = true
	s.changed.broadcast()
	return trueResult
}

// chatActions are the valid sendChatAction actions.
var chatActions = map[string]bool{
	"typing": true, "upload_photo": true, "record_video": true, "upload_video": true,
	"record_voice": true, "upload_voice": true, "upload_document": true,
	"choose_sticker": true, "find_location": true, "record_video_note": true,
	"upload_video_note": true,
}

func (s *Server) sendChatAction(_ context.Context, r *request) response {
	if !chatActions[r.str("action")] {
		return errResponse(badRequest("wrong parameter action in request"))
	}
	c, err := s.targetChat(r)
	if err != nil {
		return errResponse(err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.blocked {
		return response{err: c.blockedError(), injected: true}
	}
	return trueResult
}

// Messages returns the bot's messages in chatID that the user still sees,
// oldest first, with their current text and keyboard after edits.
func (s *Server) Messages(chatID int64) []Message {
	return s.history(chatID, true)
}

// History returns all messages in chatID that were not deleted, the
// user's and the bot's, oldest first.
func (s *Server) History(chatID int64) []Message {
	return s.history(chatID, false)
}

func (s *Server) history(chatID int64, botOnly bool) []Message {
	c := s.lookupChat(chatID)
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Message
	for _, m := range c.order {
		if !m.deleted && (!botOnly || m.From.IsBot) {
			out = append(out, m.export())
		}
	}
	return out
}

// LastMessage returns the bot's most recent visible message in chatID.
func (s *Server) LastMessage(chatID int64) (Message, bool) {
	c := s.lookupChat(chatID)
	if c == nil {
		return Message{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.order) - 1; i >= 0; i-- {
		if m := c.order[i]; !m.deleted && m.From.IsBot {
			return m.export(), true
		}
	}
	return Message{}, false
}

// MessageByID returns a message of chatID that was not deleted.
func (s *Server) MessageByID(chatID int64, messageID int) (Message, bool) {
	c := s.lookupChat(chatID)
	if c == nil {
		return Message{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if m := c.live(messageID); m != nil {
		return m.export(), true
	}
	return Message{}, false
}

// Sent returns the text parameter of every message the bot sent to chatID
// with sendMessage, in order, as sent (with markup), including messages
// later edited or deleted.
func (s *Server) Sent(chatID int64) []string {
	c := s.lookupChat(chatID)
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.sent)
}

// Chats returns the ids of all chats the server knows, sorted.
func (s *Server) Chats() []int64 {
	s.chatsMu.RLock()
	ids := make([]int64, 0, len(s.chats))
	for id := range s.chats {
		ids = append(ids, id)
	}
	s.chatsMu.RUnlock()
	slices.Sort(ids)
	return ids
}

// SetUser sets the user of the private chat u.ID, who sends the simulated
// messages and button presses there when no other sender is given.
func (s *Server) SetUser(u User) {
	c := s.chat(u.ID)
	c.mu.Lock()
	c.setSender(u)
	c.mu.Unlock()
	s.changed.broadcast()
}

// PressData presses the button with the given callback data on the newest
// bot message in chatID that shows it, as a user scrolling up would. ok is
// false if no message shows such a button.
func (s *Server) PressData(chatID int64, data string) (updateID int, queryID string, ok bool) {
	msgs := s.Messages(chatID)
	for i := len(msgs) - 1; i >= 0; i-- {
		for _, row := range msgs[i].Keyboard {
			for _, b := range row {
				if b.CallbackData == data {
					updateID, queryID = s.PressButton(chatID, msgs[i].ID, data)
					return updateID, queryID, true
				}
			}
		}
	}
	return 0, "", false
}
