package telegramtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultToken is the bot token a Server accepts unless WithToken says
// otherwise. The part before the colon is the bot's user id.
const DefaultToken = "123:TEST"

// Server is an in-process fake of the Telegram Bot API. Create it with New
// in tests or Start elsewhere; all methods are safe for concurrent use.
type Server struct {
	cfg   config
	token string
	bot   User

	hts     *httptest.Server // set by New
	hs      *http.Server     // set by Start
	baseURL string

	closing   chan struct{}
	closeOnce sync.Once
	closeErr  error

	queue updateQueue

	chatsMu sync.RWMutex
	chats   map[int64]*chat

	queriesMu sync.Mutex
	queries   map[string]*callbackQuery
	querySeq  int64

	profileMu sync.Mutex
	commands  map[commandKey][]BotCommand
	texts     map[profileKey]string // descriptions, short descriptions, names

	faultsMu sync.Mutex
	faults   map[string][]Fault

	floodMu sync.Mutex
	flood   bucket

	callsMu    sync.Mutex
	calls      []Call
	callCounts map[string]int

	fileSeq atomic.Int64

	// Webhook delivery (see webhook.go).
	hookClient   *http.Client
	hookCtx      context.Context // cancelled by Close: aborts POSTs in flight
	hookCancel   context.CancelFunc
	hookWG       sync.WaitGroup // lane goroutines
	deliveriesMu sync.Mutex
	deliveries   []Delivery

	changed notifier // broadcast on every observable state change
}

type config struct {
	token        string
	bot          User
	lenient      bool
	strictChats  bool
	clock        func() time.Time
	logf         func(format string, args ...any)
	queryTimeout time.Duration
	limits       Limits
	firstUpdate  int
	retain       int
	maxCalls     int
	maxPoll      time.Duration

	webhookTimeout time.Duration
	onSend         func(chatID int64, m Message)
}

// WithOnSend calls f after every message the bot sent (sendMessage
// accepted), with the chat and the message; f runs on the request's
// goroutine, outside the server's locks, and must be quick. Load tests use
// it to time replies without polling.
func WithOnSend(f func(chatID int64, m Message)) Option { return func(c *config) { c.onSend = f } }

// Option configures a Server.
type Option func(*config)

// WithToken sets the bot token the server accepts (default DefaultToken).
// If the token starts with a number and a colon, that number becomes the
// bot's user id.
func WithToken(token string) Option { return func(c *config) { c.token = token } }

// WithBot sets the bot user that getMe returns and that sends the bot's
// messages. A zero ID is replaced by the id from the token.
func WithBot(u User) Option { return func(c *config) { c.bot = u } }

// WithLenientParams makes the server ignore unknown parameters, as the real
// Bot API does. By default the fake rejects them with 400 so that typos and
// parameters the real server would silently drop show up in tests.
func WithLenientParams() Option { return func(c *config) { c.lenient = true } }

// WithStrictChats makes sends to chats no user has written from (via
// SendText and friends, SetUser or Block) fail with 400 "chat not found",
// like the real API for users who never started the bot. By default any
// numeric chat id is accepted.
func WithStrictChats() Option { return func(c *config) { c.strictChats = true } }

// WithClock sets the clock used for message dates, call times, query expiry
// and flood limits (default time.Now).
func WithClock(now func() time.Time) Option { return func(c *config) { c.clock = now } }

// WithLogf sets where the server reports requests it rejects as malformed
// (unknown methods, unknown or missing parameters, bad JSON, bad HTML).
// New uses tb.Logf; Start logs nothing. Pass nil to silence.
func WithLogf(logf func(format string, args ...any)) Option {
	return func(c *config) { c.logf = logf }
}

// WithQueryTimeout makes callback queries expire: answering later than d
// after the press fails like the real API (which gives up after roughly
// 10-15 s). The default is no expiry.
func WithQueryTimeout(d time.Duration) Option { return func(c *config) { c.queryTimeout = d } }

// WithLimits turns on flood limits for sendMessage, editMessageText and
// editMessageReplyMarkup: over the limit the server answers 429 with a
// retry_after. See Limits and TelegramLimits.
func WithLimits(l Limits) Option { return func(c *config) { c.limits = l } }

// WithFirstUpdateID sets the update_id of the first queued update
// (default 1).
func WithFirstUpdateID(id int) Option { return func(c *config) { c.firstUpdate = id } }

// WithRetainedUpdates sets how many confirmed updates the server keeps so
// that Redeliver can queue them again (default 10000).
func WithRetainedUpdates(n int) Option { return func(c *config) { c.retain = n } }

// WithMaxCalls bounds the call log to the most recent n calls, for long
// load tests (default 0, unbounded). CallCount is not affected.
func WithMaxCalls(n int) Option { return func(c *config) { c.maxCalls = n } }

// WithMaxPollTimeout caps the getUpdates timeout parameter (default 50 s,
// the real server's cap).
func WithMaxPollTimeout(d time.Duration) Option { return func(c *config) { c.maxPoll = d } }

func newServer(opts []Option) *Server {
	cfg := config{
		token:       DefaultToken,
		clock:       time.Now,
		firstUpdate: 1,
		retain:      10000,
		maxPoll:     50 * time.Second,

		webhookTimeout: defaultWebhookTimeout,
	}
	for _, o := range opts {
		o(&cfg)
	}
	bot := cfg.bot
	if bot.ID == 0 {
		bot.ID = botIDFromToken(cfg.token)
	}
	bot.IsBot = true
	if bot.FirstName == "" {
		bot.FirstName = "Lotse Test"
	}
	if bot.Username == "" {
		bot.Username = "lotse_test_bot"
	}
	s := &Server{
		cfg:        cfg,
		token:      cfg.token,
		bot:        bot,
		closing:    make(chan struct{}),
		chats:      make(map[int64]*chat),
		queries:    make(map[string]*callbackQuery),
		commands:   make(map[commandKey][]BotCommand),
		texts:      make(map[profileKey]string),
		faults:     make(map[string][]Fault),
		callCounts: make(map[string]int),
		hookClient: newHookClient(),
	}
	s.hookCtx, s.hookCancel = context.WithCancel(context.Background())
	s.queue.init(cfg.firstUpdate, cfg.retain)
	return s
}

func botIDFromToken(token string) int64 {
	if i := strings.IndexByte(token, ':'); i > 0 {
		if id, err := strconv.ParseInt(token[:i], 10, 64); err == nil && id > 0 {
			return id
		}
	}
	return 123
}

// TB is the part of testing.TB that New uses; *testing.T and *testing.B
// satisfy it. Taking this instead of testing.TB keeps the package free of
// the testing package, so programs using Start link no test code.
type TB interface {
	Helper()
	Logf(format string, args ...any)
	Cleanup(func())
}

// New starts a fake Bot API server on a loopback port and stops it when the
// test ends. Rejected malformed requests are logged with tb.Logf unless
// WithLogf says otherwise.
func New(tb TB, opts ...Option) *Server {
	tb.Helper()
	opts = append([]Option{WithLogf(tb.Logf)}, opts...)
	s := newServer(opts)
	s.hts = httptest.NewServer(s)
	s.baseURL = s.hts.URL
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// NewServer is an alias of New.
func NewServer(tb TB, opts ...Option) *Server {
	tb.Helper()
	return New(tb, opts...)
}

// Start starts a fake Bot API server listening on addr (for example
// "127.0.0.1:0") that accepts token, for use outside tests (load tools,
// manual runs). An empty token means DefaultToken. Call Close to stop it.
func Start(addr, token string, opts ...Option) (*Server, error) {
	if token != "" {
		opts = append(opts, WithToken(token))
	}
	s := newServer(opts)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("telegramtest: listen %s: %w", addr, err)
	}
	s.hs = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.baseURL = "http://" + ln.Addr().String()
	go func() { _ = s.hs.Serve(ln) }()
	return s, nil
}

// Close stops the server. Pending long polls return at once with an empty
// result; webhook deliveries stop, POSTs in flight are cancelled, and
// Close waits for the delivery goroutines to end. Close is idempotent.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		close(s.closing)
		s.changed.broadcast()
		s.closeHooks()
		switch {
		case s.hts != nil:
			s.hts.Close()
		case s.hs != nil:
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := s.hs.Shutdown(ctx); err != nil {
				s.closeErr = s.hs.Close()
			}
		}
	})
	return s.closeErr
}

// URL returns the server's base URL, e.g. "http://127.0.0.1:41234".
func (s *Server) URL() string { return s.baseURL }

// Endpoint returns the API endpoint in go-telegram-bot-api's format, e.g.
// "http://127.0.0.1:41234/bot%s/%s", for NewBotAPIWithAPIEndpoint.
func (s *Server) Endpoint() string { return s.baseURL + "/bot%s/%s" }

// Token returns the bot token the server accepts.
func (s *Server) Token() string { return s.token }

// Bot returns the bot user that getMe reports.
func (s *Server) Bot() User { return s.bot }

func (s *Server) now() time.Time { return s.cfg.clock() }

func (s *Server) logf(format string, args ...any) {
	if s.cfg.logf == nil {
		return
	}
	select {
	case <-s.closing:
		return
	default:
	}
	s.cfg.logf(format, args...)
}

// apiError is an error answer of the Bot API.
type apiError struct {
	Code        int
	Description string
	RetryAfter  int
}

func badRequest(msg string) *apiError {
	return &apiError{Code: http.StatusBadRequest, Description: "Bad Request: " + msg}
}

// response is what a handler produces; ServeHTTP writes it.
type response struct {
	result []byte    // JSON of the result when err == nil
	err    *apiError // error answer
	// malformed marks a client error worth logging (unknown method or
	// parameter, missing parameter, bad value).
	malformed bool
	// closed means the server is closing or the client went away.
	closed bool
	// injected marks answers caused by Block, Kick or the flood limits.
	injected bool
}

func okResult(v any) response {
	b, err := json.Marshal(v)
	if err != nil {
		panic("telegramtest: marshal result: " + err.Error())
	}
	return response{result: b}
}

var trueResult = response{result: []byte("true")}

func errResponse(e *apiError) response { return response{err: e} }

// ServeHTTP implements the Bot API on paths of the form /bot<token>/<method>.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	call := Call{Time: s.now()}
	token, method, ok := splitPath(r.URL.Path)
	call.Method = method
	if !ok {
		s.finish(w, &call, response{err: &apiError{Code: 404, Description: DescNotFound}, malformed: true})
		return
	}
	params, perr := readParams(w, r)
	call.Params = params
	if id, err := strconv.ParseInt(params["chat_id"], 10, 64); err == nil {
		call.ChatID = id
	}
	if token != s.token {
		s.finish(w, &call, errResponse(&apiError{Code: 401, Description: DescUnauthorized}))
		return
	}
	spec, canonical, known := methods.lookup(method)
	call.Method = canonical
	if !known {
		s.finish(w, &call, response{err: &apiError{Code: 404, Description: DescNotFound}, malformed: true})
		return
	}
	ctx := r.Context()
	f, faulted := s.takeFault(canonical)
	if !faulted {
		s.finish(w, &call, s.serve(ctx, spec, canonical, params, perr))
		return
	}
	call.Injected = true
	var resp response
	if f.Applied {
		resp = s.serve(ctx, spec, canonical, params, perr) // takes effect; the answer may be lost below
	}
	if f.Delay > 0 && !s.sleep(ctx, f.Delay) {
		s.finish(w, &call, response{closed: true})
		return
	}
	switch {
	case f.Drop:
		s.record(&call)
		dropConnection(w)
	case f.Code != 0 && f.Body != "":
		call.Code, call.Description = f.Code, f.Body
		s.record(&call)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(f.Code)
		_, _ = w.Write([]byte(f.Body))
	case f.Code != 0:
		s.finish(w, &call, errResponse(f.apiError()))
	case f.Applied:
		s.finish(w, &call, resp)
	default: // a pure delay
		call.Injected = false
		s.finish(w, &call, s.serve(ctx, spec, canonical, params, perr))
	}
}

// serve answers a request for a known method.
func (s *Server) serve(ctx context.Context, spec *methodSpec, method string, params map[string]string, perr *apiError) response {
	switch {
	case spec == nil:
		return response{err: &apiError{Code: 501, Description: "Not Implemented: telegramtest does not fake " + method}, malformed: true}
	case perr != nil:
		return response{err: perr, malformed: true}
	}
	return s.handle(ctx, spec, params)
}

// handle validates params and runs the method.
func (s *Server) handle(ctx context.Context, spec *methodSpec, params map[string]string) response {
	params, err := spec.validate(params, s.cfg.lenient)
	if err != nil {
		return response{err: err, malformed: true}
	}
	h := handlers[spec.Name]
	return h(s, ctx, &request{method: spec.Name, p: params})
}

// handlers maps each faked method to its implementation.
var handlers map[string]func(*Server, context.Context, *request) response

func init() {
	handlers = map[string]func(*Server, context.Context, *request) response{
		"getMe":                  (*Server).getMe,
		"getUpdates":             (*Server).getUpdates,
		"setWebhook":             (*Server).setWebhook,
		"deleteWebhook":          (*Server).deleteWebhook,
		"getWebhookInfo":         (*Server).getWebhookInfo,
		"sendMessage":            (*Server).sendMessage,
		"editMessageText":        (*Server).editMessageText,
		"editMessageReplyMarkup": (*Server).editMessageReplyMarkup,
		"deleteMessage":          (*Server).deleteMessage,
		"sendChatAction":         (*Server).sendChatAction,
		"answerCallbackQuery":    (*Server).answerCallbackQuery,
		"setMyCommands":          (*Server).setMyCommands,
		"deleteMyCommands":       (*Server).deleteMyCommands,
		"getMyCommands":          (*Server).getMyCommands,
		"setMyDescription":       (*Server).setMyDescription,
		"getMyDescription":       (*Server).getMyDescription,
		"setMyShortDescription":  (*Server).setMyShortDescription,
		"getMyShortDescription":  (*Server).getMyShortDescription,
		"setMyName":              (*Server).setMyName,
		"getMyName":              (*Server).getMyName,
	}
	for _, m := range methods.Methods {
		if handlers[m.Name] == nil {
			panic("telegramtest: no handler for " + m.Name)
		}
	}
}

// splitPath splits "/bot<token>/<method>".
func splitPath(path string) (token, method string, ok bool) {
	rest, found := strings.CutPrefix(path, "/bot")
	if !found {
		return "", strings.TrimPrefix(path, "/"), false
	}
	token, method, found = strings.Cut(rest, "/")
	if !found || token == "" || method == "" || strings.Contains(method, "/") {
		return token, method, false
	}
	return token, method, true
}

// finish writes the answer and records the call.
func (s *Server) finish(w http.ResponseWriter, call *Call, resp response) {
	if resp.injected {
		call.Injected = true
	}
	if resp.closed && resp.err == nil && resp.result == nil {
		// The client went away or the server is closing: no answer.
		s.record(call)
		dropConnection(w)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if resp.err != nil {
		call.Code, call.Description = resp.err.Code, resp.err.Description
		if resp.malformed {
			s.logf("telegramtest: rejected %s %v: %d %s", call.Method, call.Params, resp.err.Code, resp.err.Description)
		}
		s.record(call)
		w.WriteHeader(resp.err.Code)
		_, _ = w.Write(errorBody(resp.err))
		return
	}
	call.Code = http.StatusOK
	s.record(call)
	body := make([]byte, 0, len(resp.result)+24)
	body = append(body, `{"ok":true,"result":`...)
	body = append(body, resp.result...)
	body = append(body, '}')
	_, _ = w.Write(body)
}

func errorBody(e *apiError) []byte {
	type params struct {
		RetryAfter int `json:"retry_after,omitempty"`
	}
	body := struct {
		OK          bool    `json:"ok"`
		ErrorCode   int     `json:"error_code"`
		Description string  `json:"description"`
		Parameters  *params `json:"parameters,omitempty"`
	}{ErrorCode: e.Code, Description: e.Description}
	if e.RetryAfter > 0 {
		body.Parameters = &params{RetryAfter: e.RetryAfter}
	}
	b, _ := json.Marshal(body)
	return b
}

// dropConnection closes the client's connection without an answer.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// sleep waits for d, the request's end or the server's close; it reports
// whether the full time passed.
func (s *Server) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
	case <-s.closing:
	}
	return false
}
