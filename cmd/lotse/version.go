package main

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"lotse/flows"
)

const versionUsage = `Usage: lotse version [--content DIR]

Prints the version of the binary and of its content, for example
  lotse v1.4.0 (content 2026-11-24, sha256 1a2b3c4d)
The content's date is the newest date a source was checked on; the hash is
over the content's files (the flows, sources and catalogues, and the
texts), so two builds with the same texts report the same content version.

Flags:
  --content DIR  report the version of this content folder instead (as for
                 lotse check); a checkout of the same commit reports the
                 same version as the binary built from it
`

// runVersion implements "lotse version".
func runVersion(args []string, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("lotse version", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() { io.WriteString(stderr, versionUsage) }
	dir := fset.String("content", "", "the content folder (default: built in)")
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fset.NArg() > 0 {
		fmt.Fprintf(stderr, "lotse version: unexpected argument %q\n\n%s", fset.Arg(0), versionUsage)
		return 2
	}
	src, err := openContent(*dir)
	if err != nil {
		fmt.Fprintln(stderr, "lotse version:", err)
		return 2
	}
	cv, err := contentVersion(src)
	if err != nil {
		fmt.Fprintln(stderr, "lotse version:", err)
		return 1
	}
	fmt.Fprintf(stdout, "lotse %s (content %s)\n", versionString(), cv)
	return 0
}

// contentVersion names a content: "2026-11-24, sha256 1a2b3c4d", the
// newest date a source was checked on and a short hash of its files.
func contentVersion(src contentSource) (string, error) {
	c, err := flows.Load(src.flows)
	if err != nil {
		return "", fmt.Errorf("content version: %w", err)
	}
	var newest time.Time
	for _, s := range c.Sources {
		if s.Checked.After(newest) {
			newest = s.Checked
		}
	}
	date := "undated"
	if !newest.IsZero() {
		date = newest.Format(time.DateOnly)
	}
	sum, err := contentHash(src)
	if err != nil {
		return "", err
	}
	return date + ", sha256 " + sum[:8], nil
}

// contentHash is the hex SHA-256 over the content's files: every *.toml
// file of the flows folder and of the texts folder (sub-folders included,
// testdata and hidden ones left out, as the binary embeds them), in the
// order of their paths ("flows/…", "locales/…"), each as its path, its
// length and its bytes. Only the files matter, not where they lie: the
// built-in content and a checkout of it hash the same.
func contentHash(src contentSource) (string, error) {
	type file struct {
		name string // "flows/recognition.toml"
		fsys fs.FS
		path string
	}
	var files []file
	for _, dir := range []struct {
		prefix string
		fsys   fs.FS
	}{{"flows/", src.flows}, {"locales/", src.texts}} {
		err := fs.WalkDir(dir.fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if p != "." && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
					return fs.SkipDir
				}
				return nil
			}
			if path.Ext(p) == ".toml" {
				files = append(files, file{name: dir.prefix + p, fsys: dir.fsys, path: p})
			}
			return nil
		})
		if err != nil {
			return "", fmt.Errorf("content hash: %w", err)
		}
	}
	slices.SortFunc(files, func(a, b file) int { return strings.Compare(a.name, b.name) })
	h := sha256.New()
	for _, f := range files {
		b, err := fs.ReadFile(f.fsys, f.path)
		if err != nil {
			return "", fmt.Errorf("content hash: %w", err)
		}
		h.Write([]byte(f.name))
		h.Write([]byte{0})
		h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(b))))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
