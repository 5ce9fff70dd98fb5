package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"lotse/flows"
)

// SchemaVersion is the layout version this code writes.
const SchemaVersion = 1

var (
	bucketMeta      = []byte("meta")
	bucketSessions  = []byte("sessions")
	bucketOutbox    = []byte("outbox")
	bucketReminders = []byte("reminders")      // id → flows.Reminder as JSON
	bucketDue       = []byte("reminders_due")  // due (unix ns) ‖ id → nothing
	bucketChatRem   = []byte("reminders_chat") // chat ‖ id → nothing
	bucketCounters  = []byte("counters")       // "date|kind|flow|step|label" → uint64
	keySchema       = []byte("schema")
)

// ErrLocked is returned by [Open] when another process holds the file.
var ErrLocked = errors.New("database is in use by another process")

// ErrSchema is returned by [Open] for a file written by a newer Lotse.
var ErrSchema = errors.New("database schema is newer than this program")

// Options configure [Open].
type Options struct {
	// LockTimeout is how long Open waits for another process to release
	// the file; zero means one second.
	LockTimeout time.Duration
	// ReadOnly opens an existing file for reading only: nothing is
	// created or migrated, and every write fails. Other read-only opens
	// may share the file, but not a running lotse (which holds it
	// exclusively: Open returns ErrLocked).
	ReadOnly bool
}

// DB is an open Lotse database. It is safe for concurrent use.
type DB struct {
	bolt   *bolt.DB
	path   string
	writes *committer // group commit for Save, Delete and Ack
}

var (
	_ flows.Store       = (*DB)(nil)
	_ flows.Outbox      = (*DB)(nil)
	_ flows.StatsSource = (*DB)(nil)
)

// Open opens the database at path, creating it if needed.
func Open(path string, opts Options) (*DB, error) {
	timeout := opts.LockTimeout
	if timeout == 0 {
		timeout = time.Second
	}
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout, ReadOnly: opts.ReadOnly})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("open %s: %w (waited %s for its lock; is another lotse running?)", path, ErrLocked, timeout)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db := &DB{bolt: b, path: path}
	check := db.init
	if opts.ReadOnly {
		check = db.checkSchema
	}
	if err := check(); err != nil {
		b.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.writes = newCommitter(b)
	return db, nil
}

func (db *DB) init() error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketMeta, bucketSessions, bucketOutbox, bucketReminders, bucketDue, bucketChatRem, bucketCounters, bucketBroadcasts} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		meta := tx.Bucket(bucketMeta)
		if err := schemaOK(meta); err != nil {
			return err
		}
		return meta.Put(keySchema, u64(SchemaVersion))
	})
}

// checkSchema refuses a file of a newer version, or not a Lotse database,
// without writing.
func (db *DB) checkSchema() error {
	return db.bolt.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil || tx.Bucket(bucketSessions) == nil {
			return errors.New("not a lotse database")
		}
		return schemaOK(meta)
	})
}

func schemaOK(meta *bolt.Bucket) error {
	if v := meta.Get(keySchema); v != nil {
		if got := binary.BigEndian.Uint64(v); got > SchemaVersion {
			return fmt.Errorf("%w: file has version %d, this program knows %d", ErrSchema, got, SchemaVersion)
		}
	}
	return nil
}

// Path returns the file's path.
func (db *DB) Path() string { return db.path }

// Close closes the database, after the writes already under way.
func (db *DB) Close() error {
	db.writes.close()
	if err := db.bolt.Close(); err != nil {
		return fmt.Errorf("close %s: %w", db.path, err)
	}
	return nil
}

func u64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

// Session returns the chat's session; ok is false when there is none.
func (db *DB) Session(ctx context.Context, chat int64) (flows.Session, bool, error) {
	var s flows.Session
	var ok bool
	if err := ctx.Err(); err != nil {
		return s, false, fmt.Errorf("load session: %w", err)
	}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketSessions).Get(u64(uint64(chat)))
		if v == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(v, &s)
	})
	if err != nil {
		return flows.Session{}, false, fmt.Errorf("load session: %w", err)
	}
	return s, ok, nil
}

// Delete removes everything stored about a chat, appends the replies (the
// confirmation) to the outbox and adds the counts to the usage counters,
// in one transaction.
func (db *DB) Delete(ctx context.Context, chat int64, replies []flows.Reply, counts ...flows.Count) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("delete chat: %w", err)
	}
	err := db.writes.update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketSessions).Delete(u64(uint64(chat))); err != nil {
			return err
		}
		if err := deleteChatReminders(tx, chat); err != nil {
			return err
		}
		if err := addCounts(tx, counts); err != nil {
			return err
		}
		return appendOutbox(tx, replies)
	})
	if err != nil {
		return fmt.Errorf("delete chat: %w", err)
	}
	return nil
}

// DeleteInactive removes the sessions and reminders of chats whose last
// activity was before the given time, and returns how many chats it
// removed.
func (db *DB) DeleteInactive(ctx context.Context, before time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("delete inactive: %w", err)
	}
	n := 0
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketSessions).Cursor()
		for k, v := c.First(); k != nil; {
			var s struct {
				Updated time.Time `json:"updated"`
			}
			if err := json.Unmarshal(v, &s); err != nil {
				return fmt.Errorf("session %x: %w", k, err)
			}
			if s.Updated.Before(before) {
				key := append([]byte(nil), k...)
				if err := c.Delete(); err != nil {
					return err
				}
				if err := deleteChatReminders(tx, int64(binary.BigEndian.Uint64(key))); err != nil {
					return err
				}
				n++
				k, v = c.Seek(key) // after Delete, Next may skip a key: look again from here
				continue
			}
			k, v = c.Next()
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("delete inactive: %w", err)
	}
	return n, nil
}

// Save stores the session, appends the replies to the outbox and applies
// the changes (reminders, usage counters, broadcasts), in one transaction. It sets
// each reply's ID and each new reminder's.
func (db *DB) Save(ctx context.Context, s flows.Session, replies []flows.Reply, changes ...flows.Change) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	sv, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	var fresh []*flows.Reminder // new reminders: their IDs come from this transaction
	for _, c := range changes {
		if c.Put != nil && c.Put.ID == 0 {
			fresh = append(fresh, c.Put)
		}
	}
	err = db.writes.update(func(tx *bolt.Tx) error {
		for _, r := range fresh {
			r.ID = 0 // a retry after a rollback must not keep a rolled-back ID
		}
		if err := tx.Bucket(bucketSessions).Put(u64(uint64(s.Chat)), sv); err != nil {
			return err
		}
		if err := applyReminders(tx, changes); err != nil {
			return err
		}
		if err := applyBroadcasts(tx, changes); err != nil {
			return err
		}
		for _, c := range changes {
			if err := addCounts(tx, c.Counts); err != nil {
				return err
			}
		}
		return appendOutbox(tx, replies)
	})
	if err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	return nil
}

// appendOutbox adds replies to the outbox and sets their IDs.
func appendOutbox(tx *bolt.Tx, replies []flows.Reply) error {
	out := tx.Bucket(bucketOutbox)
	for i := range replies {
		id, err := out.NextSequence()
		if err != nil {
			return err
		}
		replies[i].ID = id
		v, err := json.Marshal(replies[i])
		if err != nil {
			return err
		}
		if err := out.Put(u64(id), v); err != nil {
			return err
		}
	}
	return nil
}

// Pending returns the replies in the outbox, oldest first.
func (db *DB) Pending(ctx context.Context) ([]flows.Reply, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	var rs []flows.Reply
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketOutbox).ForEach(func(k, v []byte) error {
			var r flows.Reply
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("reply %x: %w", k, err)
			}
			r.ID = binary.BigEndian.Uint64(k)
			rs = append(rs, r)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	return rs, nil
}

// Ack removes delivered replies from the outbox, in one transaction.
// Acknowledging a reply that is not there is not an error.
func (db *DB) Ack(ctx context.Context, ids ...uint64) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("ack %d replies: %w", len(ids), err)
	}
	err := db.writes.update(func(tx *bolt.Tx) error {
		out := tx.Bucket(bucketOutbox)
		for _, id := range ids {
			if err := out.Delete(u64(id)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("ack %d replies: %w", len(ids), err)
	}
	return nil
}

// Backup writes a consistent copy of the database to w (bbolt's
// Tx.WriteTo, in a read transaction, so the database stays usable).
func (db *DB) Backup(ctx context.Context, w io.Writer) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	var n int64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("backup: %w", err)
	}
	return n, nil
}

// Stats counts sessions for admins: in total, active in the last 7 and 30
// days, per language and per flow step; and it returns the usage counters
// of the days flows.StatsPeriod names. It reads every session once.
func (db *DB) Stats(ctx context.Context, now time.Time) (flows.Stats, error) {
	st := flows.Stats{Languages: map[string]int{}, Steps: map[string]int{}}
	if err := ctx.Err(); err != nil {
		return st, fmt.Errorf("stats: %w", err)
	}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		err := tx.Bucket(bucketSessions).ForEach(func(k, v []byte) error {
			var s struct {
				Lang    string    `json:"lang"`
				Flow    string    `json:"flow"`
				Step    string    `json:"step"`
				Updated time.Time `json:"updated"`
			}
			if err := json.Unmarshal(v, &s); err != nil {
				return fmt.Errorf("session %x: %w", k, err)
			}
			st.Add(s.Lang, s.Flow, s.Step, s.Updated, now)
			return nil
		})
		if err != nil {
			return err
		}
		from, to := flows.StatsPeriod(now)
		st.Counts = readCounts(tx, from, to)
		return nil
	})
	if err != nil {
		return st, fmt.Errorf("stats: %w", err)
	}
	return st, nil
}
