package store

import (
	"context"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Ping checks that the database answers: a read transaction that reads the
// schema version. It returns when ctx ends even if bbolt does not.
func (db *DB) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	done := make(chan error, 1)
	go func() {
		done <- db.bolt.View(func(tx *bolt.Tx) error {
			if tx.Bucket(bucketMeta).Get(keySchema) == nil {
				return errors.New("no schema version")
			}
			return nil
		})
	}()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("ping database: %w", err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("ping database: %w", ctx.Err())
	}
}

// SessionCount returns how many sessions are stored. It walks the
// sessions' pages without decoding them: cheaper than [DB.Stats], but
// still a full scan, so call it rarely.
func (db *DB) SessionCount(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("count sessions: %w", err)
	}
	var n int
	err := db.bolt.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketSessions).Stats().KeyN
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("count sessions: %w", err)
	}
	return n, nil
}
