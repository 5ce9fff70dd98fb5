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
