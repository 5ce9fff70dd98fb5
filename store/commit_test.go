package store

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"

	"lotse/flows"
)

// TestGroupCommitIsolatesFailures: writers share transactions, but a
// write that fails fails alone, and the others commit exactly once, with
// reminder IDs that are unique (a retry after the shared rollback must not
// keep an ID the rolled-back transaction handed out).
func TestGroupCommitIsolatesFailures(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "lotse.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	boom := errors.New("boom")
	var wg sync.WaitGroup
	errs := make([]error, 200)
	rems := make([]*flows.Reminder, 200)
	for i := range 200 {
		wg.Go(func() {
			if i%10 == 0 { // every tenth write fails
				errs[i] = db.writes.update(func(tx *bolt.Tx) error {
					if err := tx.Bucket(bucketSessions).Put([]byte("junk"), []byte("x")); err != nil {
						return err
					}
					return boom
				})
				return
			}
			rems[i] = &flows.Reminder{Chat: int64(i), Kind: flows.KindFollowup}
			errs[i] = db.Save(ctx, flows.Session{Chat: int64(i)}, []flows.Reply{{Chat: int64(i), Text: "x"}}, flows.ReminderChange{Put: rems[i]})
		})
	}
	wg.Wait()
	ids := map[uint64]bool{}
	for i := range 200 {
		if i%10 == 0 {
			if !errors.Is(errs[i], boom) {
				t.Errorf("failing write %d: err %v, want boom", i, errs[i])
			}
			continue
		}
		if errs[i] != nil {
			t.Errorf("write %d failed with %v because another one did", i, errs[i])
			continue
		}
		if ids[rems[i].ID] {
			t.Errorf("reminder ID %d given twice", rems[i].ID)
		}
		ids[rems[i].ID] = true
		if r, ok, _ := db.Reminder(ctx, rems[i].ID); !ok || r.Chat != int64(i) {
			t.Errorf("reminder of chat %d stored as %+v (ok %v)", i, r, ok)
		}
	}
	pending, _ := db.Pending(ctx)
	if len(pending) != 180 {
		t.Errorf("%d replies in the outbox, want 180 (one per successful write, none twice)", len(pending))
	}
	db.bolt.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketSessions).Get([]byte("junk")) != nil {
			t.Error("a failed write's change was committed")
		}
		return nil
	})
}
