package flows_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lotse/flows"
	"lotse/flows/flowstest"
)

// TestTranscripts replays every conversation in testdata/transcripts and
// compares what the bot says with the file. Run with -update to rewrite
// them after a deliberate change, and review the diff.
func TestTranscripts(t *testing.T) {
	files, err := filepath.Glob("testdata/transcripts/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts (err %v)", err)
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txt"), func(t *testing.T) {
			script, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			e, _ := newEngine(t)
			got, err := flowstest.Replay(t.Context(), e, string(script))
			if err != nil {
				t.Fatal(err)
			}
			flowstest.Golden(t, path, got, *update)
		})
	}
}

// TestShippedTranscripts replays whole conversations through the content
// Lotse ships, in several languages, with every text strict (a missing
// translation fails). Run with -update after a content change and review.
func TestShippedTranscripts(t *testing.T) {
	files, err := filepath.Glob("testdata/shipped/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts (err %v)", err)
	}
	set, cat := shipped(t)
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txt"), func(t *testing.T) {
			script, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			e, err := flows.NewEngine(flows.Config{Content: set, Store: flowstest.NewMemStore(),
				Translator: strictTranslator{t, cat}, Now: func() time.Time { return fixedNow }})
			if err != nil {
				t.Fatal(err)
			}
			got, err := flowstest.Replay(t.Context(), e, string(script))
			if err != nil {
				t.Fatal(err)
			}
			flowstest.Golden(t, path, got, *update)
		})
	}
}
