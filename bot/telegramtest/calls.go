package telegramtest

import (
	"context"
	"errors"
	"maps"
	"sync"
	"time"
)

// notifier wakes every goroutine waiting for a change. Waiters take the
// channel before checking their condition, so no change is missed; the
// channel is only allocated while someone waits.
type notifier struct {
	mu sync.Mutex
	ch chan struct{}
}

func (n *notifier) wait() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ch == nil {
		n.ch = make(chan struct{})
	}
	return n.ch
}

func (n *notifier) broadcast() {
	n.mu.Lock()
	if n.ch != nil {
		close(n.ch)
		n.ch = nil
	}
	n.mu.Unlock()
}

func (s *Server) record(c *Call) {
	s.callsMu.Lock()
	s.calls = append(s.calls, *c)
	s.callCounts[c.Method]++
	if m := s.cfg.maxCalls; m > 0 && len(s.calls) >= 2*m {
		s.calls = append([]Call(nil), s.calls[len(s.calls)-m:]...)
	}
	s.callsMu.Unlock()
	s.changed.broadcast()
}

// Calls returns every recorded API call in arrival order (or the most
// recent ones, see WithMaxCalls). The result is a copy.
func (s *Server) Calls() []Call {
	return s.callsWhere(func(*Call) bool { return true })
}

// CallsTo returns the recorded calls of one method (any spelling, e.g.
// "sendMessage"), in arrival order.
func (s *Server) CallsTo(method string) []Call {
	method = canonicalMethod(method)
	return s.callsWhere(func(c *Call) bool { return c.Method == method })
}

// CallCount returns how many calls of method were made ("*" counts all).
// It is cheap and not limited by WithMaxCalls.
func (s *Server) CallCount(method string) int {
	s.callsMu.Lock()
	defer s.callsMu.Unlock()
	if method == "*" {
		n := 0
		for _, c := range s.callCounts {
			n += c
		}
		return n
	}
	return s.callCounts[canonicalMethod(method)]
}

func (s *Server) callsWhere(keep func(*Call) bool) []Call {
	s.callsMu.Lock()
	defer s.callsMu.Unlock()
	var out []Call
	for i := range s.calls {
		if c := &s.calls[i]; keep(c) {
			cp := *c
			cp.Params = maps.Clone(c.Params)
			out = append(out, cp)
		}
	}
	return out
}

// WaitFor waits until cond returns true, re-checking it after every change
// of the server's state (a call, a message, an update, an answer). It
// returns false if timeout passes or the server closes first. cond may call
// the Server's inspection methods.
func (s *Server) WaitFor(timeout time.Duration, cond func() bool) bool {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return s.WaitContext(ctx, cond) == nil
}

// WaitContext is WaitFor bounded by a context: it returns nil once cond
// holds, or ctx.Err() (or ErrClosed when the server closes) otherwise.
func (s *Server) WaitContext(ctx context.Context, cond func() bool) error {
	for {
		changed := s.changed.wait()
		if cond() {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			if cond() {
				return nil
			}
			return ctx.Err()
		case <-s.closing:
			if cond() {
				return nil
			}
			return ErrClosed
		}
	}
}

// ErrClosed is returned by WaitContext when the server was closed.
var ErrClosed = errors.New("telegramtest: server closed")

// WaitForMessages waits until the chat shows at least n bot messages (see
// Messages) and returns them; ok is false on timeout.
func (s *Server) WaitForMessages(chatID int64, n int, timeout time.Duration) (msgs []Message, ok bool) {
	ok = s.WaitFor(timeout, func() bool {
		msgs = s.Messages(chatID)
		return len(msgs) >= n
	})
	return msgs, ok
}

// WaitForCalls waits until at least n calls of method were recorded and
// returns them; ok is false on timeout.
func (s *Server) WaitForCalls(method string, n int, timeout time.Duration) (calls []Call, ok bool) {
	ok = s.WaitFor(timeout, func() bool { return s.CallCount(method) >= n })
	return s.CallsTo(method), ok
}
