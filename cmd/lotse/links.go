package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"

	"lotse/flows"
	"lotse/flows/linkcheck"
)

const linksUsage = `Usage: lotse links [--content DIR] [--timeout 10s] [--parallel 8]

Checks that every address the content cites still works: every source
(sources.toml) and every link button of a result. Asks with HEAD, and with
GET when HEAD fails or the server refuses it (403, 405, 501); follows
redirects. Prints one line per dead address, with the status or error and
what uses it, and one per address that moved permanently, with the new
address; then a summary. Exit status: 0 no dead address, 1 dead addresses
(or content that does not load), 2 usage error.

Flags:
  --content DIR   the content to check, as for lotse check (default: the
                  content built into this binary)
  --timeout D     how long one request may take (default 10s)
  --parallel N    how many requests at once (default 8)
`

// runLinks implements "lotse links".
func runLinks(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("lotse links", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() { io.WriteString(stderr, linksUsage) }
	dir := fset.String("content", "", "the content folder (default: built in)")
	timeout := fset.Duration("timeout", 10*time.Second, "how long one request may take")
	parallel := fset.Int("parallel", 8, "how many requests at once")
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fset.NArg() > 0 {
		fmt.Fprintf(stderr, "lotse links: unexpected argument %q\n\n%s", fset.Arg(0), linksUsage)
		return 2
	}
	if *timeout <= 0 || *parallel <= 0 {
		fmt.Fprintf(stderr, "lotse links: --timeout and --parallel must be positive\n\n%s", linksUsage)
		return 2
	}
	src, err := openContent(*dir)
	if err != nil {
		fmt.Fprintln(stderr, "lotse links:", err)
		return 2
	}
	c, err := flows.Load(src.flows)
	if err != nil {
		fmt.Fprintf(stderr, "lotse links: the content does not load (see lotse check): %v\n", err)
		return 1
	}
	rs := linkcheck.Check(ctx, &http.Client{Timeout: *timeout}, linkcheck.Targets(c), *parallel)
	for _, l := range linkcheck.Report(rs) {
		fmt.Fprintln(stdout, l)
	}
	fmt.Fprintln(stdout, linkcheck.Summary(rs))
	if len(linkcheck.Dead(rs)) > 0 {
		return 1
	}
	return 0
}
