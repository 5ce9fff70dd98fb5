// Package linkcheck checks that the web addresses the content cites still
// work: every source in sources.toml and every link button of a result.
//
// It asks with HEAD first, and with GET (reading only the first few KiB)
// when HEAD fails or the server refuses it, follows redirects, and reports
// the final address when a page moved permanently. "lotse links" and the
// weekly link check job in cmd/lotse use it.
package linkcheck

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"lotse/flows"
)

// Target is one address to check and what in the content uses it.
type Target struct {
	URL string
	// Users says where the content uses the address: "source <id>" for a
	// source, "link in <flow>/<step>" for a result's link button.
	Users []string
}

// Targets returns every address the content uses, each once, sorted by
// address: the sources (whether cited or not) and the link buttons of
// every step.
func Targets(c *flows.Content) []Target {
	users := map[string][]string{}
	for id, s := range c.Sources {
		users[s.URL] = append(users[s.URL], "source "+id)
	}
	for fid, f := range c.Flows {
		for _, s := range f.Steps {
			for _, l := range s.Links {
				users[l.URL] = append(users[l.URL], "link in "+fid+"/"+s.ID)
			}
		}
	}
	ts := make([]Target, 0, len(users))
	for u, us := range users {
		slices.Sort(us)
		ts = append(ts, Target{URL: u, Users: slices.Compact(us)})
	}
	slices.SortFunc(ts, func(a, b Target) int { return strings.Compare(a.URL, b.URL) })
	return ts
}

// Result is what checking one [Target] found.
type Result struct {
	Target
	// Status is the HTTP status of the final answer (after redirects, and
	// of GET when HEAD was not enough); zero when there was none.
	Status int
	// Err is why no answer came (timeout, DNS, TLS, too many redirects),
	// or nil.
	Err error
	// Moved is the final address when the first redirect was permanent
	// (301 or 308): the content should cite that one instead. Empty
	// otherwise.
	Moved string
}

// Dead reports whether the address does not work: no answer, or an
// answer of 400 or above.
func (r Result) Dead() bool { return r.Err != nil || r.Status >= 400 }

// Problem says in a few words what is wrong: "404 Not Found", "timeout",
// or the error; "" for a working address.
func (r Result) Problem() string {
	if r.Err != nil {
		var ue *url.Error
		if errors.As(r.Err, &ue) {
			if ue.Timeout() {
				return "timeout"
			}
			return ue.Err.Error()
		}
		return r.Err.Error()
	}
	if r.Status >= 400 {
		return fmt.Sprintf("%d %s", r.Status, http.StatusText(r.Status))
	}
	return ""
}

// UserAgent is the User-Agent of the checks. Some sites refuse Go's
// default one.
const UserAgent = "Mozilla/5.0 (compatible; lotse-linkcheck/1.0)"

// maxBody is how much of a page a GET reads: enough for the server to
// send its status, without downloading the page.
const maxBody = 4 << 10

// Check checks every target, at most parallel at a time (at least one),
// and returns the results in the order of targets. The client's Timeout
// bounds each request; Check follows up to 10 redirects (or what the
// client's CheckRedirect allows). When ctx ends, the targets not yet
// checked report ctx's error.
func Check(ctx context.Context, client *http.Client, targets []Target, parallel int) []Result {
	if client == nil {
		client = http.DefaultClient
	}
	parallel = max(1, min(parallel, len(targets)))
	results := make([]Result, len(targets))
	next := make(chan int)
	var wg sync.WaitGroup
	for range parallel {
		wg.Go(func() {
			for i := range next {
				results[i] = checkOne(ctx, client, targets[i])
			}
		})
	}
	for i := range targets {
		next <- i
	}
	close(next)
	wg.Wait()
	return results
}

// refusesHEAD lists the answers to HEAD after which GET is tried: servers
// that do not implement HEAD or forbid it to robots.
var refusesHEAD = []int{http.StatusForbidden, http.StatusMethodNotAllowed, http.StatusNotImplemented}

// checkOne checks one target: HEAD, then GET if HEAD failed or was
// refused.
func checkOne(ctx context.Context, client *http.Client, t Target) Result {
	if err := ctx.Err(); err != nil {
		return Result{Target: t, Err: fmt.Errorf("check %s: %w", t.URL, err)}
	}
	u, err := url.Parse(t.URL)
	if err != nil {
		return Result{Target: t, Err: fmt.Errorf("check %s: %w", t.URL, err)}
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return Result{Target: t, Err: fmt.Errorf("check %q: not an http or https address", t.URL)}
	}
	r := request(ctx, client, http.MethodHead, t)
	if r.Err != nil || slices.Contains(refusesHEAD, r.Status) {
		if g := request(ctx, client, http.MethodGet, t); ctx.Err() == nil {
			r = g
		}
	}
	return r
}

// request sends one request, following redirects, and notes a permanent
// move.
func request(ctx context.Context, client *http.Client, method string, t Target) Result {
	res := Result{Target: t}
	req, err := http.NewRequestWithContext(ctx, method, t.URL, nil)
	if err != nil {
		res.Err = fmt.Errorf("check %s: %w", t.URL, err)
		return res
	}
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set("Accept", "text/html,application/xhtml+xml,application/pdf;q=0.9,*/*;q=0.8")
	c := *client
	permanent := false
	c.CheckRedirect = func(next *http.Request, via []*http.Request) error {
		if len(via) == 1 && next.Response != nil {
			s := next.Response.StatusCode
			permanent = s == http.StatusMovedPermanently || s == http.StatusPermanentRedirect
		}
		if client.CheckRedirect != nil {
			return client.CheckRedirect(next, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	resp, err := c.Do(req)
	if err != nil {
		res.Err = err
		return res
	}
	defer resp.Body.Close()
	if method == http.MethodGet {
		io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody)) // best effort: the status is what counts
	}
	res.Status = resp.StatusCode
	if final := resp.Request.URL.String(); permanent && final != t.URL {
		res.Moved = final
	}
	return res
}

// Dead returns the results whose addresses do not work.
func Dead(rs []Result) []Result {
	var dead []Result
	for _, r := range rs {
		if r.Dead() {
			dead = append(dead, r)
		}
	}
	return dead
}

// Report writes the results for people: one line per dead or permanently
// moved address with what uses it; working addresses are left out.
func Report(rs []Result) []string {
	var lines []string
	for _, r := range rs {
		users := strings.Join(r.Users, ", ")
		switch {
		case r.Dead():
			lines = append(lines, fmt.Sprintf("dead   %s  %s  (%s)", r.URL, r.Problem(), users))
		case r.Moved != "":
			lines = append(lines, fmt.Sprintf("moved  %s → %s  (%s)", r.URL, r.Moved, users))
		}
	}
	return lines
}

// Summary counts the results: "58 links: 2 dead, 1 moved permanently".
func Summary(rs []Result) string {
	dead, moved := 0, 0
	for _, r := range rs {
		switch {
		case r.Dead():
			dead++
		case r.Moved != "":
			moved++
		}
	}
	return fmt.Sprintf("%d %s: %d dead, %d moved permanently", len(rs), plural(len(rs), "link"), dead, moved)
}

func plural(n int, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}
