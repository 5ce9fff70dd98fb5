package telegramtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// queuedUpdate is one update in the queue, already encoded.
type queuedUpdate struct {
	id   int
	kind string
	raw  []byte
	// acked marks a pending update a webhook delivered out of order
	// (other chats' earlier updates were still being delivered).
	acked bool
}

// updateQueue holds the updates for getUpdates. Its lock is never held
// while a long poll waits; waiters sleep on wake.
type updateQueue struct {
	mu     sync.Mutex
	nextID int
	log    []queuedUpdate // retained updates by id: log[:pend] confirmed, log[pend:] pending
	pend   int
	// ackedAhead counts the entries of log[pend:] with acked set.
	ackedAhead int
	again      []queuedUpdate // Redeliver'ed updates, served before the pending ones
	// allowed is the allowed_updates filter; nil means the default set.
	allowed map[string]bool
	poll    *poller // the long poll waiting now, if any
	wake    notifier
	retain  int
	// hook is the webhook set by setWebhook, nil while polling.
	hook *webhook
	// closed is set by Close; no webhook starts after it.
	closed bool
}

// poller is a waiting long poll. Whoever ends it sets desc (under the
// queue's lock) and closes terminated.
type poller struct {
	terminated chan struct{}
	desc       string
}

// conflict is the 409 answer of a poll that was ended by another request.
func (p *poller) conflict() response {
	desc := p.desc
	if desc == "" {
		desc = DescConflict
	}
	return errResponse(&apiError{Code: 409, Description: desc})
}

// terminatePoll ends the waiting long poll, if any, with a 409 carrying
// desc; q.mu is held.
func (q *updateQueue) terminatePoll(desc string) {
	if q.poll != nil {
		q.poll.desc = desc
		close(q.poll.terminated)
		q.poll = nil
	}
}

func (q *updateQueue) init(first, retain int) {
	q.nextID = first
	q.retain = retain
}

// defaultExcluded are the update types not delivered unless asked for.
var defaultExcluded = map[string]bool{
	"chat_member": true, "message_reaction": true, "message_reaction_count": true,
}

func (q *updateQueue) allows(kind string) bool {
	if q.allowed == nil {
		return !defaultExcluded[kind]
	}
	return q.allowed[kind]
}

// confirm applies a getUpdates offset; q.mu is held.
func (q *updateQueue) confirm(offset int) {
	switch {
	case offset > 0:
		for q.pend < len(q.log) && q.log[q.pend].id < offset {
			q.advance()
		}
	case offset < 0:
		if keep := -offset; len(q.log)-q.pend > keep {
			q.skipTo(len(q.log) - keep)
		}
		q.again = nil
	}
	q.trim()
}

// advance confirms log[pend]; q.mu is held.
func (q *updateQueue) advance() {
	if q.log[q.pend].acked {
		q.ackedAhead--
	}
	q.pend++
}

// skipTo confirms every update before log[i]; q.mu is held.
func (q *updateQueue) skipTo(i int) {
	for q.pend < i {
		q.advance()
	}
}

// ack confirms the single update id, as a webhook's 2xx answer does, and
// moves pend over the confirmed prefix; q.mu is held.
func (q *updateQueue) ack(id int) {
	i, found := sort.Find(len(q.log), func(i int) int { return id - q.log[i].id })
	if !found || i < q.pend || q.log[i].acked {
		return
	}
	q.log[i].acked = true
	q.ackedAhead++
	for q.pend < len(q.log) && q.log[q.pend].acked {
		q.advance()
	}
	q.trim()
}

// pending counts the unconfirmed updates; q.mu is held.
func (q *updateQueue) pending() int {
	return len(q.log) - q.pend - q.ackedAhead + len(q.again)
}

// trim forgets confirmed updates beyond the retention; q.mu is held.
func (q *updateQueue) trim() {
	if q.pend > 2*q.retain+1024 {
		drop := q.pend - q.retain
		q.log = slices.Clone(q.log[drop:])
		q.pend -= drop
	}
}

// take returns up to limit updates to deliver; q.mu is held.
func (q *updateQueue) take(limit int) [][]byte {
	var out [][]byte
	for len(q.again) > 0 && len(out) < limit {
		out = append(out, q.again[0].raw)
		q.again = q.again[1:]
	}
	for i := q.pend; i < len(q.log) && len(out) < limit; i++ {
		if !q.log[i].acked {
			out = append(out, q.log[i].raw)
		}
	}
	return out
}

// push queues an update whose fields after update_id are rest (the JSON
// text `"message":{…}`), unless allowed_updates filters its kind out. It
// returns the update_id, which is assigned either way.
func (s *Server) push(kind string, rest []byte) int {
	q := &s.queue
	q.mu.Lock()
	id := q.nextID
	q.nextID++
	if q.allows(kind) {
		raw := make([]byte, 0, len(rest)+24)
		raw = append(raw, `{"update_id":`...)
		raw = strconv.AppendInt(raw, int64(id), 10)
		raw = append(raw, ',')
		raw = append(raw, rest...)
		raw = append(raw, '}')
		q.log = append(q.log, queuedUpdate{id: id, kind: kind, raw: raw})
		if q.hook != nil {
			s.assignLocked(q.hook)
		}
	}
	q.mu.Unlock()
	q.wake.broadcast()
	s.changed.broadcast()
	return id
}

// enqueue queues an update of one kind with the given JSON payload.
func (s *Server) enqueue(kind string, payload any) int {
	b, err := json.Marshal(payload)
	if err != nil {
		panic("telegramtest: marshal update: " + err.Error())
	}
	rest := make([]byte, 0, len(b)+len(kind)+4)
	rest = strconv.AppendQuote(rest, kind)
	rest = append(rest, ':')
	rest = append(rest, b...)
	return s.push(kind, rest)
}

func (s *Server) getUpdates(ctx context.Context, r *request) response {
	limit := 100
	if r.has("limit") {
		limit = int(min(max(r.int("limit"), 1), 100))
	}
	timeout := min(time.Duration(max(r.int("timeout"), 0))*time.Second, s.cfg.maxPoll)
	allowed, resp := parseAllowed(r)
	if resp != nil {
		return *resp
	}

	q := &s.queue
	q.mu.Lock()
	if q.hook != nil {
		q.mu.Unlock()
		return errResponse(&apiError{Code: 409, Description: DescWebhookActive})
	}
	q.setAllowed(allowed)
	q.confirm(int(r.int("offset")))
	// The newer request wins; the waiting one gets 409.
	q.terminatePoll(DescConflict)
	batch := q.take(limit)
	if len(batch) > 0 || timeout <= 0 {
		q.mu.Unlock()
		s.changed.broadcast()
		return updatesResult(batch)
	}
	me := &poller{terminated: make(chan struct{})}
	q.poll = me
	wake := q.wake.wait()
	q.mu.Unlock()
	s.changed.broadcast()

	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		select {
		case <-wake:
		case <-me.terminated:
			return me.conflict()
		case <-timer.C:
			return s.endPoll(me, limit)
		case <-ctx.Done():
			s.endPoll(me, 0)
			return response{closed: true}
		case <-s.closing:
			s.endPoll(me, 0)
			return updatesResult(nil)
		}
		q.mu.Lock()
		if q.poll != me {
			q.mu.Unlock()
			return me.conflict()
		}
		if batch = q.take(limit); len(batch) > 0 {
			q.poll = nil
			q.mu.Unlock()
			s.changed.broadcast()
			return updatesResult(batch)
		}
		wake = q.wake.wait()
		q.mu.Unlock()
	}
}

// endPoll ends a long poll that timed out or was abandoned.
func (s *Server) endPoll(me *poller, limit int) response {
	q := &s.queue
	q.mu.Lock()
	if q.poll != me {
		q.mu.Unlock()
		return me.conflict()
	}
	q.poll = nil
	var batch [][]byte
	if limit > 0 {
		batch = q.take(limit)
	}
	q.mu.Unlock()
	s.changed.broadcast()
	return updatesResult(batch)
}

func updatesResult(batch [][]byte) response {
	n := 2
	for _, u := range batch {
		n += len(u) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, u := range batch {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, u...)
	}
	b = append(b, ']')
	return response{result: b}
}

func (s *Server) getMe(context.Context, *request) response {
	return okResult(wireBot{User: s.bot, CanJoinGroups: true})
}

// Pending returns how many queued updates the bot has not confirmed yet
// (plus Redeliver'ed ones not yet fetched).
func (s *Server) Pending() int {
	q := &s.queue
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.pending()
}

// Acked reports whether updateID was confirmed: the bot called getUpdates
// with a higher offset, a webhook answered its POST with a 2xx status, or
// the update was dropped by a negative offset or drop_pending_updates.
// Updates filtered out by allowed_updates count as confirmed once the
// updates before them are.
func (s *Server) Acked(updateID int) bool {
	q := &s.queue
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.pend < len(q.log) {
		if updateID < q.log[q.pend].id {
			return true
		}
		if q.ackedAhead > 0 {
			i, found := sort.Find(len(q.log), func(i int) int { return updateID - q.log[i].id })
			return found && q.log[i].acked
		}
		return false
	}
	return updateID < q.nextID
}

// Polling reports whether a getUpdates long poll is waiting right now.
// Use it with WaitFor to wait until a bot has started polling.
func (s *Server) Polling() bool {
	q := &s.queue
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.poll != nil
}

// Redeliver queues an already delivered (or confirmed) update again, so
// the next getUpdates returns it once more whatever its offset, the way
// Telegram sometimes delivers an update twice. While a webhook is set the
// update is POSTed to it again, after the chat's updates already queued
// for delivery. It returns false if the update is unknown or no longer
// retained (see WithRetainedUpdates).
func (s *Server) Redeliver(updateID int) bool {
	q := &s.queue
	q.mu.Lock()
	i, found := sort.Find(len(q.log), func(i int) int { return updateID - q.log[i].id })
	if found {
		u := q.log[i]
		u.acked = false
		if h := q.hook; h != nil && !h.stopped {
			s.toLane(h, u, true)
		} else {
			q.again = append(q.again, u)
		}
	}
	q.mu.Unlock()
	if found {
		q.wake.broadcast()
		s.changed.broadcast()
	}
	return found
}

// AddUpdate queues an arbitrary update and returns its update_id. v is a
// JSON object without (or with a to-be-replaced) update_id, given as
// json.RawMessage, []byte, string, map[string]any or any value that
// marshals to one, such as a tgbotapi.Update.
func (s *Server) AddUpdate(v any) (int, error) {
	var raw []byte
	switch x := v.(type) {
	case json.RawMessage:
		raw = x
	case []byte:
		raw = x
	case string:
		raw = []byte(x)
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return 0, fmt.Errorf("telegramtest: AddUpdate: %w", err)
		}
		raw = b
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return 0, fmt.Errorf("telegramtest: AddUpdate: %w", err)
	}
	delete(obj, "update_id")
	keys := make([]string, 0, len(obj))
	for k, v := range obj {
		if string(v) != "null" {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return 0, errors.New("telegramtest: AddUpdate: update has no content field")
	}
	sort.Strings(keys)
	var rest []byte
	for i, k := range keys {
		if i > 0 {
			rest = append(rest, ',')
		}
		rest = strconv.AppendQuote(rest, k)
		rest = append(rest, ':')
		rest = append(rest, obj[k]...)
	}
	return s.push(keys[0], rest), nil
}

// userMessage stores a message from a user in chatID and queues it as an
// update of the given kind ("message" or "edited_message").
func (s *Server) userMessage(chatID int64, from User, kind string, fill func(*msg)) int {
	c := s.chat(chatID)
	c.mu.Lock()
	defer c.mu.Unlock()
	m := &msg{Message: Message{ID: c.newID(), ChatID: chatID, From: c.setSender(from), Date: s.now(), Kind: "text"}}
	fill(m)
	m.RawText = m.Text
	c.add(m)
	return s.enqueue(kind, c.wire(m, false))
}

// SendText simulates a user writing text in the private chat chatID and
// returns the update_id. from may be the zero User (the chat's user, see
// SetUser) or a user whose zero ID means chatID; it becomes the chat's
// user. Text starting with a command ("/start payload") gets a
// bot_command entity, as Telegram adds.
func (s *Server) SendText(chatID int64, from User, text string) int {
	return s.userMessage(chatID, from, "message", func(m *msg) {
		m.Text, m.entities = text, commandEntity(text)
	})
}

// SendGroupText simulates from writing text in the group chatID (a
// positive id is negated) and returns the update_id. Ids at or below
// -1000000000000 are supergroups.
func (s *Server) SendGroupText(chatID int64, from User, text string) int {
	if chatID > 0 {
		chatID = -chatID
	}
	return s.SendText(chatID, from, text)
}

// SendSticker simulates a user sending a sticker with the given emoji.
func (s *Server) SendSticker(chatID int64, from User, emoji string) int {
	return s.userMessage(chatID, from, "message", func(m *msg) {
		m.Kind = "sticker"
		m.media = s.fileJSON(map[string]any{
			"type": "regular", "width": 512, "height": 512,
			"is_animated": false, "is_video": false, "emoji": emoji, "file_size": 24576,
		})
	})
}

// SendPhoto simulates a user sending a photo with an optional caption.
func (s *Server) SendPhoto(chatID int64, from User, caption string) int {
	return s.userMessage(chatID, from, "message", func(m *msg) {
		m.Kind, m.Text = "photo", caption
		small := s.fileJSON(map[string]any{"width": 90, "height": 67, "file_size": 1254})
		large := s.fileJSON(map[string]any{"width": 1280, "height": 960, "file_size": 98765})
		m.media = json.RawMessage("[" + string(small) + "," + string(large) + "]")
	})
}

// SendVoice simulates a user sending a voice message of the given length.
func (s *Server) SendVoice(chatID int64, from User, seconds int) int {
	return s.userMessage(chatID, from, "message", func(m *msg) {
		m.Kind = "voice"
		m.media = s.fileJSON(map[string]any{"duration": seconds, "mime_type": "audio/ogg", "file_size": 4000 * max(seconds, 1)})
	})
}

// SendDocument simulates a user sending a file.
func (s *Server) SendDocument(chatID int64, from User, fileName, mimeType string) int {
	return s.userMessage(chatID, from, "message", func(m *msg) {
		m.Kind = "document"
		m.media = s.fileJSON(map[string]any{"file_name": fileName, "mime_type": mimeType, "file_size": 12345})
	})
}

// SendLocation simulates a user sharing a location.
func (s *Server) SendLocation(chatID int64, from User, latitude, longitude float64) int {
	return s.userMessage(chatID, from, "message", func(m *msg) {
		m.Kind = "location"
		m.media, _ = json.Marshal(map[string]float64{"latitude": latitude, "longitude": longitude})
	})
}

// fileJSON adds fresh file_id/file_unique_id fields to a file object.
func (s *Server) fileJSON(fields map[string]any) json.RawMessage {
	n := s.fileSeq.Add(1)
	fields["file_id"] = fmt.Sprintf("telegramtest-file-%d", n)
	fields["file_unique_id"] = fmt.Sprintf("tt%d", n)
	b, _ := json.Marshal(fields)
	return b
}

// EditText simulates the user editing their earlier text message
// messageID in chatID and returns the update_id of the edited_message
// update, or 0 if the chat has no such user message.
func (s *Server) EditText(chatID int64, messageID int, text string) int {
	c := s.chat(chatID)
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.live(messageID)
	if m == nil || m.From.IsBot || m.Kind != "text" {
		return 0
	}
	m.Text, m.RawText, m.entities = text, text, commandEntity(text)
	m.EditDate = s.now()
	m.Edits++
	return s.enqueue("edited_message", c.wire(m, false))
}

// Kick simulates the user blocking the bot (in a group: removing it): it
// queues a my_chat_member update with new status "kicked", returns its
// update_id, and makes later sends to the chat fail with 403 until Unkick
// or Unblock.
func (s *Server) Kick(chatID int64) int {
	return s.memberUpdate(chatID, "member", "kicked", true)
}

// Unkick simulates the user unblocking the bot (restarting it): a
// my_chat_member update from "kicked" to "member"; sends work again.
func (s *Server) Unkick(chatID int64) int {
	return s.memberUpdate(chatID, "kicked", "member", false)
}

func (s *Server) memberUpdate(chatID int64, oldStatus, newStatus string, blocked bool) int {
	c := s.chat(chatID)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.blocked = blocked
	member := func(status string) wireChatMember {
		m := wireChatMember{User: s.bot, Status: status}
		if status == "kicked" {
			m.UntilDate = new(int64)
		}
		return m
	}
	return s.enqueue("my_chat_member", wireChatMemberUpdated{
		Chat:          c.wireChat(),
		From:          c.sender(),
		Date:          s.now().Unix(),
		OldChatMember: member(oldStatus),
		NewChatMember: member(newStatus),
	})
}

// commandEntity returns the bot_command entity Telegram adds to a text
// that starts with a command, or nil.
func commandEntity(text string) json.RawMessage {
	if !strings.HasPrefix(text, "/") {
		return nil
	}
	n := 1 + commandChars(text[1:])
	if n == 1 {
		return nil
	}
	if n < len(text) && text[n] == '@' {
		if k := commandChars(text[n+1:]); k > 0 {
			n += 1 + k
		}
	}
	return json.RawMessage(`[{"type":"bot_command","offset":0,"length":` + strconv.Itoa(n) + `}]`)
}

func commandChars(s string) int {
	n := 0
	for n < len(s) {
		c := s[n]
		if c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			n++
			continue
		}
		break
	}
	return n
}
