package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestSubcommands(t *testing.T) {
	tests := []struct {
		args   []string
		code   int
		stdout string
		stderr string
		noChat bool
	}{
		{args: []string{"version"}, code: 0, stdout: "lotse "},
		{args: []string{"help"}, code: 0, stdout: "TELEGRAM_API_ENDPOINT"},
		{args: []string{"chat-with-me"}, code: 2, stderr: `unknown command "chat-with-me"`},
		{args: []string{"-db"}, code: 2, stderr: "flag needs an argument"},
		{args: []string{"-db", "x.db", "extra"}, code: 2, stderr: `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		code := run(t.Context(), tt.args, strings.NewReader("1\n"), &out, &errOut, env(nil))
		if code != tt.code {
			t.Errorf("lotse %v: exit %d, want %d (stderr %q)", tt.args, code, tt.code, errOut.String())
		}
		if !strings.Contains(out.String(), tt.stdout) || !strings.Contains(errOut.String(), tt.stderr) {
			t.Errorf("lotse %v: stdout %q, stderr %q; want %q and %q", tt.args, out.String(), errOut.String(), tt.stdout, tt.stderr)
		}
		if strings.Contains(out.String(), "Lotse in the terminal") {
			t.Errorf("lotse %v fell through to the chat", tt.args)
		}
	}
}

func TestTerminalChatWithPipedInput(t *testing.T) {
	db := filepath.Join(t.TempDir(), "chat.db")
	var out, errOut bytes.Buffer
	code := run(t.Context(), []string{"-db", db}, strings.NewReader("1\n/menu\n/quit\n"), &out, &errOut,
		env(map[string]string{"LANG": "de_DE.UTF-8"}))
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errOut.String())
	}
	for _, want := range []string{"Lotse in the terminal", "[1] ✓ Deutsch", "Worüber möchten Sie etwas erfahren?"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestBadLogLevel(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(t.Context(), nil, strings.NewReader(""), &out, &errOut, env(map[string]string{"LOG_LEVEL": "loud"}))
	if code != 2 || !strings.Contains(errOut.String(), "LOG_LEVEL") {
		t.Errorf("LOG_LEVEL=loud: exit %d, stderr %q; want 2 and a hint", code, errOut.String())
	}
}

func TestPosixLang(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"LANG": "de_DE.UTF-8"}, "de-DE"},
		{map[string]string{"LANG": "uk_UA.UTF-8", "LC_ALL": "ar_SY@latin"}, "ar-SY"},
		{map[string]string{"LANG": "C"}, ""},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := posixLang(env(tt.env)); got != tt.want {
			t.Errorf("posixLang(%v) = %q, want %q", tt.env, got, tt.want)
		}
	}
}
