package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"lotse/bot/telegramtest"
	"lotse/flows"
	"lotse/flows/content"
	"lotse/locales"
)

// binDir holds the binary built for the tests, removed by TestMain.
var binDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// built builds the real binary once for all tests.
var built = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "lotse-bin-")
	if err != nil {
		return "", err
	}
	binDir = dir
	bin := filepath.Join(dir, "lotse")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// buildLotse returns the real binary, built once per test run.
func buildLotse(t *testing.T) string {
	t.Helper()
	bin, err := built()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

type child struct {
	t   *testing.T
	cmd *exec.Cmd
	log *strings.Builder
}

func startChild(t *testing.T, bin, endpoint, db string, env ...string) *child {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "TELEGRAM_BOT_TOKEN="+telegramtest.DefaultToken,
		"TELEGRAM_API_ENDPOINT="+endpoint, "LOTSE_DB="+db, "LOG_LEVEL=debug")
	cmd.Env = append(cmd.Env, env...)
	log := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{t: t, cmd: cmd, log: log}
	t.Cleanup(func() { c.cmd.Process.Kill(); c.cmd.Wait() })
	return c
}

func (c *child) kill() {
	c.t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		c.t.Fatal(err)
	}
	c.cmd.Wait()
}

// TestSurvivesSIGKILL runs the real binary against the fake Bot API,
// kills it with SIGKILL twice — once between updates, once while a reply
// is on its way — and shows the user continues where they were, no reply
// is lost, and no handled update is answered twice (at most the one reply
// in flight at a kill is repeated).
func TestSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildLotse(t)
	srv := telegramtest.New(t, telegramtest.WithMaxPollTimeout(2*time.Second))
	db := filepath.Join(t.TempDir(), "lotse.db")
	set, err := flows.Load(content.Files)
	if err != nil {
		t.Fatal(err)
	}
	v := set.Flows["recognition"].Version
	const chat = 9009
	from := telegramtest.User{ID: chat, FirstName: "K", LanguageCode: "en"}

	// wait waits until the update was confirmed and the newest message
	// contains want.
	wait := func(c *child, u int, want string) {
		t.Helper()
		if !srv.WaitFor(15*time.Second, func() bool { return srv.Acked(u) && strings.Contains(lastText(srv, chat), want) }) {
			t.Fatalf("update %d: newest message %q, want %q\nchild log:\n%s", u, lastText(srv, chat), want, c.log)
		}
	}
	press := func(data string) int {
		t.Helper()
		u, _, ok := srv.PressData(chat, data)
		if !ok {
			t.Fatalf("no button %q", data)
		}
		return u
	}

	c := startChild(t, bin, srv.Endpoint(), db)
	wait(c, srv.SendText(chat, from, "/start"), "Which language")
	wait(c, press("l:en"), "Choose a topic")
	wait(c, press("f:recognition"), "Which profession")
	// Start-up registered the command menu and the profile once per
	// language, plus a default.
	perLang := map[string]int{}
	for _, c := range srv.CallsTo("setMyCommands") {
		perLang[c.Params["language_code"]]++
	}
	for _, lang := range append([]string{""}, locales.Order...) {
		if perLang[lang] != 1 {
			t.Errorf("setMyCommands for %q called %d times, want once", lang, perLang[lang])
		}
		if cmds := srv.Commands(lang); len(cmds) != len(flows.Commands) {
			t.Errorf("commands for %q: %v, want %d", lang, cmds, len(flows.Commands))
		}
	}
	if d := srv.Description("de"); !strings.Contains(d, "Sachsen-Anhalt") {
		t.Errorf("German description = %q", d)
	}
	c.kill()

	// Killed between updates: a new process continues the flow.
	c = startChild(t, bin, srv.Endpoint(), db)
	wait(c, srv.SendText(chat, from, "teacher"), "Where did you gain")

	// Killed while the reply is on its way: the answer to the next button
	// is committed, its delivery hangs, and the process dies.
	srv.FailNext("sendMessage", telegramtest.Slow(5*time.Second))
	u := press(fmt.Sprintf("c:recognition:%d:origin:third", v))
	if !srv.WaitFor(15*time.Second, func() bool { return srv.Acked(u) }) {
		t.Fatalf("update %d not confirmed\n%s", u, c.log)
	}
	c.kill()
	c = startChild(t, bin, srv.Endpoint(), db)
	wait(c, u, "live in Germany") // delivered from the outbox
	wait(c, press(fmt.Sprintf("c:recognition:%d:residence:abroad", v)), "LISA")
	// Nothing lost, nothing repeated beyond the one reply in flight.
	counts := map[string]int{}
	for _, s := range srv.Sent(chat) {
		counts[s]++
	}
	dups := 0
	for s, n := range counts {
		if n > 1 {
			dups += n - 1
			t.Logf("sent %d times: %.60q", n, s)
		}
	}
	if dups > 2 {
		t.Errorf("%d repeated messages after two kills, want at most one per kill (the reply in flight)", dups)
	}
	for _, q := range []string{"Which profession", "Where did you gain", "live in Germany", "LISA"} {
		found := false
		for s := range counts {
			found = found || strings.Contains(s, q)
		}
		if !found {
			t.Errorf("no message containing %q was ever sent: a reply was lost", q)
		}
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	if err := c.cmd.Wait(); err != nil {
		t.Errorf("exit after SIGTERM: %v\n%s", err, c.log)
	}
}

func lastText(srv *telegramtest.Server, chat int64) string {
	m, _ := srv.LastMessage(chat)
	return m.Text
}
