package flows_test

import (
	"flag"
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"lotse/flows"
	"lotse/flows/flowstest"
	"lotse/locales"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fixedNow is the clock of every engine test.
var fixedNow = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// mergeFS copies the files of several file systems into one (later ones
// win), to combine the real shared texts with test texts.
func mergeFS(t testing.TB, fss ...fs.FS) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	for _, fsys := range fss {
		err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := fs.ReadFile(fsys, p)
			m[p] = &fstest.MapFile{Data: b}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// testCatalog returns the real shared texts plus the fixture texts, strict.
func testCatalog(t testing.TB) *locales.Catalog {
	t.Helper()
	common, err := fs.Sub(locales.Files, ".")
	if err != nil {
		t.Fatal(err)
	}
	files := mergeFS(t, common, os.DirFS("testdata/locales"))
	for name := range files {
		area, lang := strings.Split(name, ".")[0], strings.Split(name, ".")[1]
		if area != "common" && area != "privacy" && area != "input" && area != "remind" && area != "admin" && area != "demo" || lang != "en" && lang != "de" {
			delete(files, name) // the shared texts in German and English only: fixtures stay stable
		}
	}
	cat, err := locales.Load(files)
	if err != nil {
		t.Fatal(err)
	}
	cat.Strict = true
	return cat
}

type strictTranslator struct {
	t   testing.TB
	cat *locales.Catalog
}

func (s strictTranslator) Translate(lang, id string, data map[string]any) (string, error) {
	out, err := s.cat.Translate(lang, id, data)
	if err != nil {
		s.t.Errorf("translate: %v", err)
	}
	return out, err
}
func (s strictTranslator) Languages() []string      { return s.cat.Languages() }
func (s strictTranslator) Match(code string) string { return s.cat.Match(code) }

// newEngine returns an engine on the fixture content with an in-memory
// store; any translation problem fails the test.
func newEngine(t testing.TB) (*flows.Engine, *flowstest.MemStore) {
	t.Helper()
	return newEngineAt(t, func() time.Time { return fixedNow })
}

// newEngineAt is newEngine with the given clock.
func newEngineAt(t testing.TB, now func() time.Time) (*flows.Engine, *flowstest.MemStore) {
	t.Helper()
	content, err := flows.Load(os.DirFS("testdata/content"))
	if err != nil {
		t.Fatal(err)
	}
	st := flowstest.NewMemStore()
	e, err := flows.NewEngine(flows.Config{
		Content: content, Store: st, Translator: strictTranslator{t, testCatalog(t)},
		Now: now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return e, st
}
