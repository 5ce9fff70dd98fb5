package bot

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// maxWebhookBody bounds the size of an update Telegram posts; real updates
// are a few kilobytes.
const maxWebhookBody = 1 << 20

// webhookWait bounds how long an update may take to commit before the
// webhook answers 503 and Telegram delivers it again.
const webhookWait = 30 * time.Second

// serveWebhook registers the webhook with Telegram and serves the updates
// it posts until ctx ends. Each update is answered 200 only once it was
// committed, so an update is never confirmed before it is safe.
func (b *Bot) serveWebhook(ctx context.Context, dispatch func(job)) error {
	u, err := url.Parse(b.cfg.WebhookURL)
	if err != nil || u.Host == "" {
		return fmt.Errorf("webhook url %q: not an absolute URL", b.cfg.WebhookURL)
	}
	secret := b.cfg.WebhookSecret
	if secret == "" {
		secret = newSecret()
	}
	ln := b.cfg.WebhookListener
	if ln == nil {
		if ln, err = net.Listen("tcp", b.cfg.WebhookListen); err != nil {
			return fmt.Errorf("webhook listen %s: %w", b.cfg.WebhookListen, err)
		}
	}
	h := &webhookHandler{b: b, path: u.Path, secret: []byte(secret), dispatch: dispatch}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      webhookWait + 10*time.Second,
		ErrorLog:          slog.NewLogLogger(b.log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	params := tgbotapi.Params{"url": b.cfg.WebhookURL, "secret_token": secret, "max_connections": strconv.Itoa(40)}
	if err := params.AddInterface("allowed_updates", allowedUpdates); err != nil {
		return err
	}
	api := b.api(ctx, sendTimeout)
	if err := b.call(ctx, func() error { _, err := api.MakeRequest("setWebhook", params); return err }); err != nil {
		srv.Close()
		return fmt.Errorf("setWebhook: %w", err)
	}
	b.log.Info("receiving updates by webhook", "addr", ln.Addr().String(), "path", u.Path)

	select {
	case err = <-served:
		return fmt.Errorf("webhook server: %w", err)
	case <-ctx.Done():
	}
	// Stop taking updates; let the ones being committed finish.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		b.log.Warn("webhook server did not shut down cleanly", "err", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("webhook server: %w", err)
	}
	return nil
}

// newSecret returns a random secret token in Telegram's alphabet.
func newSecret() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// webhookHandler takes the updates Telegram posts.
type webhookHandler struct {
	b        *Bot
	path     string
	secret   []byte
	dispatch func(job)
}

// ServeHTTP checks the secret in constant time, reads at most
// maxWebhookBody bytes, hands the update to its chat's worker and answers
// once the update was committed.
func (h *webhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != h.path && !(h.path == "" && r.URL.Path == "/") {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	got := []byte(r.Header.Get("X-Telegram-Bot-Api-Secret-Token"))
	if subtle.ConstantTimeCompare(got, h.secret) != 1 {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	var u tgbotapi.Update
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxWebhookBody)).Decode(&u); err != nil {
		http.Error(w, "bad update", http.StatusBadRequest)
		return
	}
	j, ok := h.b.toJob(u)
	if !ok {
		w.WriteHeader(http.StatusOK) // nothing Lotse acts on: confirm it
		return
	}
	committed := make(chan struct{})
	j.done = func() { close(committed) }
	h.dispatch(j)
	t := time.NewTimer(webhookWait)
	defer t.Stop()
	select {
	case <-committed:
		w.WriteHeader(http.StatusOK)
	case <-r.Context().Done():
	case <-t.C:
		http.Error(w, "busy", http.StatusServiceUnavailable)
	}
}
