package flowstest

import (
	"cmp"
	"context"
	"encoding/json"
	"maps"
	"slices"
	"sync"
	"time"

	"lotse/flows"
)

// MemStore is an in-memory flows.Store with an outbox. Sessions are stored
// as JSON, like the real store, so what does not survive encoding does not
// survive here either.
type MemStore struct {
	mu        sync.Mutex
	sessions  map[int64][]byte
	outbox    []flows.Reply
	seq       uint64
	reminders map[uint64]flows.Reminder
	remSeq    uint64
	counters  map[string]uint64
	bcasts    map[uint64]flows.Broadcast
	bcastSeq  uint64
}

var (
	_ flows.Store          = (*MemStore)(nil)
	_ flows.Outbox         = (*MemStore)(nil)
	_ flows.StatsSource    = (*MemStore)(nil)
	_ flows.BroadcastStore = (*MemStore)(nil)
)

// NewMemStore returns an empty store.
func NewMemStore() *MemStore {
	return &MemStore{sessions: map[int64][]byte{}, reminders: map[uint64]flows.Reminder{}, counters: map[string]uint64{}, bcasts: map[uint64]flows.Broadcast{}}
}

// Session returns the chat's session.
func (m *MemStore) Session(_ context.Context, chat int64) (flows.Session, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var s flows.Session
	v, ok := m.sessions[chat]
	if !ok {
		return s, false, nil
	}
	err := json.Unmarshal(v, &s)
	return s, true, err
}

// Save stores the session, appends the replies to the outbox and applies
// the changes (reminders and usage counters).
func (m *MemStore) Save(_ context.Context, s flows.Session, replies []flows.Reply, changes ...flows.Change) error {
	v, err := json.Marshal(s)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.applyBroadcasts(changes); err != nil {
		return err
	}
	m.sessions[s.Chat] = v
	for _, c := range changes {
		delete(m.reminders, c.Delete)
		if c.Put != nil {
			if c.Put.ID == 0 {
				m.remSeq++
				c.Put.ID = m.remSeq
			}
			c.Put.Due = c.Put.Due.UTC()
			m.reminders[c.Put.ID] = *c.Put
		}
		m.add(c.Counts)
	}
	for i := range replies {
		m.seq++
		replies[i].ID = m.seq
		m.outbox = append(m.outbox, replies[i])
	}
	return nil
}

// Delete removes the chat's session, appends the replies to the outbox
// and adds the counts.
func (m *MemStore) Delete(_ context.Context, chat int64, replies []flows.Reply, counts ...flows.Count) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.sessions, chat)
	m.add(counts)
	for id, r := range m.reminders {
		if r.Chat == chat {
			delete(m.reminders, id)
		}
	}
	for i := range replies {
		m.seq++
		replies[i].ID = m.seq
		m.outbox = append(m.outbox, replies[i])
	}
	return nil
}

// Pending returns the outbox, oldest first.
func (m *MemStore) Pending(context.Context) ([]flows.Reply, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]flows.Reply(nil), m.outbox...), nil
}

// Ack removes replies from the outbox.
func (m *MemStore) Ack(_ context.Context, ids ...uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.outbox = slices.DeleteFunc(m.outbox, func(r flows.Reply) bool { return slices.Contains(ids, r.ID) })
	return nil
}

// Reminders returns the chat's reminders, soonest first.
func (m *MemStore) Reminders(_ context.Context, chat int64) ([]flows.Reminder, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []flows.Reminder
	for _, r := range m.reminders {
		if r.Chat == chat {
			out = append(out, r)
		}
	}
	sortReminders(out)
	return out, nil
}

// Reminder returns one reminder.
func (m *MemStore) Reminder(_ context.Context, id uint64) (flows.Reminder, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.reminders[id]
	return r, ok, nil
}

// DueReminders returns up to limit reminders due at or before t.
func (m *MemStore) DueReminders(_ context.Context, t time.Time, limit int) ([]flows.Reminder, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []flows.Reminder
	for _, r := range m.reminders {
		if !r.Sent && !r.Due.After(t) {
			out = append(out, r)
		}
	}
	sortReminders(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func sortReminders(rs []flows.Reminder) {
	slices.SortFunc(rs, func(a, b flows.Reminder) int {
		if c := a.Due.Compare(b.Due); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}

// add adds to the usage counters; m.mu must be held.
func (m *MemStore) add(counts []flows.Count) {
	for _, c := range counts {
		m.counters[c.Key] += c.N
	}
}

// Counters returns a copy of the usage counters by key.
func (m *MemStore) Counters() map[string]uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.counters)
}

// Stats counts the sessions as store.DB does, with the counters of the
// days flows.StatsPeriod names.
func (m *MemStore) Stats(_ context.Context, now time.Time) (flows.Stats, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := flows.Stats{Languages: map[string]int{}, Steps: map[string]int{}}
	for _, v := range m.sessions {
		var s flows.Session
		if err := json.Unmarshal(v, &s); err != nil {
			return st, err
		}
		st.Add(s.Lang, s.Flow, s.Step, s.Updated, now)
	}
	from, to := flows.StatsPeriod(now)
	for _, k := range slices.Sorted(maps.Keys(m.counters)) {
		if date := k[:min(len(k), len(flows.DateLayout))]; date >= from.Format(flows.DateLayout) && date <= to.Format(flows.DateLayout) {
			st.Counts = append(st.Counts, flows.Count{Key: k, N: m.counters[k]})
		}
	}
	return st, nil
}

// applyBroadcasts applies the broadcast parts of changes as store.DB does,
// all or nothing (flows.ErrBroadcastDone changes nothing); m.mu is held.
func (m *MemStore) applyBroadcasts(changes []flows.Change) error {
	next := maps.Clone(m.bcasts)
	seq := m.bcastSeq
	for _, c := range changes {
		if c.Broadcast != nil {
			seq++
			c.Broadcast.ID = seq
			next[seq] = *c.Broadcast
		}
		if d := c.Delivery; d != nil {
			b, ok := next[d.Broadcast]
			switch {
			case !ok && d.Outcome == flows.DeliveryBlocked:
				continue
			case !ok:
				return flows.ErrBroadcastDone
			case d.Outcome == flows.DeliveryBlocked:
				b.Blocked++
			case b.Status != flows.BroadcastSending || !flows.ChatAfter(d.Chat, b.Cursor):
				return flows.ErrBroadcastDone
			case d.Outcome == flows.DeliverySent:
				b.Cursor, b.Sent = d.Chat, b.Sent+1
			default:
				b.Cursor, b.Skipped = d.Chat, b.Skipped+1
			}
			next[d.Broadcast] = b
		}
		if b, ok := next[c.StopBroadcast]; ok && b.Status == flows.BroadcastSending {
			b.Status = flows.BroadcastStopped
			next[c.StopBroadcast] = b
		}
	}
	m.bcasts, m.bcastSeq = next, seq
	return nil
}

// Broadcast returns one broadcast.
func (m *MemStore) Broadcast(_ context.Context, id uint64) (flows.Broadcast, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.bcasts[id]
	return b, ok, nil
}

// Broadcasts returns up to limit broadcasts, newest first.
func (m *MemStore) Broadcasts(_ context.Context, limit int) ([]flows.Broadcast, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []flows.Broadcast
	for _, id := range slices.Backward(slices.Sorted(maps.Keys(m.bcasts))) {
		if len(out) == limit {
			break
		}
		out = append(out, m.bcasts[id])
	}
	return out, nil
}

// Audience counts the members of a segment as store.DB does.
func (m *MemStore) Audience(_ context.Context, seg flows.Segment) (flows.Audience, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a := flows.Audience{Langs: map[string]int{}}
	for _, v := range m.sessions {
		var s flows.Session
		if err := json.Unmarshal(v, &s); err != nil {
			return a, err
		}
		switch {
		case !seg.Has(s):
		case s.Inactive:
			a.Blocked++
		default:
			a.Langs[s.Lang]++
		}
	}
	return a, nil
}
