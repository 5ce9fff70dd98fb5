package telegramtest

import (
	"math"
	"net/http"
	"strconv"
	"time"
)

// Fault is an injected failure for one API call; see FailNext. The zero
// Code with Delay only slows the call down.
type Fault struct {
	// Code is the error_code (and HTTP status) to answer with, e.g. 429.
	Code int
	// Description overrides the default description for Code.
	Description string
	// RetryAfter is sent as parameters.retry_after (429 only; at least 1).
	RetryAfter int
	// Drop closes the connection without an answer instead.
	Drop bool
	// Delay waits this long before answering (or before serving the call
	// normally, if Code is 0 and Drop is false).
	Delay time.Duration
	// Body, if set with Code, is written verbatim as a text/html answer
	// instead of Bot API JSON, like a proxy's error page.
	Body string
	// Applied makes the call take effect before the fault replaces its
	// answer: a message sent whose confirmation was lost, or a getUpdates
	// whose offset was confirmed but whose updates never arrived.
	Applied bool
}

// TooManyRequests is a 429 "Too Many Requests: retry after N" with
// parameters.retry_after = N seconds.
func TooManyRequests(retryAfter int) Fault {
	return Fault{Code: http.StatusTooManyRequests, RetryAfter: retryAfter}
}

// BotBlocked is a 403 "Forbidden: bot was blocked by the user".
func BotBlocked() Fault { return Fault{Code: http.StatusForbidden} }

// Conflict is a 409 "Conflict: terminated by other getUpdates request; …".
func Conflict() Fault { return Fault{Code: http.StatusConflict} }

// Unauthorized is a 401 "Unauthorized", as after a token was revoked.
func Unauthorized() Fault { return Fault{Code: http.StatusUnauthorized} }

// InternalServerError is a 500 "Internal Server Error".
func InternalServerError() Fault { return Fault{Code: http.StatusInternalServerError} }

// BadGateway is a 502 "Bad Gateway" in Bot API JSON.
func BadGateway() Fault { return Fault{Code: http.StatusBadGateway} }

// BadGatewayHTML is a 502 answered with an HTML page, as a proxy in front
// of the API does; clients see a decoding error, not an API error.
func BadGatewayHTML() Fault {
	return Fault{Code: http.StatusBadGateway, Body: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"}
}

// DropConnection closes the connection without any answer.
func DropConnection() Fault { return Fault{Drop: true} }

// Slow delays the answer by d and then serves the call normally.
func Slow(d time.Duration) Fault { return Fault{Delay: d} }

func (f Fault) apiError() *apiError {
	e := &apiError{Code: f.Code, Description: f.Description}
	if f.Code == http.StatusTooManyRequests {
		e.RetryAfter = max(f.RetryAfter, 1)
	}
	if e.Description != "" {
		return e
	}
	switch f.Code {
	case http.StatusTooManyRequests:
		e.Description = DescTooManyRequests + strconv.Itoa(e.RetryAfter)
	case http.StatusForbidden:
		e.Description = DescBlocked
	case http.StatusConflict:
		e.Description = DescConflict
	case http.StatusUnauthorized:
		e.Description = DescUnauthorized
	case http.StatusInternalServerError:
		e.Description = DescInternal
	case http.StatusBadGateway:
		e.Description = DescBadGateway
	case http.StatusBadRequest:
		e.Description = "Bad Request"
	default:
		e.Description = http.StatusText(f.Code)
	}
	return e
}

// FailNext queues faults for the next calls of method (any spelling), one
// fault per call, in order. Method "*" matches calls of any known method;
// a method's own queue is used before the "*" queue. Note that a polling
// bot calls getUpdates constantly, so "*" faults usually hit getUpdates.
func (s *Server) FailNext(method string, faults ...Fault) {
	method = canonicalMethod(method)
	s.faultsMu.Lock()
	s.faults[method] = append(s.faults[method], faults...)
	s.faultsMu.Unlock()
}

// ClearFaults drops all queued faults.
func (s *Server) ClearFaults() {
	s.faultsMu.Lock()
	clear(s.faults)
	s.faultsMu.Unlock()
}

// PendingFaults returns how many queued faults have not fired yet.
func (s *Server) PendingFaults() int {
	s.faultsMu.Lock()
	defer s.faultsMu.Unlock()
	n := 0
	for _, q := range s.faults {
		n += len(q)
	}
	return n
}

func (s *Server) takeFault(method string) (Fault, bool) {
	s.faultsMu.Lock()
	defer s.faultsMu.Unlock()
	if len(s.faults) == 0 {
		return Fault{}, false
	}
	for _, key := range [2]string{method, "*"} {
		if q := s.faults[key]; len(q) > 0 {
			f := q[0]
			if len(q) == 1 {
				delete(s.faults, key)
			} else {
				s.faults[key] = q[1:]
			}
			return f, true
		}
	}
	return Fault{}, false
}

// Block makes every send, edit and chat action to chatID fail with 403
// "Forbidden: bot was blocked by the user" (for groups: "bot was kicked
// from the group chat") until Unblock. It queues no update; see Kick.
func (s *Server) Block(chatID int64) {
	c := s.chat(chatID)
	c.mu.Lock()
	c.blocked = true
	c.mu.Unlock()
	s.changed.broadcast()
}

// Unblock undoes Block and Kick for chatID, without queueing an update;
// see Unkick.
func (s *Server) Unblock(chatID int64) {
	c := s.chat(chatID)
	c.mu.Lock()
	c.blocked = false
	c.mu.Unlock()
	s.changed.broadcast()
}

// Blocked reports whether chatID is blocked by Block or Kick.
func (s *Server) Blocked(chatID int64) bool {
	c := s.lookupChat(chatID)
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.blocked
}

// Rate is a token bucket: Count events per Per, with bursts of up to Burst
// events (Burst 0 means Count).
type Rate struct {
	Count int
	Per   time.Duration
	Burst int
}

// Limits are flood limits the server enforces when WithLimits is given.
// A zero Rate is no limit.
type Limits struct {
	PerChat  Rate // messages to one private chat
	PerGroup Rate // messages to one group or supergroup
	Global   Rate // messages to all chats together
}

// TelegramLimits returns limits close to Telegram's published guidance:
// about one message per second per chat with short bursts, 20 per minute
// per group, 30 per second overall.
func TelegramLimits() Limits {
	return Limits{
		PerChat:  Rate{Count: 1, Per: time.Second, Burst: 3},
		PerGroup: Rate{Count: 20, Per: time.Minute, Burst: 20},
		Global:   Rate{Count: 30, Per: time.Second, Burst: 30},
	}
}

type bucket struct {
	tokens float64
	last   time.Time
}

// take removes one token if available; otherwise it reports how long until
// one is.
func (b *bucket) take(r Rate, now time.Time) (ok bool, wait time.Duration) {
	if r.Count <= 0 || r.Per <= 0 {
		return true, 0
	}
	rate := float64(r.Count) / r.Per.Seconds()
	burst := float64(r.Burst)
	if burst <= 0 {
		burst = float64(r.Count)
	}
	if b.last.IsZero() {
		b.tokens = burst
	} else if now.After(b.last) {
		b.tokens = math.Min(burst, b.tokens+now.Sub(b.last).Seconds()*rate)
	}
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / rate * float64(time.Second))
}

func floodError(wait time.Duration) *apiError {
	secs := max(int(math.Ceil(wait.Seconds())), 1)
	return &apiError{Code: http.StatusTooManyRequests, Description: DescTooManyRequests + strconv.Itoa(secs), RetryAfter: secs}
}

// checkFlood applies the flood limits to one message to c; c.mu is held.
func (s *Server) checkFlood(c *chat) *apiError {
	l := s.cfg.limits
	if l == (Limits{}) {
		return nil
	}
	now := s.now()
	r := l.PerChat
	if c.kind != "private" {
		r = l.PerGroup
	}
	if ok, wait := c.flood.take(r, now); !ok {
		return floodError(wait)
	}
	s.floodMu.Lock()
	ok, wait := s.flood.take(l.Global, now)
	s.floodMu.Unlock()
	if !ok {
		c.flood.tokens++ // refund the chat's token
		return floodError(wait)
	}
	return nil
}
