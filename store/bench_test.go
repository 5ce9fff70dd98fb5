package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"lotse/flows"
	"lotse/store"
)

func benchSession(chat int64) flows.Session {
	return flows.Session{Chat: chat, Lang: "de", LangChosen: true, Flow: "recognition", FlowVersion: 1, Step: "residence",
		Answers: map[string]string{"profession": "nurse", "body": "lpa_health", "regulated": "yes", "origin": "third"},
		History: []string{"profession", "origin"}, LastUpdateID: 123456, Updated: time.Now()}
}

// BenchmarkSave measures committing one session change with two replies to
// the outbox, durably (fsync), from 1 and from 16 goroutines.
func BenchmarkSave(b *testing.B) {
	for _, par := range []int{1, 16} {
		b.Run(fmt.Sprintf("goroutines_%d", par), func(b *testing.B) {
			db, err := store.Open(filepath.Join(b.TempDir(), "lotse.db"), store.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			ctx := context.Background()
			b.ReportAllocs()
			b.SetParallelism(par)
			var mu sync.Mutex
			next := int64(0)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					mu.Lock()
					next++
					chat := next % 1000
					mu.Unlock()
					replies := []flows.Reply{{Chat: chat, Text: "question"}, {Chat: chat, Op: flows.OpEdit, MessageID: 1, Text: "receipt"}}
					if err := db.Save(ctx, benchSession(chat), replies); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// BenchmarkSession measures loading a session.
func BenchmarkSession(b *testing.B) {
	db, err := store.Open(filepath.Join(b.TempDir(), "lotse.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	for chat := int64(0); chat < 1000; chat++ {
		db.Save(ctx, benchSession(chat), nil)
	}
	b.ReportAllocs()
	i := int64(0)
	for b.Loop() {
		i++
		if _, ok, err := db.Session(ctx, i%1000); err != nil || !ok {
			b.Fatal(err)
		}
	}
}

// BenchmarkDueReminders measures finding the due reminders among 1,000,000
// stored ones (spread over a year; 1,000 of them due now): one range scan
// of the due index.
func BenchmarkDueReminders(b *testing.B) {
	db, err := store.Open(filepath.Join(b.TempDir(), "lotse.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	const total, due, batch = 1_000_000, 1_000, 50_000
	for start := 0; start < total; start += batch {
		changes := make([]flows.ReminderChange, 0, batch)
		for i := start; i < start+batch; i++ {
			at := now.Add(time.Duration(i-due+1) * 31 * time.Second) // the first 1,000 are due
			changes = append(changes, flows.ReminderChange{Put: &flows.Reminder{Chat: int64(i), Kind: flows.KindFollowup,
				Flow: "recognition", Step: "result", Due: at, TZ: "Europe/Berlin"}})
		}
		if err := db.Save(ctx, flows.Session{Chat: -1}, nil, changes...); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		rs, err := db.DueReminders(ctx, now, 500)
		if err != nil || len(rs) != 500 {
			b.Fatalf("%d due, %v", len(rs), err)
		}
	}
}
