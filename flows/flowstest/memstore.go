package flowstest

import (
	"context"
	"encoding/json"
	"sync"

	"lotse/flows"
)

// MemStore is an in-memory flows.Store with an outbox. Sessions are stored
// as JSON, like the real store, so what does not survive encoding does not
// survive here either.
type MemStore struct {
	mu       sync.Mutex
	sessions map[int64][]byte
	outbox   []flows.Reply
	seq      uint64
}

var (
	_ flows.Store  = (*MemStore)(nil)
	_ flows.Outbox = (*MemStore)(nil)
)

// NewMemStore returns an empty store.
func NewMemStore() *MemStore { return &MemStore{sessions: map[int64][]byte{}} }

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

// Save stores the session and appends the replies to the outbox.
func (m *MemStore) Save(_ context.Context, s flows.Session, replies []flows.Reply) error {
	v, err := json.Marshal(s)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sessions[s.Chat] = v
	for i := range replies {
		m.seq++
		replies[i].ID = m.seq
		m.outbox = append(m.outbox, replies[i])
	}
	return nil
}

// Delete removes the chat's session and appends the replies to the outbox.
func (m *MemStore) Delete(_ context.Context, chat int64, replies []flows.Reply) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.sessions, chat)
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

// Ack removes a reply from the outbox.
func (m *MemStore) Ack(_ context.Context, id uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, r := range m.outbox {
		if r.ID == id {
			m.outbox = append(m.outbox[:i], m.outbox[i+1:]...)
			break
		}
	}
	return nil
}
