package flowstest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"lotse/flows"
)

// Chat simulates one Telegram chat: it numbers the messages the bot sends
// and remembers their buttons, so a script can press them by label.
type Chat struct {
	ID       int64
	LangCode string
	// User is the user who acts (admin rights); zero means unknown.
	User     int64
	h        flows.Handler
	next     int
	messages map[int][][]flows.Button
	order    []int
	update   int64
}

// NewChat returns a chat with the given ID that talks to h.
func NewChat(h flows.Handler, id int64, langCode string) *Chat {
	return &Chat{ID: id, LangCode: langCode, h: h, messages: map[int][][]flows.Button{}}
}

// Do performs one script line (without its "> ") and returns the rendered
// lines of what the bot did.
func (c *Chat) Do(ctx context.Context, line string) ([]string, error) {
	c.update++
	ev := flows.Event{UpdateID: c.update, Chat: c.ID, User: c.User, LangCode: c.LangCode}
	switch {
	case strings.HasPrefix(line, "/"):
		cmd, args, _ := strings.Cut(line[1:], " ")
		ev.Kind, ev.Command, ev.Text = flows.KindCommand, cmd, args
	case strings.HasPrefix(line, "[!") && strings.HasSuffix(line, "]"):
		// forged or stale data, pressed on the newest message
		ev.Kind, ev.Data, ev.MessageID = flows.KindButton, line[2:len(line)-1], c.next
	case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
		label := line[1 : len(line)-1]
		msg, b, ok := c.find(label)
		if !ok {
			return nil, fmt.Errorf("no button %q on any message", label)
		}
		if strings.HasPrefix(label, "@") && b.Data != label[1:] {
			return nil, fmt.Errorf("no button with data %q on any message", label[1:])
		}
		ev.Kind, ev.Data, ev.MessageID = flows.KindButton, b.Data, msg
	case strings.HasPrefix(line, "{") && strings.HasSuffix(line, "}"):
		ev.Kind, ev.Media = flows.KindUnsupported, line[1:len(line)-1]
	default:
		ev.Kind, ev.Text = flows.KindText, line
	}
	res, err := c.h.Handle(ctx, ev)
	if err != nil {
		return nil, err
	}
	return c.Render(res), nil
}

// Press presses a button by its callback data on message msg, whether or
// not that message shows it (to simulate old or forged buttons).
func (c *Chat) Press(ctx context.Context, msg int, data string) ([]string, error) {
	c.update++
	res, err := c.h.Handle(ctx, flows.Event{UpdateID: c.update, Chat: c.ID, User: c.User, LangCode: c.LangCode,
		Kind: flows.KindButton, Data: data, MessageID: msg})
	if err != nil {
		return nil, err
	}
	return c.Render(res), nil
}

// find returns the newest message showing a button with the label, or
// with the callback data after "@".
func (c *Chat) find(label string) (int, flows.Button, bool) {
	data, byData := strings.CutPrefix(label, "@")
	for i := len(c.order) - 1; i >= 0; i-- {
		id := c.order[i]
		for _, row := range c.messages[id] {
			for _, b := range row {
				if b.Data != "" && (b.Label == label || byData && b.Data == data) {
					return id, b, true
				}
			}
		}
	}
	return 0, flows.Button{}, false
}

// Last returns the ID of the newest message the bot sent.
func (c *Chat) Last() int { return c.next }

// Render applies a result to the simulated chat and returns its lines.
func (c *Chat) Render(res flows.Result) []string {
	var out []string
	if res.Duplicate {
		out = append(out, "(duplicate, ignored)")
	}
	for _, r := range res.Replies {
		switch r.Op {
		case flows.OpSend:
			c.next++
			c.messages[c.next] = r.Buttons
			c.order = append(c.order, c.next)
			out = append(out, indent(fmt.Sprintf("< #%d ", c.next), r.Text)...)
			out = append(out, buttons(r.Buttons)...)
		case flows.OpEdit:
			c.messages[r.MessageID] = r.Buttons
			out = append(out, indent(fmt.Sprintf("~ #%d ", r.MessageID), r.Text)...)
			out = append(out, buttons(r.Buttons)...)
		case flows.OpClearButtons:
			c.messages[r.MessageID] = nil
			out = append(out, fmt.Sprintf("~ #%d (buttons removed)", r.MessageID))
		}
	}
	if res.Notice != "" {
		out = append(out, "! "+res.Notice)
	}
	return out
}

func indent(first, text string) []string {
	lines := strings.Split(text, "\n")
	out := []string{first + lines[0]}
	for _, l := range lines[1:] {
		out = append(out, strings.TrimRight("  "+l, " "))
	}
	return out
}

func buttons(rows [][]flows.Button) []string {
	var out []string
	for _, row := range rows {
		var cells []string
		for _, b := range row {
			if b.URL != "" {
				cells = append(cells, fmt.Sprintf("[%s ↗ %s]", b.Label, b.URL))
			} else {
				cells = append(cells, fmt.Sprintf("[%s → %s]", b.Label, b.Data))
			}
		}
		out = append(out, "  "+strings.Join(cells, " "))
	}
	return out
}

// Replay plays the "> " lines of a transcript through h as chat 1 and
// returns the whole transcript as the bot answers it now.
func Replay(ctx context.Context, h flows.Handler, script string) (string, error) {
	var out []string
	chat := NewChat(h, 1, "")
	for _, line := range strings.Split(strings.TrimRight(script, "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "#"):
			out = append(out, line)
			if v, ok := strings.CutPrefix(line, "# lang:"); ok {
				chat.LangCode = strings.TrimSpace(v)
			}
		case strings.HasPrefix(line, "> "):
			out = append(out, line)
			got, err := chat.Do(ctx, line[2:])
			if err != nil {
				return strings.Join(out, "\n"), fmt.Errorf("%s: %w", line, err)
			}
			out = append(out, got...)
		}
	}
	return strings.Join(out, "\n") + "\n", nil
}

// Golden compares got with the file at path, or writes it there when
// update is set. On a mismatch it reports the first differing line.
func Golden(t testing.TB, path, got string, update bool) {
	t.Helper()
	if update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) == got {
		return
	}
	wl, gl := strings.Split(string(want), "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			t.Errorf("%s:%d differs (go test -update rewrites it after review)\nwant: %s\n got: %s", path, i+1, w, g)
			return
		}
	}
}
