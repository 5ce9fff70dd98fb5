package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"lotse/flows"
	"lotse/locales"
)

// liveTexts are the texts the engine translates with. /reload swaps them
// together with the flows.
type liveTexts struct {
	p atomic.Pointer[locales.Catalog]
}

var _ flows.Translator = (*liveTexts)(nil)

// Translate implements flows.Translator with the current texts.
func (l *liveTexts) Translate(lang, id string, data map[string]any) (string, error) {
	return l.p.Load().Translate(lang, id, data)
}

// Languages implements flows.Translator with the current texts.
func (l *liveTexts) Languages() []string { return l.p.Load().Languages() }

// Match implements flows.Translator with the current texts.
func (l *liveTexts) Match(code string) string { return l.p.Load().Match(code) }

// runAge is how old a source's "checked" date may be when Lotse runs
// content from a folder: staleness is for lotse check to report, not a
// reason to refuse to start.
var runAge = age{n: 100, unit: "y"}

// loadContent loads the content of dir, or the built-in content when dir
// is "". Content from a folder must pass every check lotse check makes
// (except the age of sources), so an editor's mistake never reaches users.
func loadContent(dir string, log *slog.Logger) (*flows.Content, *locales.Catalog, string, error) {
	src, err := openContent(dir)
	if err != nil {
		return nil, nil, "", fmt.Errorf("content: %w", err)
	}
	if dir != "" {
		if ps, _ := checkContent(src, time.Now(), runAge); len(ps) > 0 {
			return nil, nil, "", fmt.Errorf("content in %s has %d problems (lotse check --content %s lists them); first: %s", dir, len(ps), dir, ps[0])
		}
	}
	c, err := flows.Load(src.flows)
	if err != nil {
		return nil, nil, "", fmt.Errorf("load flows: %w", err)
	}
	cat, err := locales.Load(src.texts)
	if err != nil {
		return nil, nil, "", fmt.Errorf("load texts: %w", err)
	}
	cat.Logger = log
	summary := fmt.Sprintf("%d flows, %d sources, %d catalogues, %d languages", len(c.Flows), len(c.Sources), len(c.Catalogs), len(cat.Languages()))
	if cv, err := contentVersion(src); err == nil {
		summary += ", content " + cv
	}
	return c, cat, summary, nil
}

// reloader returns the /reload of content from dir into engine and texts;
// nil for the built-in content.
func reloader(dir string, engine func() *flows.Engine, texts *liveTexts, log *slog.Logger) flows.ReloadFunc {
	if dir == "" {
		return nil
	}
	return func(ctx context.Context) (string, error) {
		c, cat, summary, err := loadContent(dir, log)
		if err != nil {
			return "", err
		}
		texts.p.Store(cat) // the new texts first: new content may use new messages
		if err := engine().Replace(c); err != nil {
			return "", err
		}
		return summary, nil
	}
}
