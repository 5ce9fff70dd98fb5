package bot

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// ctxClient is the HTTP client handed to go-telegram-bot-api, which has no
// context of its own: every request carries ctx (and a timeout), so
// cancelling ctx aborts even a long poll in flight. Keeping a context in a
// struct is the documented exception here: the library leaves no other way.
type ctxClient struct {
	ctx     context.Context
	http    *http.Client
	timeout time.Duration
	token   string
}

// Do sends req under the client's context and redacts the token from
// errors.
func (c *ctxClient) Do(req *http.Request) (*http.Response, error) {
	ctx := c.ctx
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		// The body is read after Do returns: cancel when it is closed.
		resp, err := c.http.Do(req.WithContext(ctx))
		if err != nil {
			cancel()
			return nil, redact(err, c.token)
		}
		resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
		return resp, nil
	}
	resp, err := c.http.Do(req.WithContext(ctx))
	return resp, redact(err, c.token)
}

type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// redact removes the token from an error's text. A *url.Error (which the
// HTTP client returns, with the URL that contains the token) is copied
// with its URL redacted, so errors.Is still sees the cause.
func redact(err error, token string) error {
	if err == nil || token == "" || !strings.Contains(err.Error(), token) {
		return err
	}
	var ue *url.Error
	if errors.As(err, &ue) && !strings.Contains(ue.Err.Error(), token) {
		return &url.Error{Op: ue.Op, URL: strings.ReplaceAll(ue.URL, token, "<token>"), Err: ue.Err}
	}
	return errors.New(strings.ReplaceAll(err.Error(), token, "<token>"))
}

// newAPI returns a client that sends every request under ctx, without
// calling getMe (the library's constructors do).
func newAPI(ctx context.Context, token, endpoint string, hc *http.Client, timeout time.Duration) *tgbotapi.BotAPI {
	api := &tgbotapi.BotAPI{
		Token:  token,
		Client: &ctxClient{ctx: ctx, http: hc, timeout: timeout, token: token},
		Buffer: 100,
	}
	api.SetAPIEndpoint(endpoint)
	return api
}
