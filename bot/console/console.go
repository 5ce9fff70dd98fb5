// Package console runs Lotse's flow engine as a chat in a terminal: the
// bot's messages are printed as plain text, buttons as "[1] Label", and
// typing a button's number presses it. It reads any io.Reader, so a chat
// can be scripted with piped input.
//
// # Caveats
//
// The terminal shows the conversation as a log: edits of earlier messages
// (marking a choice, removing old buttons) are not redrawn.
package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/net/html"

	"lotse/flows"
)

// Chat is a terminal chat with the engine.
type Chat struct {
	Handler flows.Handler
	Outbox  flows.Outbox
	In      io.Reader
	Out     io.Writer
	// ID is the chat's ID in the store; the terminal is one local user.
	ID int64
	// LangCode is the user's language, as a client would report it.
	LangCode string

	buttons []flows.Button // the buttons of the newest message, numbered from 1
}

// Run greets the user (as /start does), then reads lines until /quit, end
// of input or ctx ends.
func (c *Chat) Run(ctx context.Context) error {
	if err := c.flush(ctx); err != nil {
		return err
	}
	if err := c.send(ctx, flows.Event{Kind: flows.KindCommand, Command: "start"}); err != nil {
		return err
	}
	lines := make(chan string)
	errc := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(c.In)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		errc <- sc.Err()
		close(lines)
	}()
	for {
		fmt.Fprint(c.Out, "> ")
		var line string
		select {
		case <-ctx.Done():
			fmt.Fprintln(c.Out)
			return nil
		case l, ok := <-lines:
			if !ok {
				fmt.Fprintln(c.Out)
				if err := <-errc; err != nil {
					return fmt.Errorf("read input: %w", err)
				}
				return nil
			}
			line = strings.TrimSpace(l)
		}
		if line == "" {
			continue
		}
		if line == "/quit" || line == "/exit" {
			return nil
		}
		if err := c.send(ctx, c.event(line)); err != nil {
			return err
		}
	}
}

// event turns a typed line into an event: a button number presses that
// button, "/x args" is a command, anything else is text.
func (c *Chat) event(line string) flows.Event {
	if n, err := strconv.Atoi(line); err == nil && n >= 1 && n <= len(c.buttons) {
		b := c.buttons[n-1]
		if b.URL != "" {
			fmt.Fprintf(c.Out, "(open %s in your browser)\n", b.URL)
			return flows.Event{}
		}
		return flows.Event{Kind: flows.KindButton, Data: b.Data}
	}
	if strings.HasPrefix(line, "/") {
		cmd, args, _ := strings.Cut(line[1:], " ")
		return flows.Event{Kind: flows.KindCommand, Command: strings.ToLower(cmd), Text: args}
	}
	return flows.Event{Kind: flows.KindText, Text: line}
}

func (c *Chat) send(ctx context.Context, ev flows.Event) error {
	if ev.Kind == 0 {
		return nil
	}
	ev.Chat, ev.User, ev.LangCode = c.ID, c.ID, c.LangCode
	if _, err := c.Handler.Handle(ctx, ev); err != nil {
		return fmt.Errorf("handle input: %w", err)
	}
	return c.flush(ctx)
}

// flush prints and acknowledges this chat's replies in the outbox.
func (c *Chat) flush(ctx context.Context) error {
	pending, err := c.Outbox.Pending(ctx)
	if err != nil {
		return err
	}
	for _, r := range pending {
		if r.Chat != c.ID {
			continue
		}
		if r.Op == flows.OpSend {
			c.print(r)
		}
		if err := c.Outbox.Ack(ctx, r.ID); err != nil {
			return err
		}
	}
	return nil
}

func (c *Chat) print(r flows.Reply) {
	fmt.Fprintln(c.Out)
	fmt.Fprintln(c.Out, PlainText(r.Text))
	if len(r.Buttons) == 0 {
		return
	}
	c.buttons = c.buttons[:0]
	for _, row := range r.Buttons {
		var cells []string
		for _, b := range row {
			c.buttons = append(c.buttons, b)
			cell := fmt.Sprintf("[%d] %s", len(c.buttons), b.Label)
			if b.URL != "" {
				cell += " ↗"
			}
			cells = append(cells, cell)
		}
		fmt.Fprintln(c.Out, "  "+strings.Join(cells, "   "))
	}
}

// PlainText renders Telegram HTML for a terminal: tags are dropped, links
// become "text (address)", entities are decoded.
func PlainText(s string) string {
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	var href string
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			b.Write(z.Text())
		case html.StartTagToken:
			name, hasAttr := z.TagName()
			if string(name) == "a" {
				href = ""
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					if string(k) == "href" {
						href = string(v)
					}
				}
			}
		case html.EndTagToken:
			if name, _ := z.TagName(); string(name) == "a" && href != "" {
				fmt.Fprintf(&b, " (%s)", href)
				href = ""
			}
		}
	}
}
