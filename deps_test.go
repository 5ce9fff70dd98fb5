package lotse_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies enforces which package may import what, so the flow
// engine stays channel-agnostic and each heavy library stays behind the one
// package that owns it.
func TestDependencies(t *testing.T) {
	const (
		tgbotapi = "github.com/go-telegram-bot-api/telegram-bot-api/v5"
		bbolt    = "go.etcd.io/bbolt"
		i18n     = "github.com/nicksnyder/go-i18n/v2/i18n"
		prom     = "github.com/prometheus/client_golang/prometheus"
	)
	tests := []struct {
		pkg    string
		banned []string
		why    string
	}{
		{"lotse/flows", []string{tgbotapi, bbolt, i18n, prom, "lotse/bot", "lotse/store", "lotse/locales", "testing"},
			"the engine knows nothing of Telegram, bbolt or go-i18n"},
		{"lotse/flows/content", []string{"lotse/bot", "lotse/store", "lotse/locales"}, "content is data"},
		{"lotse/flows/remind", []string{tgbotapi, bbolt, i18n, "lotse/bot", "lotse/store", "lotse/locales"}, "the dispatcher talks to the store and the channel through interfaces"},
		{"lotse/flows/broadcast", []string{tgbotapi, bbolt, i18n, "lotse/bot", "lotse/store", "lotse/locales"}, "the broadcast job talks to the store and the channel through interfaces"},
		{"lotse/flows/linkcheck", []string{tgbotapi, bbolt, i18n, "lotse/bot", "lotse/store", "lotse/locales"}, "the link check needs only the content and HTTP"},
		{"lotse/locales", []string{"lotse/flows", tgbotapi, bbolt}, "texts are a leaf"},
		{"lotse/store", []string{tgbotapi, i18n, prom, "lotse/bot", "lotse/locales"}, "the store knows no channel"},
		{"lotse/bot", []string{bbolt, i18n, "lotse/store", "lotse/locales", "testing"}, "the adapter sees only localised replies"},
		{"lotse/bot", []string{prom}, "the bot reports through bot.Observer; only bot/metrics knows Prometheus"},
		{"lotse/bot/metrics", []string{bbolt, i18n, "lotse/store", "lotse/locales", "testing"}, "metrics see the bot's observations, not its storage"},
		{"lotse/bot/console", []string{tgbotapi, bbolt, i18n, "lotse/store", "lotse/locales"}, "the terminal is a channel like Telegram"},
		{"lotse/cmd/lotse", []string{"testing", "lotse/flows/flowstest", "lotse/bot/telegramtest"}, "binaries carry no test code"},
	}
	for _, tt := range tests {
		deps := goListDeps(t, tt.pkg)
		for _, b := range tt.banned {
			if deps[b] {
				t.Errorf("%s imports %s, directly or not: %s", tt.pkg, b, tt.why)
			}
		}
	}
	// The check must be able to fail: these must be there.
	if !goListDeps(t, "lotse/bot")[tgbotapi] || !goListDeps(t, "lotse/store")[bbolt] || !goListDeps(t, "lotse/locales")[i18n] || !goListDeps(t, "lotse/bot/metrics")[prom] {
		t.Error("go list -deps does not show the libraries where they belong; the check above proves nothing")
	}
}

func goListDeps(t *testing.T, pkg string) map[string]bool {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-json=ImportPath", pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	deps := map[string]bool{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p struct{ ImportPath string }
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		deps[p.ImportPath] = true
	}
	return deps
}
