package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"lotse/flows"
	"lotse/flows/content"
	"lotse/locales"
)

const checkUsage = `Usage: lotse check [--content DIR] [--max-age AGE]

Checks the content as the test suite does: flows, sources and catalogues
(every target exists, every step is reachable, every result cites a
source, …), the texts of every language (placeholders as in English,
Telegram HTML, plural forms, length, file form), that every message used
exists in every language and every message is used, and that no source was
last checked longer than AGE ago. Prints each problem as file:line: message,
then a summary. Exit status: 0 no problems, 1 problems, 2 usage error.

Flags:
  --content DIR  the content to check: DIR/flows (flow files, sources.toml,
                 catalog/) and DIR/locales (message files); in a checkout
                 of Lotse, DIR/flows/content is used for DIR/flows.
                 Default: the content built into this binary.
  --max-age AGE  how long ago a source may have been checked: 12mo, 1y,
                 90d, 6w or a Go duration such as 2160h; 0 disables
                 (default 12mo)
`

// runCheck implements "lotse check".
func runCheck(_ context.Context, args []string, stdout, stderr io.Writer) int {
	return check(args, stdout, stderr, time.Now())
}

// check is "lotse check" at the time now.
func check(args []string, stdout, stderr io.Writer, now time.Time) int {
	fset := flag.NewFlagSet("lotse check", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() { io.WriteString(stderr, checkUsage) }
	dir := fset.String("content", "", "the content folder (default: built in)")
	maxAge := age{n: 12, unit: "mo"}
	fset.Var(&maxAge, "max-age", "how long ago a source may have been checked")
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fset.NArg() > 0 {
		fmt.Fprintf(stderr, "lotse check: unexpected argument %q\n\n%s", fset.Arg(0), checkUsage)
		return 2
	}
	src, err := openContent(*dir)
	if err != nil {
		fmt.Fprintln(stderr, "lotse check:", err)
		return 2
	}
	ps, summary := checkContent(src, now, maxAge)
	for _, p := range ps {
		fmt.Fprintln(stdout, p)
	}
	switch len(ps) {
	case 0:
		fmt.Fprintln(stdout, "no problems:", summary)
		return 0
	case 1:
		fmt.Fprintln(stdout, "1 problem")
	default:
		fmt.Fprintf(stdout, "%d problems\n", len(ps))
	}
	return 1
}

// contentSource is a set of content to check or draw: the flows with their
// sources and catalogues, and the texts.
type contentSource struct {
	flows, texts       fs.FS
	flowsDir, textsDir string // how problems name the two folders
}

// openContent opens the content folder dir, or the built-in content when
// dir is "".
func openContent(dir string) (contentSource, error) {
	if dir == "" {
		return contentSource{flows: content.Files, texts: locales.Files, flowsDir: "flows/content", textsDir: "locales"}, nil
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return contentSource{}, fmt.Errorf("%s is not a folder", dir)
	}
	flowsDir, textsDir := filepath.Join(dir, "flows"), filepath.Join(dir, "locales")
	for _, d := range []string{flowsDir, textsDir} {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			return contentSource{}, fmt.Errorf("%s is not a folder (the content folder holds flows/ and locales/)", d)
		}
	}
	// In a checkout of Lotse the flows live in flows/content.
	if tomls, _ := filepath.Glob(filepath.Join(flowsDir, "*.toml")); len(tomls) == 0 {
		if fi, err := os.Stat(filepath.Join(flowsDir, "content")); err == nil && fi.IsDir() {
			flowsDir = filepath.Join(flowsDir, "content")
		}
	}
	return contentSource{flows: os.DirFS(flowsDir), texts: os.DirFS(textsDir), flowsDir: flowsDir, textsDir: textsDir}, nil
}

// checkContent runs every check on src and returns the problems, sorted by
// file and line, and a summary of what was checked.
func checkContent(src contentSource, now time.Time, maxAge age) ([]flows.Problem, string) {
	var ps []flows.Problem
	in := func(dir, file string) string {
		if file == "" || file == "content" { // the whole folder, not a file
			return dir
		}
		return filepath.Join(dir, filepath.FromSlash(file))
	}
	var summary []string
	c, err := flows.Load(src.flows)
	if err != nil {
		ps = append(ps, loadProblem(src, err))
	} else {
		for _, p := range c.Check() {
			ps = append(ps, flows.Problem{File: in(src.flowsDir, p.File), Line: p.Line, Msg: p.Msg})
		}
		for _, p := range staleSources(c, src.flows, now, maxAge) {
			ps = append(ps, flows.Problem{File: in(src.flowsDir, p.File), Line: p.Line, Msg: p.Msg})
		}
		summary = append(summary, count(len(c.Flows), "flow"), count(len(c.Sources), "source"), count(len(c.Catalogs), "catalogue"))
	}
	for _, p := range locales.Lint(src.texts) {
		ps = append(ps, flows.Problem{File: in(src.textsDir, p.File), Line: p.Line, Msg: p.Msg})
	}
	if c != nil {
		used := append(c.MessageIDs(), flows.EngineMessageIDs()...)
		for _, p := range locales.CheckUsage(src.texts, used) {
			ps = append(ps, flows.Problem{File: in(src.textsDir, p.File), Line: p.Line, Msg: p.Msg})
		}
	}
	if cat, err := locales.Load(src.texts); err == nil {
		summary = append(summary, "texts in "+count(len(cat.Languages()), "language"))
	}
	slices.SortStableFunc(ps, func(a, b flows.Problem) int {
		if c := strings.Compare(a.File, b.File); c != 0 {
			return c
		}
		return a.Line - b.Line
	})
	return ps, strings.Join(summary, ", ")
}

// loadProblem turns an error of flows.Load ("name:line: message",
// "name: message" or anything else) into a problem naming the file.
func loadProblem(src contentSource, err error) flows.Problem {
	msg := err.Error()
	if name, rest, ok := strings.Cut(msg, ":"); ok {
		if _, statErr := fs.Stat(src.flows, name); statErr == nil {
			p := flows.Problem{File: filepath.Join(src.flowsDir, filepath.FromSlash(name)), Msg: strings.TrimSpace(rest)}
			if n, after, ok := strings.Cut(rest, ":"); ok {
				if line, err := strconv.Atoi(n); err == nil {
					p.Line, p.Msg = line, strings.TrimSpace(after)
				}
			}
			return p
		}
	}
	return flows.Problem{File: src.flowsDir, Msg: msg}
}

// staleSources reports the sources last checked before now minus maxAge.
func staleSources(c *flows.Content, fsys fs.FS, now time.Time, maxAge age) []flows.Problem {
	if maxAge.zero() {
		return nil
	}
	text, _ := fs.ReadFile(fsys, flows.SourcesFile)
	cutoff := maxAge.before(now).Format(time.DateOnly)
	var ps []flows.Problem
	for _, s := range c.Sources {
		if s.Checked.IsZero() {
			continue // Check reports it
		}
		if checked := s.Checked.Format(time.DateOnly); checked < cutoff {
			ps = append(ps, flows.Problem{File: flows.SourcesFile, Line: tableLine(text, s.ID),
				Msg: fmt.Sprintf("source %q was last checked on %s, over %s ago", s.ID, checked, maxAge)})
		}
	}
	slices.SortFunc(ps, func(a, b flows.Problem) int { return a.Line - b.Line })
	return ps
}

// tableLine returns the line of a TOML file that opens table id ([id]),
// or 0.
func tableLine(text []byte, id string) int {
	for i, l := range bytes.Split(text, []byte("\n")) {
		t := strings.TrimSpace(string(l))
		if t == "["+id+"]" || t == `["`+id+`"]` || strings.HasPrefix(t, "["+id+"] ") || strings.HasPrefix(t, "["+id+"]#") {
			return i + 1
		}
	}
	return 0
}

// count writes "1 flow", "6 flows".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// age is how long ago a source may have been checked: a number of years,
// months, weeks or days (calendar arithmetic), or a Go duration.
type age struct {
	n    int
	unit string // "y", "mo", "w", "d"; "" for a duration
	d    time.Duration
}

var agePattern = regexp.MustCompile(`^(\d+)(y|mo|w|d)$`)

// Set parses an age for the flag package.
func (a *age) Set(s string) error {
	if s == "0" {
		*a = age{}
		return nil
	}
	if m := agePattern.FindStringSubmatch(s); m != nil {
		n, err := strconv.Atoi(m[1])
		if err != nil {
			return fmt.Errorf("%q: %w", s, err)
		}
		*a = age{n: n, unit: m[2]}
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return fmt.Errorf("%q: use for example 12mo, 1y, 90d, 6w, 2160h, or 0 to disable", s)
	}
	*a = age{d: d}
	return nil
}

// String writes the age for people: "12 months", "1 year", "2160h0m0s".
func (a age) String() string {
	if a.unit == "" {
		return a.d.String()
	}
	noun := map[string]string{"y": "year", "mo": "month", "w": "week", "d": "day"}[a.unit]
	return count(a.n, noun)
}

// zero reports whether the age disables the check.
func (a age) zero() bool { return a.n == 0 && a.d == 0 }

// before returns the moment the age before now.
func (a age) before(now time.Time) time.Time {
	switch a.unit {
	case "y":
		return now.AddDate(-a.n, 0, 0)
	case "mo":
		return now.AddDate(0, -a.n, 0)
	case "w":
		return now.AddDate(0, 0, -7*a.n)
	case "d":
		return now.AddDate(0, 0, -a.n)
	}
	return now.Add(-a.d)
}
