package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// contentCopy copies Lotse's own content (flows/content and locales) into
// a folder laid out as --content expects, and returns it.
func contentCopy(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "flows"), os.DirFS("../../flows/content")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "locales"), 0o755); err != nil {
		t.Fatal(err)
	}
	tomls, _ := filepath.Glob("../../locales/*.toml")
	for _, p := range tomls {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "locales", filepath.Base(p)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func replaceIn(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s does not contain %q", path, old)
	}
	if err := os.WriteFile(path, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestContentFolderAndReload previews an edited text from a content folder
// in the terminal chat, changes it again and reloads it with /reload, and
// checks that broken content is refused while the last good one runs on.
func TestContentFolderAndReload(t *testing.T) {
	dir := contentCopy(t)
	menuFile := filepath.Join(dir, "locales", "common.en.toml")
	replaceIn(t, menuFile, "What would you like to know about? Choose a topic:", "EDITED MENU")

	in, feed := io.Pipe()
	out, errOut := &lockedBuffer{}, &lockedBuffer{}
	done := make(chan int, 1)
	go func() {
		code := run(t.Context(), []string{"-db", filepath.Join(t.TempDir(), "l.db"), "--content", dir}, in, out, errOut,
			env(map[string]string{"LANG": "en_GB.UTF-8"}))
		in.Close() // a test still writing learns that lotse ended
		done <- code
	}()
	say := func(line string) {
		t.Helper()
		if _, err := io.WriteString(feed, line+"\n"); err != nil {
			t.Fatalf("writing %q: %v (stderr %s)", line, err, errOut.String())
		}
	}
	waitOut := func(want string, n int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for strings.Count(out.String(), want) < n {
			if time.Now().After(deadline) {
				t.Fatalf("no %q (×%d) in the output:\n%s\nstderr: %s", want, n, out.String(), errOut.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	say("2") // English in the language picker
	waitOut("EDITED MENU", 1)

	replaceIn(t, menuFile, "EDITED MENU", "RELOADED MENU")
	say("/reload")
	waitOut("Content reloaded", 1)
	say("/menu")
	waitOut("RELOADED MENU", 1)

	replaceIn(t, filepath.Join(dir, "flows", "recognition.toml"), `start = "profession"`, `start = "nowhere"`)
	say("/reload")
	waitOut("Not reloaded", 1)
	say("/menu")
	waitOut("RELOADED MENU", 2) // the last good content runs on
	say("/quit")
	if code := <-done; code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errOut.String())
	}
}

func TestBrokenContentFolderIsRefused(t *testing.T) {
	dir := contentCopy(t)
	replaceIn(t, filepath.Join(dir, "locales", "common.en.toml"), `["common.back"]`, `["common.back_gone"]`)
	var out, errOut bytes.Buffer
	code := run(t.Context(), []string{"-db", filepath.Join(t.TempDir(), "l.db"), "--content", dir}, strings.NewReader("/quit\n"), &out, &errOut, env(nil))
	if code != 1 || !strings.Contains(errOut.String(), "problems (lotse check --content") {
		t.Errorf("exit %d, stderr %q; want 1 and a pointer to lotse check", code, errOut.String())
	}
	if strings.Contains(out.String(), "Lotse in the terminal") {
		t.Error("the chat started on broken content")
	}
}
