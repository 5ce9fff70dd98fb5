package store

import (
	"errors"
	"sync"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// maxBatch bounds how many writes share one transaction.
const maxBatch = 256

// committer runs write transactions for many goroutines as one group
// commit: the writes that arrive while a commit is running go into the
// next transaction together, so concurrent writers share an fsync. Unlike
// bbolt's DB.Batch it waits for no timer: a lone write commits at once.
type committer struct {
	db   *bolt.DB
	reqs chan *commitReq
	done chan struct{}

	mu     sync.RWMutex // guards closed and sending on reqs
	closed bool
}

type commitReq struct {
	fn  func(*bolt.Tx) error
	err chan error
}

func newCommitter(db *bolt.DB) *committer {
	c := &committer{db: db, reqs: make(chan *commitReq, maxBatch), done: make(chan struct{})}
	go c.run()
	return c
}

// update runs fn in a write transaction, possibly together with others,
// and returns once that transaction committed (or failed). fn may run more
// than once (after a rollback), so it must set up its own state.
func (c *committer) update(fn func(*bolt.Tx) error) error {
	r := &commitReq{fn: fn, err: make(chan error, 1)}
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return berrors.ErrDatabaseNotOpen
	}
	c.reqs <- r
	c.mu.RUnlock()
	return <-r.err
}

// errIn marks which function of a batch failed.
type errIn struct {
	r   *commitReq
	err error
}

func (e *errIn) Error() string { return e.err.Error() }

func (e *errIn) Unwrap() error { return e.err }

func (c *committer) run() {
	defer close(c.done)
	for first := range c.reqs {
		batch := []*commitReq{first}
	more:
		for len(batch) < maxBatch {
			select {
			case r, ok := <-c.reqs:
				if !ok {
					break more
				}
				batch = append(batch, r)
			default:
				break more
			}
		}
		err := c.db.Update(func(tx *bolt.Tx) error {
			for _, r := range batch {
				if err := r.fn(tx); err != nil {
					return &errIn{r: r, err: err}
				}
			}
			return nil
		})
		var failed *errIn
		switch {
		case err == nil:
			for _, r := range batch {
				r.err <- nil
			}
		case len(batch) == 1 && errors.As(err, &failed):
			first.err <- failed.err
		case len(batch) == 1 || !errors.As(err, &failed):
			for _, r := range batch { // the commit itself failed: for everyone
				r.err <- err
			}
		default:
			// One function failed and rolled back everyone's: run each on
			// its own, so only the failing one fails.
			for _, r := range batch {
				r.err <- c.db.Update(r.fn)
			}
		}
	}
}

// close stops the committer after the writes already queued; closing
// twice is harmless.
func (c *committer) close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.reqs)
	}
	c.mu.Unlock()
	<-c.done
}
