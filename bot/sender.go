package bot

import (
	"container/heap"
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"golang.org/x/time/rate"

	"lotse/flows"
)

// sender delivers committed replies to Telegram: each chat's replies in
// order, chats independently of each other, within a global rate limit
// and a per-chat one, with at most window sends in flight. A chat that is
// rate limited (429) or failing waits on its own; the others go on.
//
// A reply is acknowledged in the outbox after Telegram accepted it, so a
// crash can repeat at most the replies in flight, never more than one per
// chat; with the default window of 1, at most one message per crash.
type sender struct {
	b      *Bot
	api    *tgbotapi.BotAPI
	global *rate.Limiter
	// blocked is called (on the chat's worker) when a chat blocked the bot;
	// broadcast is the broadcast of the refused reply, if any.
	blocked func(chat int64, broadcast uint64)

	// window is how many sends may be in flight (see run). With more than
	// one, delivered replies are acknowledged by ackLoop, many in one
	// transaction, instead of holding a send slot until their commit.
	window int
	acks   chan delivery

	mu      sync.Mutex
	chats   map[int64]*chatQueue
	ready   readyHeap // chats with replies, not in flight, by notBefore
	pending int       // replies queued or in flight
	wake    chan struct{}
}

// chatQueue is one chat's replies waiting for delivery.
type chatQueue struct {
	chat      int64
	replies   []flows.Reply
	limiter   *rate.Limiter // the chat's own rate
	notBefore time.Time     // earliest next send (rate limit, 429, backoff)
	inFlight  bool
	index     int // in the ready heap, -1 if not there
	attempts  int // failed attempts of the first reply
	idleSince time.Time
}

func newSender(b *Bot, api *tgbotapi.BotAPI, blocked func(chat int64, broadcast uint64)) *sender {
	return &sender{
		b: b, api: api, blocked: blocked,
		global: rate.NewLimiter(b.cfg.GlobalRate, max(1, b.cfg.GlobalBurst)),
		chats:  map[int64]*chatQueue{},
		wake:   make(chan struct{}, 1),
	}
}

// enqueue queues committed replies for delivery.
func (s *sender) enqueue(replies []flows.Reply) {
	if len(replies) == 0 {
		return
	}
	now := time.Now()
	s.mu.Lock()
	for _, r := range replies {
		q := s.chats[r.Chat]
		if q == nil {
			q = &chatQueue{chat: r.Chat, index: -1, limiter: rate.NewLimiter(s.b.cfg.ChatRate, max(1, s.b.cfg.ChatBurst))}
			s.chats[r.Chat] = q
		}
		q.replies = append(q.replies, r)
		s.pending++
		if !q.inFlight && q.index < 0 {
			s.schedule(q, now)
		}
	}
	s.mu.Unlock()
	s.signal()
}

// schedule puts a chat with replies into the ready heap, no earlier than
// its own rate limit allows. s.mu is held.
func (s *sender) schedule(q *chatQueue, now time.Time) {
	if d := q.limiter.ReserveN(now, 1).DelayFrom(now); now.Add(d).After(q.notBefore) {
		q.notBefore = now.Add(d)
	}
	heap.Push(&s.ready, q)
}

func (s *sender) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Pending returns how many replies wait for delivery or are in flight.
func (s *sender) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pending
}

// run delivers with window goroutines until ctx ends, or, once drain is
// closed, until nothing is left to deliver.
func (s *sender) run(ctx context.Context, window int, drain <-chan struct{}) {
	s.window = max(1, window)
	if s.window > 1 {
		s.acks = make(chan delivery, 4*s.window)
		acked := make(chan struct{})
		go func() { s.ackLoop(ctx); close(acked) }()
		defer func() { close(s.acks); <-acked }()
	}
	var wg sync.WaitGroup
	for range max(1, window) {
		wg.Go(func() {
			for {
				q, r, ok := s.next(ctx, drain)
				if !ok {
					return
				}
				s.deliver(ctx, q, r)
			}
		})
	}
	wg.Go(func() { s.sweep(ctx, drain) })
	wg.Wait()
}

// next waits for the next reply that may be sent now. Once drain is
// closed, it returns false as soon as nothing is left to deliver.
func (s *sender) next(ctx context.Context, drain <-chan struct{}) (*chatQueue, flows.Reply, bool) {
	draining := false
	for {
		s.mu.Lock()
		now := time.Now()
		if s.ready.Len() > 0 && !s.ready[0].notBefore.After(now) {
			q := heap.Pop(&s.ready).(*chatQueue)
			q.inFlight = true
			r := q.replies[0]
			s.mu.Unlock()
			return q, r, true
		}
		wait := time.Hour
		if s.ready.Len() > 0 {
			wait = s.ready[0].notBefore.Sub(now)
		}
		idle := s.pending == 0
		s.mu.Unlock()
		if !draining {
			select {
			case <-drain:
				draining = true
			default:
			}
		}
		if idle && draining {
			s.signal() // let the other senders see it too
			return nil, flows.Reply{}, false
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, flows.Reply{}, false
		case <-s.wake:
		case <-t.C:
		case <-drain:
			draining = true
		}
		t.Stop()
	}
}

// outcome is what became of one attempt to deliver a reply.
type outcome int

const (
	delivered  outcome = iota // accepted, or pointless to repeat: acknowledge
	retryLater                // 429 or a transient failure: keep it, wait
	chatGone                  // 403: the user blocked the bot
	giveUp                    // failed too often: leave it in the outbox
)

// deliver sends the first reply of q and decides what comes next.
func (s *sender) deliver(ctx context.Context, q *chatQueue, r flows.Reply) {
	if err := s.global.Wait(ctx); err != nil {
		s.finish(q, retryLater, 0)
		return
	}
	out, wait := s.attempt(r, q.attempts)
	switch out {
	case delivered:
		if s.window > 1 {
			// Free the send slot now; the chat stays in flight until the
			// acknowledgement is durable, so a crash repeats at most one
			// message per chat.
			s.acks <- delivery{q, r}
			return
		}
		s.b.ack(ctx, r)
	case chatGone:
		s.b.log.Info("chat blocked the bot; marking it inactive")
		s.mu.Lock()
		dropped := q.replies
		s.mu.Unlock()
		s.b.ack(ctx, dropped...)
		s.blocked(r.Chat, r.Broadcast)
	case giveUp:
		s.b.log.Warn("delivery failed repeatedly; the reply stays in the outbox for the next start", "reply", r.ID)
	}
	s.finish(q, out, wait)
}

// delivery is a reply Telegram accepted, to be acknowledged.
type delivery struct {
	q *chatQueue
	r flows.Reply
}

// ackLoop acknowledges delivered replies: everything that arrived while
// the previous transaction committed goes into the next one (no timer),
// and then their chats may send again.
func (s *sender) ackLoop(ctx context.Context) {
	var batch []delivery
	var rs []flows.Reply
	for first := range s.acks {
		batch, rs = append(batch[:0], first), append(rs[:0], first.r)
	more:
		for len(batch) < 512 {
			select {
			case d, ok := <-s.acks:
				if !ok {
					break more
				}
				batch, rs = append(batch, d), append(rs, d.r)
			default:
				break more
			}
		}
		s.b.ack(ctx, rs...)
		for _, d := range batch {
			s.finish(d.q, delivered, 0)
		}
	}
}

// finish records the outcome and reschedules the chat if it has more.
func (s *sender) finish(q *chatQueue, out outcome, wait time.Duration) {
	now := time.Now()
	s.mu.Lock()
	q.inFlight = false
	switch out {
	case delivered, giveUp:
		q.replies = q.replies[1:]
		q.attempts = 0
		s.pending--
	case chatGone:
		s.pending -= len(q.replies)
		q.replies = nil
		q.attempts = 0
	case retryLater:
		q.attempts++
		q.notBefore = now.Add(wait)
	}
	if len(q.replies) > 0 {
		s.schedule(q, now)
	} else {
		q.idleSince = now
	}
	s.mu.Unlock()
	s.signal()
}

// attempt sends r once and classifies the result.
func (s *sender) attempt(r flows.Reply, attempts int) (outcome, time.Duration) {
	_, err := s.api.Request(chattable(r))
	if err == nil {
		s.b.sent(r)
		return delivered, 0
	}
	var te *tgbotapi.Error
	if !errors.As(err, &te) || te.Code >= 500 {
		if attempts+1 >= deliverAttempts {
			return giveUp, 0
		}
		bo := backoff{min: 500 * time.Millisecond, max: 30 * time.Second}
		var d time.Duration
		for range attempts + 1 {
			d = bo.next()
		}
		s.b.log.Info("delivery failed, retrying", "in", d, "err", err)
		return retryLater, d
	}
	switch {
	case te.Code == 429:
		wait := time.Duration(max(te.RetryAfter, 1)) * time.Second
		s.b.log.Info("rate limited by Telegram", "retry_after", wait)
		return retryLater, wait
	case te.Code == 403:
		return chatGone, 0
	case te.Code == 400 && strings.Contains(te.Message, "message is not modified"):
		return delivered, 0
	case te.Code == 400 && r.Op == flows.OpEdit && editGone(te.Message):
		// The old message is gone: say it anew.
		r.Op, r.MessageID = flows.OpSend, 0
		return s.attempt(r, attempts)
	case te.Code == 400 && r.Op == flows.OpClearButtons && editGone(te.Message):
		return delivered, 0
	}
	s.b.log.Error("Telegram refused a reply; dropping it", "reply", r.ID, "code", te.Code, "err", te.Message)
	return delivered, 0
}

// sweep forgets idle chats whose rate limiter has refilled, so memory
// follows the chats active in the last minute, not all chats ever seen.
func (s *sender) sweep(ctx context.Context, drain <-chan struct{}) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-drain:
			return
		case now := <-t.C:
			s.mu.Lock()
			for id, q := range s.chats {
				if len(q.replies) == 0 && !q.inFlight && now.Sub(q.idleSince) > time.Minute {
					delete(s.chats, id)
				}
			}
			s.mu.Unlock()
		}
	}
}

// readyHeap orders chats by the time they may send next.
type readyHeap []*chatQueue

func (h readyHeap) Len() int           { return len(h) }
func (h readyHeap) Less(i, j int) bool { return h[i].notBefore.Before(h[j].notBefore) }
func (h readyHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *readyHeap) Push(x any) {
	q := x.(*chatQueue)
	q.index = len(*h)
	*h = append(*h, q)
}
func (h *readyHeap) Pop() any {
	old := *h
	q := old[len(old)-1]
	old[len(old)-1] = nil
	q.index = -1
	*h = old[:len(old)-1]
	return q
}
