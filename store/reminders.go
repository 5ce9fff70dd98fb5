package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"lotse/flows"
)

// dueKey orders reminders by due time, then ID: one cursor range scan finds
// everything due.
func dueKey(due time.Time, id uint64) []byte {
	k := make([]byte, 16)
	binary.BigEndian.PutUint64(k, uint64(due.UnixNano()))
	binary.BigEndian.PutUint64(k[8:], id)
	return k
}

func chatKey(chat int64, id uint64) []byte {
	k := make([]byte, 16)
	binary.BigEndian.PutUint64(k, uint64(chat))
	binary.BigEndian.PutUint64(k[8:], id)
	return k
}

// applyReminders stores and deletes reminders, keeping the indexes right.
func applyReminders(tx *bolt.Tx, changes []flows.ReminderChange) error {
	for _, c := range changes {
		if c.Delete != 0 {
			if err := deleteReminder(tx, c.Delete); err != nil {
				return err
			}
		}
		if c.Put != nil {
			if err := putReminder(tx, c.Put); err != nil {
				return err
			}
		}
	}
	return nil
}

func putReminder(tx *bolt.Tx, r *flows.Reminder) error {
	rems := tx.Bucket(bucketReminders)
	if r.ID == 0 {
		id, err := rems.NextSequence()
		if err != nil {
			return err
		}
		r.ID = id
	} else if err := deleteReminder(tx, r.ID); err != nil { // drop the old index entries
		return err
	}
	r.Due = r.Due.UTC()
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := rems.Put(u64(r.ID), v); err != nil {
		return err
	}
	if !r.Sent { // a sent follow-up waits for the user's answer, not the clock
		if err := tx.Bucket(bucketDue).Put(dueKey(r.Due, r.ID), nil); err != nil {
			return err
		}
	}
	return tx.Bucket(bucketChatRem).Put(chatKey(r.Chat, r.ID), nil)
}

func deleteReminder(tx *bolt.Tx, id uint64) error {
	rems := tx.Bucket(bucketReminders)
	v := rems.Get(u64(id))
	if v == nil {
		return nil
	}
	var r flows.Reminder
	if err := json.Unmarshal(v, &r); err != nil {
		return fmt.Errorf("reminder %d: %w", id, err)
	}
	if err := tx.Bucket(bucketDue).Delete(dueKey(r.Due, id)); err != nil {
		return err
	}
	if err := tx.Bucket(bucketChatRem).Delete(chatKey(r.Chat, id)); err != nil {
		return err
	}
	return rems.Delete(u64(id))
}

// deleteChatReminders removes every reminder of a chat.
func deleteChatReminders(tx *bolt.Tx, chat int64) error {
	var ids []uint64
	prefix := u64(uint64(chat))
	c := tx.Bucket(bucketChatRem).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		ids = append(ids, binary.BigEndian.Uint64(k[8:]))
	}
	for _, id := range ids {
		if err := deleteReminder(tx, id); err != nil {
			return err
		}
	}
	return nil
}

// Reminders returns a chat's reminders, soonest first.
func (db *DB) Reminders(ctx context.Context, chat int64) ([]flows.Reminder, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("reminders of a chat: %w", err)
	}
	var out []flows.Reminder
	err := db.bolt.View(func(tx *bolt.Tx) error {
		prefix := u64(uint64(chat))
		rems := tx.Bucket(bucketReminders)
		c := tx.Bucket(bucketChatRem).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			r, err := decodeReminder(rems, k[8:])
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reminders of a chat: %w", err)
	}
	sortByDue(out)
	return out, nil
}

// decodeReminder reads the reminder with the given ID (8 bytes) from the
// reminders bucket.
func decodeReminder(rems *bolt.Bucket, id []byte) (flows.Reminder, error) {
	var r flows.Reminder
	if err := json.Unmarshal(rems.Get(id), &r); err != nil {
		return r, fmt.Errorf("reminder %x: %w", id, err)
	}
	return r, nil
}

func sortByDue(rs []flows.Reminder) {
	for i := 1; i < len(rs); i++ { // few per chat: insertion sort
		for j := i; j > 0 && rs[j].Due.Before(rs[j-1].Due); j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
}

// Reminder returns one reminder.
func (db *DB) Reminder(ctx context.Context, id uint64) (flows.Reminder, bool, error) {
	var r flows.Reminder
	if err := ctx.Err(); err != nil {
		return r, false, fmt.Errorf("reminder %d: %w", id, err)
	}
	ok := false
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketReminders).Get(u64(id))
		if v == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(v, &r)
	})
	if err != nil {
		return r, false, fmt.Errorf("reminder %d: %w", id, err)
	}
	return r, ok, nil
}

// DueReminders returns up to limit reminders due at or before t, oldest
// first: one range scan of the due index, however many are stored.
func (db *DB) DueReminders(ctx context.Context, t time.Time, limit int) ([]flows.Reminder, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("due reminders: %w", err)
	}
	var out []flows.Reminder
	end := uint64(t.UnixNano())
	err := db.bolt.View(func(tx *bolt.Tx) error {
		rems := tx.Bucket(bucketReminders)
		c := tx.Bucket(bucketDue).Cursor()
		for k, _ := c.First(); k != nil && binary.BigEndian.Uint64(k) <= end && len(out) < limit; k, _ = c.Next() {
			r, err := decodeReminder(rems, k[8:])
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("due reminders: %w", err)
	}
	return out, nil
}
