package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"lotse/flows"
)

// bucketBroadcasts holds the admins' broadcasts: id → flows.Broadcast as
// JSON, with its cursor and counts.
var bucketBroadcasts = []byte("broadcasts")

var _ flows.BroadcastStore = (*DB)(nil)

// applyBroadcasts applies the broadcast parts of changes: new broadcasts,
// deliveries (cursor and counts) and stops. A sent or skipped delivery
// for a chat not after the cursor, or of a broadcast no longer sending,
// fails with flows.ErrBroadcastDone, which rolls the whole transaction
// back (the message with it).
func applyBroadcasts(tx *bolt.Tx, changes []flows.Change) error {
	bs := tx.Bucket(bucketBroadcasts)
	for _, c := range changes {
		if c.Broadcast != nil {
			id, err := bs.NextSequence()
			if err != nil {
				return err
			}
			c.Broadcast.ID = id
			if err := putBroadcast(bs, *c.Broadcast); err != nil {
				return err
			}
		}
		if d := c.Delivery; d != nil {
			b, ok, err := getBroadcast(bs, d.Broadcast)
			if err != nil {
				return err
			}
			if !ok {
				if d.Outcome == flows.DeliveryBlocked {
					continue // deleted meanwhile: nothing to count
				}
				return fmt.Errorf("broadcast %d: %w", d.Broadcast, flows.ErrBroadcastDone)
			}
			switch d.Outcome {
			case flows.DeliveryBlocked:
				b.Blocked++
			case flows.DeliverySent, flows.DeliverySkipped:
				if b.Status != flows.BroadcastSending || !flows.ChatAfter(d.Chat, b.Cursor) {
					return fmt.Errorf("broadcast %d: %w", d.Broadcast, flows.ErrBroadcastDone)
				}
				b.Cursor = d.Chat
				if d.Outcome == flows.DeliverySent {
					b.Sent++
				} else {
					b.Skipped++
				}
			default:
				return fmt.Errorf("broadcast %d: unknown delivery outcome %q", d.Broadcast, d.Outcome)
			}
			if err := putBroadcast(bs, b); err != nil {
				return err
			}
		}
		if c.StopBroadcast != 0 {
			if err := setStatus(bs, c.StopBroadcast, flows.BroadcastStopped, time.Now()); err != nil {
				return err
			}
		}
	}
	return nil
}

func putBroadcast(bs *bolt.Bucket, b flows.Broadcast) error {
	v, err := json.Marshal(b)
	if err != nil {
		return err
	}
	return bs.Put(u64(b.ID), v)
}

func getBroadcast(bs *bolt.Bucket, id uint64) (flows.Broadcast, bool, error) {
	var b flows.Broadcast
	if bs == nil {
		return b, false, nil // a file from before broadcasts, opened read-only
	}
	v := bs.Get(u64(id))
	if v == nil {
		return b, false, nil
	}
	if err := json.Unmarshal(v, &b); err != nil {
		return b, false, fmt.Errorf("broadcast %d: %w", id, err)
	}
	return b, true, nil
}

// setStatus moves a sending broadcast to status (done, stopped); others
// stay as they are.
func setStatus(bs *bolt.Bucket, id uint64, status string, at time.Time) error {
	b, ok, err := getBroadcast(bs, id)
	if err != nil || !ok || b.Status != flows.BroadcastSending {
		return err
	}
	b.Status, b.Finished = status, at.UTC()
	return putBroadcast(bs, b)
}

// Broadcast returns one broadcast.
func (db *DB) Broadcast(ctx context.Context, id uint64) (flows.Broadcast, bool, error) {
	var b flows.Broadcast
	var ok bool
	if err := ctx.Err(); err != nil {
		return b, false, fmt.Errorf("broadcast %d: %w", id, err)
	}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		b, ok, err = getBroadcast(tx.Bucket(bucketBroadcasts), id)
		return err
	})
	if err != nil {
		return flows.Broadcast{}, false, fmt.Errorf("broadcast %d: %w", id, err)
	}
	return b, ok, nil
}

// Broadcasts returns up to limit broadcasts, newest first.
func (db *DB) Broadcasts(ctx context.Context, limit int) ([]flows.Broadcast, error) {
	return db.broadcasts(ctx, limit, func(flows.Broadcast) bool { return true })
}

// OpenBroadcasts returns the broadcasts still sending, oldest first.
func (db *DB) OpenBroadcasts(ctx context.Context) ([]flows.Broadcast, error) {
	bs, err := db.broadcasts(ctx, -1, func(b flows.Broadcast) bool { return b.Status == flows.BroadcastSending })
	for i, j := 0, len(bs)-1; i < j; i, j = i+1, j-1 {
		bs[i], bs[j] = bs[j], bs[i]
	}
	return bs, err
}

// broadcasts returns up to limit (negative: all) broadcasts that pass
// keep, newest first.
func (db *DB) broadcasts(ctx context.Context, limit int, keep func(flows.Broadcast) bool) ([]flows.Broadcast, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list broadcasts: %w", err)
	}
	var out []flows.Broadcast
	err := db.bolt.View(func(tx *bolt.Tx) error {
		bs := tx.Bucket(bucketBroadcasts)
		if bs == nil {
			return nil
		}
		c := bs.Cursor()
		for k, v := c.Last(); k != nil && (limit < 0 || len(out) < limit); k, v = c.Prev() {
			var b flows.Broadcast
			if err := json.Unmarshal(v, &b); err != nil {
				return fmt.Errorf("broadcast %x: %w", k, err)
			}
			if keep(b) {
				out = append(out, b)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list broadcasts: %w", err)
	}
	return out, nil
}

// FinishBroadcast marks a broadcast that is still sending as done.
func (db *DB) FinishBroadcast(ctx context.Context, id uint64, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("finish broadcast %d: %w", id, err)
	}
	err := db.writes.update(func(tx *bolt.Tx) error {
		return setStatus(tx.Bucket(bucketBroadcasts), id, flows.BroadcastDone, at)
	})
	if err != nil {
		return fmt.Errorf("finish broadcast %d: %w", id, err)
	}
	return nil
}

// segmentSession is the part of a session a segment looks at.
type segmentSession struct {
	Lang     string `json:"lang"`
	Flow     string `json:"flow"`
	Inactive bool   `json:"inactive"`
}

func (s segmentSession) session() flows.Session {
	return flows.Session{Lang: s.Lang, Flow: s.Flow, Inactive: s.Inactive}
}

// Audience counts the members of a segment: active ones by language, and
// those who blocked the bot. It reads every session once.
func (db *DB) Audience(ctx context.Context, seg flows.Segment) (flows.Audience, error) {
	a := flows.Audience{Langs: map[string]int{}}
	if err := ctx.Err(); err != nil {
		return a, fmt.Errorf("broadcast audience: %w", err)
	}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSessions).ForEach(func(k, v []byte) error {
			var s segmentSession
			if err := json.Unmarshal(v, &s); err != nil {
				return fmt.Errorf("session %x: %w", k, err)
			}
			switch {
			case !seg.Has(s.session()):
			case s.Inactive:
				a.Blocked++
			default:
				a.Langs[s.Lang]++
			}
			return nil
		})
	})
	if err != nil {
		return a, fmt.Errorf("broadcast audience: %w", err)
	}
	return a, nil
}

// Recipients returns up to limit chats after the given one (in key order,
// see flows.ChatAfter) whose sessions belong to the segment, blocked or
// not: one cursor scan from after.
func (db *DB) Recipients(ctx context.Context, seg flows.Segment, after int64, limit int) ([]int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("broadcast recipients: %w", err)
	}
	var out []int64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketSessions).Cursor()
		k, v := c.Seek(u64(uint64(after)))
		if k != nil && binary.BigEndian.Uint64(k) == uint64(after) {
			k, v = c.Next()
		}
		for ; k != nil && len(out) < limit; k, v = c.Next() {
			var s segmentSession
			if err := json.Unmarshal(v, &s); err != nil {
				return fmt.Errorf("session %x: %w", k, err)
			}
			if seg.Has(s.session()) {
				out = append(out, int64(binary.BigEndian.Uint64(k)))
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("broadcast recipients: %w", err)
	}
	return out, nil
}
