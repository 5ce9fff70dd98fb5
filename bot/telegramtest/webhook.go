package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"syscall"
	"time"
)

// Webhook delivery timing. Telegram's own retry schedule is not
// documented ("a reasonable amount of attempts"); the fake retries quickly
// and forever so that tests of failing receivers stay fast.
const (
	webhookMinBackoff     = 50 * time.Millisecond
	webhookMaxBackoff     = time.Second
	defaultWebhookTimeout = 60 * time.Second
	defaultMaxConnections = 40
	maxSecretTokenLen     = 256
	// SecretTokenHeader is the header that carries a webhook's secret_token
	// in every POST.
	SecretTokenHeader = "X-Telegram-Bot-Api-Secret-Token"
)

// WithWebhookTimeout sets how long the server waits for a webhook's answer
// before it counts the POST as failed and delivers the update again later
// (default 60 s).
func WithWebhookTimeout(d time.Duration) Option {
	return func(c *config) { c.webhookTimeout = d }
}

// Delivery is one POST of an update to a webhook.
type Delivery struct {
	UpdateID int
	URL      string
	// Time is when the POST started (by the server's clock, see WithClock).
	Time time.Time
	// StatusCode is the receiver's HTTP status, 0 if no answer arrived.
	StatusCode int
	// Err is the connection error or timeout when no answer arrived.
	Err error
	// Redelivery marks a POST of an update queued again by Redeliver.
	Redelivery bool
}

// OK reports whether the receiver confirmed the update with a 2xx status.
func (d Delivery) OK() bool { return d.Err == nil && d.StatusCode >= 200 && d.StatusCode < 300 }

// webhook is an active setWebhook. Everything but the fixed settings is
// guarded by the queue's lock.
type webhook struct {
	url, secret, ip string
	maxConn         int
	cert            bool // a certificate was uploaded (and is ignored)

	stop    chan struct{} // closed when the webhook is deleted or replaced, or the server closes
	stopped bool
	prev    <-chan struct{} // done of the webhook this one replaced
	done    chan struct{}   // closed once stopped and all lanes ended
	running int             // lane goroutines
	sem     chan struct{}   // max_connections slots

	// lanes holds each chat's updates waiting for delivery, in order; a
	// lane exists exactly while its goroutine runs.
	lanes map[int64]*lane
	// scanID is the update_id from which log entries still have to be
	// put into lanes.
	scanID int

	lastErrDate time.Time
	lastErrMsg  string
}

type lane struct{ items []laneItem }

type laneItem struct {
	u    queuedUpdate
	redo bool // queued by Redeliver, not (necessarily) pending in the log
}

// Webhook returns the webhook set by setWebhook: its URL and secret token
// ("" if none); ok is false while the bot polls with getUpdates.
func (s *Server) Webhook() (url, secret string, ok bool) {
	q := &s.queue
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.hook == nil {
		return "", "", false
	}
	return q.hook.url, q.hook.secret, true
}

// WebhookDeliveries returns every webhook POST so far in the order they
// ended (or the most recent ones, see WithMaxCalls).
func (s *Server) WebhookDeliveries() []Delivery {
	s.deliveriesMu.Lock()
	defer s.deliveriesMu.Unlock()
	return slices.Clone(s.deliveries)
}

// DeliveriesOf returns the webhook POSTs of one update in order.
func (s *Server) DeliveriesOf(updateID int) []Delivery {
	s.deliveriesMu.Lock()
	defer s.deliveriesMu.Unlock()
	var out []Delivery
	for _, d := range s.deliveries {
		if d.UpdateID == updateID {
			out = append(out, d)
		}
	}
	return out
}

func (s *Server) recordDelivery(d Delivery) {
	s.deliveriesMu.Lock()
	s.deliveries = append(s.deliveries, d)
	if m := s.cfg.maxCalls; m > 0 && len(s.deliveries) >= 2*m {
		s.deliveries = append([]Delivery(nil), s.deliveries[len(s.deliveries)-m:]...)
	}
	s.deliveriesMu.Unlock()
	s.changed.broadcast()
}

// parseAllowed reads the allowed_updates parameter: nil if absent, an
// empty non-nil slice for "[]".
func parseAllowed(r *request) ([]string, *response) {
	if !r.has("allowed_updates") {
		return nil, nil
	}
	var allowed []string
	if err := json.Unmarshal([]byte(r.str("allowed_updates")), &allowed); err != nil {
		return nil, &response{err: badRequest("can't parse allowed_updates JSON object"), malformed: true}
	}
	if allowed == nil {
		allowed = []string{}
	}
	return allowed, nil
}

// setAllowed applies a parsed allowed_updates; nil keeps the previous
// setting, an empty list restores the default; q.mu is held.
func (q *updateQueue) setAllowed(allowed []string) {
	if allowed == nil {
		return
	}
	q.allowed = nil
	if len(allowed) > 0 {
		q.allowed = make(map[string]bool, len(allowed))
		for _, k := range allowed {
			q.allowed[k] = true
		}
	}
}

func validSecret(secret string) bool {
	if len(secret) > maxSecretTokenLen {
		return false
	}
	for i := 0; i < len(secret); i++ {
		c := secret[i]
		if c != '_' && c != '-' && !(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func (s *Server) setWebhook(_ context.Context, r *request) response {
	raw := r.str("url")
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return response{err: &apiError{Code: 400, Description: DescWebhookURLInvalid}, malformed: true}
	}
	secret := r.str("secret_token")
	if !validSecret(secret) {
		return response{err: &apiError{Code: 400, Description: DescSecretTokenInvalid}, malformed: true}
	}
	maxConn := defaultMaxConnections
	if r.has("max_connections") {
		maxConn = int(min(max(r.int("max_connections"), 1), 100))
	}
	allowed, resp := parseAllowed(r)
	if resp != nil {
		return *resp
	}

	q := &s.queue
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return response{closed: true}
	}
	q.setAllowed(allowed)
	drop := r.bool("drop_pending_updates")
	if drop {
		q.skipTo(len(q.log))
		q.again = nil
	}
	h := &webhook{
		url:     raw,
		secret:  secret,
		ip:      r.str("ip_address"),
		cert:    r.has("certificate"),
		maxConn: maxConn,
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
		sem:     make(chan struct{}, maxConn),
		lanes:   make(map[int64]*lane),
	}
	if old := q.hook; old != nil {
		// Deliveries to the new URL wait for the old one's in-flight POSTs,
		// so that no chat's updates overtake each other.
		h.prev = old.done
		s.stopHookLocked(old, !drop)
	}
	q.terminatePoll(DescTerminatedBySetWebhook)
	q.hook = h
	// Redeliver'ed updates not fetched yet go first, as with getUpdates.
	again := q.again
	q.again = nil
	for _, u := range again {
		s.toLane(h, u, true)
	}
	s.assignLocked(h)
	q.mu.Unlock()
	q.wake.broadcast()
	s.changed.broadcast()
	return trueResult
}

func (s *Server) deleteWebhook(_ context.Context, r *request) response {
	drop := r.bool("drop_pending_updates")
	q := &s.queue
	q.mu.Lock()
	if drop {
		q.skipTo(len(q.log))
		q.again = nil
	}
	if q.hook != nil {
		s.stopHookLocked(q.hook, !drop)
		q.hook = nil
	}
	q.mu.Unlock()
	s.changed.broadcast()
	return trueResult
}

func (s *Server) getWebhookInfo(context.Context, *request) response {
	info := struct {
		URL                  string   `json:"url"`
		HasCustomCertificate bool     `json:"has_custom_certificate"`
		PendingUpdateCount   int      `json:"pending_update_count"`
		IPAddress            string   `json:"ip_address,omitempty"`
		LastErrorDate        int64    `json:"last_error_date,omitempty"`
		LastErrorMessage     string   `json:"last_error_message,omitempty"`
		MaxConnections       int      `json:"max_connections,omitempty"`
		AllowedUpdates       []string `json:"allowed_updates,omitempty"`
	}{}
	q := &s.queue
	q.mu.Lock()
	info.PendingUpdateCount = q.pending()
	if h := q.hook; h != nil {
		info.URL = h.url
		info.IPAddress = h.ip
		info.HasCustomCertificate = h.cert
		info.MaxConnections = h.maxConn
		if !h.lastErrDate.IsZero() {
			info.LastErrorDate = h.lastErrDate.Unix()
			info.LastErrorMessage = h.lastErrMsg
		}
		for k := range q.allowed {
			info.AllowedUpdates = append(info.AllowedUpdates, k)
		}
		sort.Strings(info.AllowedUpdates)
	}
	q.mu.Unlock()
	return okResult(info)
}

// stopHookLocked stops h's deliveries; POSTs in flight may still finish.
// With keepRedo, Redeliver'ed updates not yet POSTed go back to the
// getUpdates queue. q.mu is held.
func (s *Server) stopHookLocked(h *webhook, keepRedo bool) {
	if h.stopped {
		return
	}
	h.stopped = true
	close(h.stop)
	if keepRedo {
		var redo []queuedUpdate
		for _, l := range h.lanes {
			for _, it := range l.items {
				if it.redo {
					redo = append(redo, it.u)
				}
			}
		}
		sort.Slice(redo, func(i, j int) bool { return redo[i].id < redo[j].id })
		s.queue.again = append(s.queue.again, redo...)
	}
	h.lanes = nil
	if h.running == 0 {
		close(h.done)
	}
}

// assignLocked puts the pending updates h has not seen yet into their
// chats' lanes; q.mu is held.
func (s *Server) assignLocked(h *webhook) {
	if h.stopped {
		return
	}
	q := &s.queue
	i := sort.Search(len(q.log), func(i int) bool { return q.log[i].id >= h.scanID })
	for i = max(i, q.pend); i < len(q.log); i++ {
		u := q.log[i]
		h.scanID = u.id + 1
		if !u.acked {
			s.toLane(h, u, false)
		}
	}
}

// toLane appends u to its chat's lane, starting the lane's goroutine if it
// is idle; q.mu is held and h is not stopped.
func (s *Server) toLane(h *webhook, u queuedUpdate, redo bool) {
	key := laneKey(u)
	l := h.lanes[key]
	if l == nil {
		l = &lane{}
		h.lanes[key] = l
		h.running++
		s.hookWG.Add(1)
		go s.runLane(h, key, l)
	}
	l.items = append(l.items, laneItem{u: u, redo: redo})
}

// laneKey returns the chat an update belongs to (or its user, for updates
// without a chat); updates of one key are delivered one at a time, in
// order. Updates with neither share key 0.
func laneKey(u queuedUpdate) int64 {
	var upd map[string]json.RawMessage
	if json.Unmarshal(u.raw, &upd) != nil {
		return 0
	}
	type id struct {
		ID int64 `json:"id"`
	}
	var content struct {
		Chat    *id `json:"chat"`
		Message *struct {
			Chat id `json:"chat"`
		} `json:"message"`
		From *id `json:"from"`
		User *id `json:"user"`
	}
	if json.Unmarshal(upd[u.kind], &content) != nil {
		return 0
	}
	switch {
	case content.Chat != nil:
		return content.Chat.ID
	case content.Message != nil:
		return content.Message.Chat.ID
	case content.From != nil:
		return content.From.ID
	case content.User != nil:
		return content.User.ID
	}
	return 0
}

// runLane delivers one chat's updates in order until the lane is empty
// or the webhook stops.
func (s *Server) runLane(h *webhook, key int64, l *lane) {
	q := &s.queue
	defer s.hookWG.Done()
	defer func() {
		q.mu.Lock()
		h.running--
		if h.stopped && h.running == 0 {
			close(h.done)
		}
		q.mu.Unlock()
	}()
	if h.prev != nil {
		select {
		case <-h.prev:
		case <-h.stop:
			return
		case <-s.closing:
			return
		}
	}
	for {
		q.mu.Lock()
		if h.stopped {
			q.mu.Unlock()
			return
		}
		if len(l.items) == 0 {
			delete(h.lanes, key)
			q.mu.Unlock()
			return
		}
		it := l.items[0]
		q.mu.Unlock()

		ok := s.deliver(h, it)

		q.mu.Lock()
		if ok {
			q.ack(it.u.id)
		}
		stopped := h.stopped
		if !stopped {
			l.items[0] = laneItem{}
			l.items = l.items[1:]
		}
		q.mu.Unlock()
		if ok {
			s.changed.broadcast()
		}
		if stopped {
			return
		}
	}
}

// deliver POSTs it until the receiver answers 2xx (true) or the webhook
// stops (false), backing off between attempts.
func (s *Server) deliver(h *webhook, it laneItem) bool {
	backoff := webhookMinBackoff
	for {
		select {
		case <-h.stop:
			return false
		case <-s.closing:
			return false
		default:
		}
		select {
		case h.sem <- struct{}{}:
		case <-h.stop:
			return false
		case <-s.closing:
			return false
		}
		d := s.post(h, it)
		<-h.sem
		if !d.OK() {
			s.queue.mu.Lock()
			h.lastErrDate, h.lastErrMsg = d.Time, deliveryError(d)
			s.queue.mu.Unlock()
		}
		s.recordDelivery(d)
		if d.OK() {
			return true
		}
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-h.stop:
			t.Stop()
			return false
		case <-s.closing:
			t.Stop()
			return false
		}
		backoff = min(2*backoff, webhookMaxBackoff)
	}
}

// post makes one delivery attempt.
func (s *Server) post(h *webhook, it laneItem) Delivery {
	d := Delivery{UpdateID: it.u.id, URL: h.url, Time: s.now(), Redelivery: it.redo}
	ctx, cancel := context.WithTimeout(s.hookCtx, s.cfg.webhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(it.u.raw))
	if err != nil {
		d.Err = err
		return d
	}
	req.Header.Set("Content-Type", "application/json")
	if h.secret != "" {
		req.Header.Set(SecretTokenHeader, h.secret)
	}
	resp, err := s.hookClient.Do(req)
	if err != nil {
		d.Err = err
		return d
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	d.StatusCode = resp.StatusCode
	return d
}

// deliveryError renders a failed delivery the way getWebhookInfo's
// last_error_message does.
func deliveryError(d Delivery) string {
	if d.Err == nil {
		return fmt.Sprintf("Wrong response from the webhook: %d %s", d.StatusCode, http.StatusText(d.StatusCode))
	}
	var ne net.Error
	switch {
	case errors.Is(d.Err, syscall.ECONNREFUSED):
		return "Connection refused"
	case errors.Is(d.Err, context.DeadlineExceeded), errors.As(d.Err, &ne) && ne.Timeout():
		return "Read timeout expired"
	}
	return d.Err.Error()
}

// newHookClient returns the client that POSTs updates: its own transport
// (so Close can drop its idle connections) and no redirects, which
// Telegram counts as failed deliveries.
func newHookClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 100
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// closeHooks stops webhook deliveries for Close and waits for the lane
// goroutines; in-flight POSTs are cancelled.
func (s *Server) closeHooks() {
	q := &s.queue
	q.mu.Lock()
	q.closed = true
	if q.hook != nil {
		s.stopHookLocked(q.hook, false)
	}
	q.mu.Unlock()
	s.hookCancel()
	s.hookWG.Wait()
	s.hookClient.CloseIdleConnections()
}
