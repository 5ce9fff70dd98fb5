package flows_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

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
