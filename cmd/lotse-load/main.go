// Command lotse-load measures Lotse under load. It starts the real bot (the
// same code as production: poll loop, per-chat workers, engine, bbolt on
// disk, outbox, sender) against the in-process fake Bot API over loopback
// HTTP, lets N users each walk K steps of the recognition flow at once,
// every user waiting for the bot's answer before the next step, and prints
// throughput, reply latency, errors, lost and repeated replies, allocations
// per update, peak RSS and the database size.
//
//	go run ./cmd/lotse-load -users 2000 -steps 5
//	go run ./cmd/lotse-load -users 2000 -rate 1000 -duration 20s   # latency at a steady rate
//	go run ./cmd/lotse-load -users 100 -stored 100000               # memory and start-up with many users stored
//
// Telegram's own limits (30 messages/s) are off: the point is Lotse's own
// cost. Peak RSS and allocations are of the whole process, fake server and
// simulated users included.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"lotse/bot"
	"lotse/bot/telegramtest"
	"lotse/flows"
	"lotse/flows/content"
	"lotse/locales"
	"lotse/store"
)

func main() {
	users := flag.Int("users", 2000, "simulated users")
	steps := flag.Int("steps", 5, "steps each user walks (at most 11)")
	perSec := flag.Int("rate", 0, "updates per second overall (0: as fast as the users get answers)")
	duration := flag.Duration("duration", 0, "with -rate: keep going this long (users repeat their walk)")
	stored := flag.Int("stored", 0, "sessions stored in the database before the start")
	window := flag.Int("window", 16, "sends in flight (production default 1)")
	workers := flag.Int("workers", 16, "chat workers")
	dbPath := flag.String("db", "", "database file (default: a temporary one)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	memProfile := flag.String("memprofile", "", "write a heap profile at the end of the run to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "lotse-load:", err)
			os.Exit(1)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	heapProfile = *memProfile
	if err := run(*users, min(*steps, 11), *perSec, *duration, *stored, *window, *workers, *dbPath); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "lotse-load:", err)
		os.Exit(1)
	}
}

// action is one step of a user: a text or command, or a button press.
type action struct{ text, press string }

func script(v int) []action {
	c := func(step, opt string) string { return fmt.Sprintf("c:recognition:%d:%s:%s", v, step, opt) }
	return []action{
		{text: "/start"}, {press: "l:en"}, {press: "f:recognition"}, {text: "nurse"},
		{press: c("origin", "third")}, {press: c("residence", "germany")},
		{press: fmt.Sprintf("b:recognition:%d:result", v)}, {press: c("residence", "abroad")},
		{text: "/menu"}, {press: "f:language"}, {text: "/help"},
	}
}

// user is one simulated user; the server's send hook feeds it.
type user struct {
	chat    int64
	replies chan telegramtest.Message
	sent    atomic.Int64
}

func run(nUsers, steps, perSec int, duration time.Duration, stored, window, workers int, dbPath string) error {
	dir, err := os.MkdirTemp("", "lotse-load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if dbPath == "" {
		dbPath = filepath.Join(dir, "lotse.db")
	}
	set, err := flows.Load(content.Files)
	if err != nil {
		return err
	}
	v := set.Flows["recognition"].Version
	acts := script(v)[:steps]
	// Later rounds (with -duration) start from the menu: a returning user
	// gets no language picker.
	again := append([]action{{text: "/menu"}}, script(v)[2:]...)[:steps]
	if stored > 0 {
		if err := prefill(dbPath, stored); err != nil {
			return err
		}
	}

	us := make([]*user, nUsers)
	byChat := make(map[int64]*user, nUsers)
	for i := range us {
		us[i] = &user{chat: int64(1_000_000 + i), replies: make(chan telegramtest.Message, 64)}
		byChat[us[i].chat] = us[i]
	}
	srv, err := telegramtest.Start("127.0.0.1:0", telegramtest.DefaultToken, telegramtest.WithMaxCalls(100),
		telegramtest.WithLogf(nil), telegramtest.WithOnSend(func(chat int64, m telegramtest.Message) {
			if u := byChat[chat]; u != nil {
				u.sent.Add(1)
				select {
				case u.replies <- m:
				default: // the user is not listening (a repeat): counted, not delivered
				}
			}
		}))
	if err != nil {
		return err
	}
	defer srv.Close()

	cat, err := locales.Default()
	if err != nil {
		return err
	}
	db, err := store.Open(dbPath, store.Options{})
	if err != nil {
		return err
	}
	engine, err := flows.NewEngine(flows.Config{Content: set, Store: db, Translator: cat})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	begin := time.Now()
	b, err := bot.New(ctx, bot.Config{Token: telegramtest.DefaultToken, Endpoint: srv.Endpoint(), Handler: engine, Outbox: db,
		Logger: slog.New(slog.DiscardHandler), GlobalRate: rate.Inf, ChatRate: rate.Inf, SendWindow: window, Workers: workers,
		PollTimeout: time.Second})
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	if !srv.WaitFor(10*time.Second, func() bool { return srv.CallCount("getUpdates") > 0 }) {
		return fmt.Errorf("the bot never polled")
	}
	// The long poll wakes waiters only when it returns: take the time the
	// server recorded for the first getUpdates.
	startup := srv.CallsTo("getUpdates")[0].Time.Sub(begin)

	var limiter *rate.Limiter
	if perSec > 0 {
		limiter = rate.NewLimiter(rate.Limit(perSec), 1)
	}
	var ms0 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	var mu sync.Mutex
	var lat []time.Duration
	var updates, lost atomic.Int64
	t0 := time.Now()
	deadline := t0.Add(duration)
	var wg sync.WaitGroup
	for _, u := range us {
		wg.Go(func() {
			from := telegramtest.User{ID: u.chat, FirstName: "L", LanguageCode: "en"}
			var last telegramtest.Message // the newest message with buttons
			for round := 0; round == 0 || limiter != nil && time.Now().Before(deadline); round++ {
				walk := acts
				if round > 0 {
					walk = again
				}
				for _, a := range walk {
					if limiter != nil {
						if limiter.Wait(ctx) != nil {
							return
						}
					}
					start := time.Now()
					if a.press != "" {
						id := 0
						for _, row := range last.Keyboard {
							for _, b := range row {
								if b.CallbackData == a.press {
									id = last.ID
								}
							}
						}
						if id == 0 {
							lost.Add(1)
							return
						}
						srv.PressButton(u.chat, id, a.press)
					} else {
						srv.SendText(u.chat, from, a.text)
					}
					updates.Add(1)
					first := true
					timeout := time.NewTimer(10 * time.Second)
				wait: // collect this step's replies until the next step's button shows, or a pause
					for {
						select {
						case m := <-u.replies:
							if first {
								mu.Lock()
								lat = append(lat, time.Since(start))
								mu.Unlock()
								first = false
							}
							if len(m.Keyboard) > 0 {
								last = m
							}
							if len(m.Keyboard) > 0 && m.Text != "" && !strings.HasPrefix(m.Text, "👋") {
								break wait
							}
						case <-timeout.C:
							if first {
								lost.Add(1)
								return
							}
							break wait
						}
					}
					timeout.Stop()
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(t0)
	var ms1 runtime.MemStats
	runtime.ReadMemStats(&ms1)
	cancel()
	<-done
	db.Close()

	n := updates.Load()
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(math.Ceil(p*float64(len(lat))))-1)]
	}
	var sent int64
	for _, u := range us {
		sent += u.sent.Load()
	}
	fi, _ := os.Stat(dbPath)
	fmt.Printf("users %d × steps %d (%s), %d CPUs\n", nUsers, len(acts), mode(perSec, duration), runtime.NumCPU())
	fmt.Printf("updates            %d in %v: %.0f updates/s\n", n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds())
	fmt.Printf("reply latency      p50 %v  p95 %v  p99 %v  max %v\n", pct(0.50), pct(0.95), pct(0.99), pct(1))
	fmt.Printf("lost               %d (steps without an answer)\n", lost.Load())
	fmt.Printf("messages sent      %d\n", sent)
	fmt.Printf("allocations        %.0f per update (whole process)\n", float64(ms1.Mallocs-ms0.Mallocs)/float64(max(n, 1)))
	fmt.Printf("peak RSS           %s (whole process)\n", peakRSS())
	if heapProfile != "" {
		if err := writeHeapProfile(heapProfile); err != nil {
			return err
		}
	}
	fmt.Printf("database           %.1f MiB, %d sessions stored before\n", float64(fi.Size())/(1<<20), stored)
	fmt.Printf("start-up           %v to the first getUpdates\n", startup.Round(time.Millisecond))
	if lost.Load() > 0 {
		return fmt.Errorf("%d steps got no answer", lost.Load())
	}
	return nil
}

func mode(perSec int, d time.Duration) string {
	if perSec == 0 {
		return "as fast as answered"
	}
	return fmt.Sprintf("steady %d/s for %v", perSec, d)
}

// prefill stores n sessions, as if n users had talked to the bot.
func prefill(path string, n int) error {
	db, err := store.Open(path, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	ctx := context.Background()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			db.Save(ctx, flows.Session{Chat: int64(10_000_000 + i), Lang: "de", LangChosen: true, Flow: "recognition", FlowVersion: 1,
				Step: "origin", Answers: map[string]string{"profession": "nurse", "body": "lpa_health"}, Updated: time.Now()}, nil)
		})
	}
	wg.Wait()
	return nil
}

// peakRSS reads the process's peak resident memory (Linux).
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(v)
			if kb, err := strconv.Atoi(f[0]); err == nil {
				return fmt.Sprintf("%.1f MiB", float64(kb)/1024)
			}
		}
	}
	return "unknown"
}

// heapProfile is where -memprofile writes the heap as the run ends, before
// the bot and the server are gone.
var heapProfile string

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	runtime.GC()
	return pprof.Lookup("heap").WriteTo(f, 0)
}
