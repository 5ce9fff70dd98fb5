package linkcheck_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"lotse/flows"
	"lotse/flows/linkcheck"
)

// server answers like the sites the content cites may: working, gone,
// broken, refusing HEAD, hanging, moved. It counts the GET requests per
// path and the requests in flight.
type server struct {
	*httptest.Server
	mu       sync.Mutex
	gets     map[string]int
	inFlight atomic.Int32
	maxSeen  atomic.Int32
}

func newServer(t *testing.T) *server {
	s := &server{gets: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/gone", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	mux.HandleFunc("/broken", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) })
	mux.HandleFunc("/nohead", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		w.Write([]byte(strings.Repeat("a page that is longer than what a check reads. ", 1000)))
	})
	mux.HandleFunc("/forbidden", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusForbidden) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", http.StatusMovedPermanently) })
	mux.HandleFunc("/old308", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/old", http.StatusPermanentRedirect)
	})
	mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", http.StatusFound) })
	mux.HandleFunc("/oldgone", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/gone", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/count/", func(w http.ResponseWriter, r *http.Request) {
		n := s.inFlight.Add(1)
		defer s.inFlight.Add(-1)
		for {
			m := s.maxSeen.Load()
			if n <= m || s.maxSeen.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(10 * time.Millisecond) // let the others overlap, if they may
	})
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			s.mu.Lock()
			s.gets[r.URL.Path]++
			s.mu.Unlock()
		}
		if r.UserAgent() != linkcheck.UserAgent {
			w.WriteHeader(http.StatusTeapot)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func TestCheck(t *testing.T) {
	srv := newServer(t)
	client := &http.Client{Timeout: 10 * time.Second}
	tests := []struct {
		path    string
		status  int
		problem string
		moved   string
		gets    int
	}{
		{path: "/ok", status: 200, gets: 0},
		{path: "/gone", status: 404, problem: "404 Not Found"},
		{path: "/broken", status: 500, problem: "500 Internal Server Error"},
		{path: "/nohead", status: 200, gets: 1},
		{path: "/forbidden", status: 403, problem: "403 Forbidden", gets: 1},
		{path: "/old", status: 200, moved: "/ok"},
		{path: "/old308", status: 200, moved: "/ok"},
		{path: "/elsewhere", status: 200},
		{path: "/oldgone", status: 404, problem: "404 Not Found", moved: "/gone"},
		{path: "/loop", problem: "stopped after 10 redirects", gets: 10},
	}
	var targets []linkcheck.Target
	for _, tt := range tests {
		targets = append(targets, linkcheck.Target{URL: srv.URL + tt.path, Users: []string{"source " + tt.path}})
	}
	rs := linkcheck.Check(t.Context(), client, targets, 4)
	if len(rs) != len(tests) {
		t.Fatalf("%d results for %d targets", len(rs), len(tests))
	}
	for i, tt := range tests {
		r := rs[i]
		if r.URL != srv.URL+tt.path {
			t.Errorf("result %d is for %s, want %s (results keep the targets' order)", i, r.URL, tt.path)
		}
		moved := ""
		if tt.moved != "" {
			moved = srv.URL + tt.moved
		}
		if r.Status != tt.status || r.Problem() != tt.problem || r.Dead() != (tt.problem != "") || r.Moved != moved {
			t.Errorf("%s: status %d, problem %q, dead %v, moved %q (err %v); want %d, %q, %v, %q",
				tt.path, r.Status, r.Problem(), r.Dead(), r.Moved, r.Err, tt.status, tt.problem, tt.problem != "", moved)
		}
		srv.mu.Lock()
		gets := srv.gets[tt.path]
		srv.mu.Unlock()
		if gets != tt.gets {
			t.Errorf("%s: %d GET requests, want %d", tt.path, gets, tt.gets)
		}
	}

	dead := linkcheck.Dead(rs)
	if len(dead) != 5 {
		t.Errorf("Dead: %d results, want 5", len(dead))
	}
	report := strings.Join(linkcheck.Report(rs), "\n")
	for _, want := range []string{
		"dead   " + srv.URL + "/gone  404 Not Found  (source /gone)",
		"moved  " + srv.URL + "/old → " + srv.URL + "/ok  (source /old)",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	if strings.Contains(report, "(source /elsewhere)") || strings.Contains(report, "(source /ok)") {
		t.Errorf("report names working links that did not move permanently:\n%s", report)
	}
	if got, want := linkcheck.Summary(rs), "10 links: 5 dead, 2 moved permanently"; got != want {
		t.Errorf("Summary = %q, want %q", got, want)
	}
}

// TestCheckTimeout checks that a server that never answers is dead, after
// HEAD and GET each waited for the client's timeout.
func TestCheckTimeout(t *testing.T) {
	srv := newServer(t)
	client := &http.Client{Timeout: 50 * time.Millisecond}
	rs := linkcheck.Check(t.Context(), client, []linkcheck.Target{{URL: srv.URL + "/slow", Users: []string{"source slow"}}}, 1)
	if !rs[0].Dead() || rs[0].Problem() != "timeout" {
		t.Errorf("/slow: dead %v, problem %q (err %v); want dead by timeout", rs[0].Dead(), rs[0].Problem(), rs[0].Err)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.gets["/slow"] != 1 {
		t.Errorf("/slow: %d GET requests after HEAD timed out, want 1", srv.gets["/slow"])
	}
	if got, want := linkcheck.Report(rs), []string{"dead   " + srv.URL + "/slow  timeout  (source slow)"}; !slices.Equal(got, want) {
		t.Errorf("Report = %q, want %q", got, want)
	}
}

func TestCheckNotHTTP(t *testing.T) {
	rs := linkcheck.Check(t.Context(), nil, []linkcheck.Target{{URL: "mailto:info@example.org"}, {URL: "https://"}}, 2)
	for _, r := range rs {
		if !r.Dead() || !strings.Contains(r.Problem(), "not an http or https address") {
			t.Errorf("%s: dead %v, problem %q; want dead, not http", r.URL, r.Dead(), r.Problem())
		}
	}
}

func TestCheckParallelism(t *testing.T) {
	srv := newServer(t)
	var targets []linkcheck.Target
	for i := range 12 {
		targets = append(targets, linkcheck.Target{URL: srv.URL + "/count/" + string(rune('a'+i))})
	}
	for _, parallel := range []int{0, 1, 3} {
		srv.maxSeen.Store(0)
		rs := linkcheck.Check(t.Context(), srv.Client(), targets, parallel)
		if d := linkcheck.Dead(rs); len(d) > 0 {
			t.Fatalf("parallel %d: dead %v (%v)", parallel, d[0].URL, d[0].Problem())
		}
		if got := srv.maxSeen.Load(); got > int32(max(parallel, 1)) {
			t.Errorf("parallel %d: %d requests at once", parallel, got)
		}
	}
}

func TestCheckCancelled(t *testing.T) {
	srv := newServer(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	rs := linkcheck.Check(ctx, srv.Client(), []linkcheck.Target{{URL: srv.URL + "/ok"}}, 1)
	if !rs[0].Dead() || !strings.Contains(rs[0].Problem(), "context canceled") {
		t.Errorf("after cancel: %+v, want the context's error", rs[0])
	}
}

func TestTargets(t *testing.T) {
	fsys := fstest.MapFS{
		flows.SourcesFile: {Data: []byte(`
[law]
name = "A law"
url = "https://example.org/law"
checked = 2026-11-24

[law_again]
name = "The same law, cited for another fact"
url = "https://example.org/law"
checked = 2026-11-24

[office]
name = "An office"
url = "https://example.org/office"
checked = 2026-11-24
`)},
		"demo.toml": {Data: []byte(`
id = "demo"
version = 1
title = "demo.title"
start = "result"

[[steps]]
id = "result"
type = "result"
  [[steps.links]]
  label = "demo.office"
  url = "https://example.org/office"
  [[steps.links]]
  label = "demo.portal"
  url = "https://example.org/portal"
`)},
	}
	c, err := flows.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	got := linkcheck.Targets(c)
	want := []linkcheck.Target{
		{URL: "https://example.org/law", Users: []string{"source law", "source law_again"}},
		{URL: "https://example.org/office", Users: []string{"link in demo/result", "source office"}},
		{URL: "https://example.org/portal", Users: []string{"link in demo/result"}},
	}
	if !slices.EqualFunc(got, want, func(a, b linkcheck.Target) bool { return a.URL == b.URL && slices.Equal(a.Users, b.Users) }) {
		t.Errorf("Targets = %+v\nwant %+v", got, want)
	}
}
