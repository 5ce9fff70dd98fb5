package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"lotse/flows"
)

// addCounts adds to the usage counters (bucket "counters": key
// "date|kind|flow|step|label", value a big-endian uint64). It runs in the
// transaction of the change that caused the counts.
func addCounts(tx *bolt.Tx, counts []flows.Count) error {
	if len(counts) == 0 {
		return nil
	}
	b := tx.Bucket(bucketCounters)
	for _, c := range counts {
		key := []byte(c.Key)
		var n uint64
		if v := b.Get(key); len(v) == 8 {
			n = binary.BigEndian.Uint64(v)
		}
		if err := b.Put(key, u64(n+c.N)); err != nil {
			return fmt.Errorf("counter %q: %w", c.Key, err)
		}
	}
	return nil
}

// readCounts returns the counters of the UTC days from through to
// (inclusive; a zero time leaves that end open), in key order: by date,
// then kind, flow, step and label. A file without counters has none.
func readCounts(tx *bolt.Tx, from, to time.Time) []flows.Count {
	b := tx.Bucket(bucketCounters)
	if b == nil {
		return nil // a file from before counters, opened read-only
	}
	var start []byte
	if !from.IsZero() {
		start = []byte(from.UTC().Format(flows.DateLayout))
	}
	end := ""
	if !to.IsZero() {
		end = to.UTC().Format(flows.DateLayout) + "|\xff" // after every key of that day
	}
	var out []flows.Count
	c := b.Cursor()
	k, v := c.First()
	if start != nil {
		k, v = c.Seek(start)
	}
	for ; k != nil && (end == "" || string(k) < end); k, v = c.Next() {
		if len(v) == 8 {
			out = append(out, flows.Count{Key: string(k), N: binary.BigEndian.Uint64(v)})
		}
	}
	return out
}

// Counts returns the usage counters of the UTC days from through to
// (inclusive; a zero time leaves that end open), ordered by date, kind,
// flow, step and label. They are aggregate: no key names a chat.
func (db *DB) Counts(ctx context.Context, from, to time.Time) ([]flows.Count, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("read counters: %w", err)
	}
	var out []flows.Count
	err := db.bolt.View(func(tx *bolt.Tx) error {
		out = readCounts(tx, from, to)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read counters: %w", err)
	}
	return out, nil
}
