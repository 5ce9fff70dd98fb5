package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"lotse/bot/telegramtest"
	"lotse/flows"
	"lotse/flows/content"
	"lotse/flows/flowstest"
	"lotse/locales"
	"lotse/store"
)

// crashStep is one thing a simulated user does: a text or command, or a
// press of the button with this callback data.
type crashStep struct{ text, press string }

// crashScript is what every simulated user does, in their language.
func crashScript(lang string, v int) []crashStep {
	c := func(step, opt string) string { return fmt.Sprintf("c:recognition:%d:%s:%s", v, step, opt) }
	return []crashStep{
		{text: "/start"},
		{press: "l:" + lang},
		{press: "f:recognition"},
		{text: "nurse"},
		{press: c("origin", "third")},
		{press: c("residence", "abroad")},
		{press: fmt.Sprintf("b:recognition:%d:result", v)},
		{press: c("residence", "germany")},
		{text: "/menu"},
		{press: "f:language"},
		{text: "/help"},
	}
}

// expectedRun plays a script through the engine alone (in memory) and
// returns the texts of the messages each step sends and the final session.
func expectedRun(t *testing.T, chat int64, lang string, script []crashStep) ([][]string, flows.Session) {
	t.Helper()
	set, err := flows.Load(content.Files)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	st := flowstest.NewMemStore()
	e, err := flows.NewEngine(flows.Config{Content: set, Store: st, Translator: cat})
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for i, s := range script {
		ev := flows.Event{UpdateID: int64(i + 1), Chat: chat, LangCode: lang, MessageID: 1}
		switch {
		case s.press != "":
			ev.Kind, ev.Data = flows.KindButton, s.press
		case strings.HasPrefix(s.text, "/"):
			ev.Kind, ev.Command = flows.KindCommand, s.text[1:]
		default:
			ev.Kind, ev.Text = flows.KindText, s.text
		}
		res, err := e.Handle(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		var sent []string
		for _, r := range res.Replies {
			if r.Op == flows.OpSend {
				sent = append(sent, r.Text)
			}
		}
		out = append(out, sent)
	}
	s, _, _ := st.Session(context.Background(), chat)
	return out, s
}

// TestCrashUnderLoad kills the real bot with SIGKILL at random moments
// while many users talk to it, restarts it each time, and checks that every
// user's conversation ends where it should, no reply is lost, and no more
// messages are repeated than there were kills.
func TestCrashUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("kills the real binary repeatedly")
	}
	const (
		users = 200
		kills = 20
	)
	bin := buildLotse(t)
	srv := telegramtest.New(t, telegramtest.WithMaxPollTimeout(time.Second), telegramtest.WithMaxCalls(1000), telegramtest.WithLogf(nil))
	db := filepath.Join(t.TempDir(), "lotse.db")
	env := []string{"LOTSE_SEND_RATE=off", "LOTSE_CHAT_RATE=off", "LOG_LEVEL=warn"}
	set, err := flows.Load(content.Files)
	if err != nil {
		t.Fatal(err)
	}
	v := set.Flows["recognition"].Version

	// Each user gets the expected transcript of their script.
	type user struct {
		chat     int64
		lang     string
		script   []crashStep
		expected [][]string
		final    flows.Session
	}
	us := make([]*user, users)
	for i := range us {
		lang := locales.Order[i%len(locales.Order)]
		u := &user{chat: int64(10000 + i), lang: lang, script: crashScript(lang, v)}
		u.expected, u.final = expectedRun(t, u.chat, lang, u.script)
		us[i] = u
	}

	c := startChild(t, bin, srv.Endpoint(), db, env...)
	var cmu sync.Mutex // guards c across kills
	updates := 0
	var umu sync.Mutex

	// sentContains reports whether the chat's sent texts contain want as a
	// subsequence (repeats in between allowed).
	sentContains := func(chat int64, want []string) bool {
		sent := srv.Sent(chat)
		j := 0
		for _, s := range sent {
			if j < len(want) && s == want[j] {
				j++
			}
		}
		return j == len(want)
	}

	// The users talk, each waiting for the bot's answer like a person.
	var wg sync.WaitGroup
	errs := make(chan string, users)
	for _, u := range us {
		wg.Go(func() {
			var want []string
			for i, s := range u.script {
				if s.press != "" {
					if _, _, ok := srv.PressData(u.chat, s.press); !ok {
						errs <- fmt.Sprintf("user %d step %d: no button %q", u.chat, i, s.press)
						return
					}
				} else {
					srv.SendText(u.chat, telegramtest.User{ID: u.chat, FirstName: "U", LanguageCode: u.lang}, s.text)
				}
				umu.Lock()
				updates++
				umu.Unlock()
				want = append(want, u.expected[i]...)
				if !srv.WaitFor(60*time.Second, func() bool { return sentContains(u.chat, want) }) {
					errs <- fmt.Sprintf("user %d step %d (%+v): reply lost (sent %d messages, want %d in order)", u.chat, i, s, len(srv.Sent(u.chat)), len(want))
					return
				}
			}
		})
	}

	// Meanwhile: kill the bot at random moments and start it again.
	rng := rand.New(rand.NewPCG(1, 2))
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	killed := 0
	for killed < kills {
		select {
		case <-done:
		case <-time.After(time.Duration(50+rng.IntN(250)) * time.Millisecond):
		}
		cmu.Lock()
		c.kill()
		killed++
		c = startChild(t, bin, srv.Endpoint(), db, env...)
		cmu.Unlock()
	}
	select {
	case <-done:
	case <-time.After(120 * time.Second):
		t.Fatal("users did not finish within 120s after the last kill")
	}
	close(errs)
	for e := range errs {
		t.Error(e)
	}

	// Stop gracefully, then compare every user's stored state with the
	// state the same script gives without any crash.
	c.cmd.Process.Signal(syscall.SIGTERM)
	if err := c.cmd.Wait(); err != nil {
		t.Errorf("exit after SIGTERM: %v\n%s", err, c.log)
	}
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	dups, total := 0, 0
	for _, u := range us {
		s, ok, err := st.Session(context.Background(), u.chat)
		if err != nil || !ok {
			t.Errorf("user %d: no session (%v)", u.chat, err)
			continue
		}
		if s.Lang != u.final.Lang || s.Flow != u.final.Flow || s.Step != u.final.Step || s.Paused != u.final.Paused ||
			fmt.Sprint(s.Answers) != fmt.Sprint(u.final.Answers) || fmt.Sprint(s.History) != fmt.Sprint(u.final.History) {
			t.Errorf("user %d ends at %s/%s %v, want %s/%s %v", u.chat, s.Flow, s.Step, s.Answers, u.final.Flow, u.final.Step, u.final.Answers)
		}
		want := 0
		for _, e := range u.expected {
			want += len(e)
		}
		got := len(srv.Sent(u.chat))
		total += got
		dups += got - want
	}
	pending, _ := st.Pending(context.Background())
	t.Logf("%d users, %d updates, %d kills, %d messages sent, %d repeated, %d left in the outbox", users, updates, killed, total, dups, len(pending))
	if dups > killed {
		t.Errorf("%d repeated messages after %d kills, want at most one per kill", dups, killed)
	}
	if len(pending) > 0 {
		t.Errorf("%d replies still in the outbox after a graceful stop", len(pending))
	}
	if os.Getenv("LOTSE_CRASH_REPORT") != "" {
		os.WriteFile(os.Getenv("LOTSE_CRASH_REPORT"), []byte(fmt.Sprintf("users=%d updates=%d kills=%d sent=%d repeated=%d\n", users, updates, killed, total, dups)), 0o644)
	}
}
