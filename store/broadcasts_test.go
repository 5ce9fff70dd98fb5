package store_test

import (
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"lotse/flows"
)

// TestBroadcastDeliveryCommit: a delivery moves the cursor in the
// transaction that puts the message into the outbox; one for a chat not
// after the cursor (or of a stopped broadcast) is refused whole, message
// and all; and the cursor survives a reopen.
func TestBroadcastDeliveryCommit(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "lotse.db")
	db := open(t, path)
	b := &flows.Broadcast{Segment: flows.Segment{Kind: flows.SegmentAll}, Status: flows.BroadcastSending, Texts: map[string]string{"": "hi"}}
	if err := db.Save(ctx, flows.Session{Chat: 1}, nil, flows.Change{Broadcast: b}); err != nil {
		t.Fatal(err)
	}
	if b.ID == 0 {
		t.Fatal("no ID given")
	}
	msg := func(chat int64) []flows.Reply {
		return []flows.Reply{{Chat: chat, Text: "hi", Broadcast: b.ID}}
	}
	deliver := func(chat int64, outcome string, replies []flows.Reply) error {
		return db.Save(ctx, flows.Session{Chat: chat, Lang: "en"}, replies,
			flows.Change{Delivery: &flows.Delivery{Broadcast: b.ID, Chat: chat, Outcome: outcome}})
	}
	steps := []struct {
		chat    int64
		outcome string
		replies []flows.Reply
		refused bool
	}{
		{5, flows.DeliverySent, msg(5), false},
		{5, flows.DeliverySent, msg(5), true}, // twice: refused
		{3, flows.DeliverySent, msg(3), true}, // before the cursor
		{7, flows.DeliverySkipped, nil, false},
		{5, flows.DeliveryBlocked, nil, false}, // a 403 later: counted, the cursor stays
		{9, flows.DeliverySent, msg(9), false},
	}
	for i, s := range steps {
		err := deliver(s.chat, s.outcome, s.replies)
		if refused := errors.Is(err, flows.ErrBroadcastDone); refused != s.refused || err != nil && !refused {
			t.Fatalf("step %d (chat %d, %s): err %v, want refused %v", i, s.chat, s.outcome, err, s.refused)
		}
	}
	pending, err := db.Pending(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var chats []int64
	for _, r := range pending {
		chats = append(chats, r.Chat)
	}
	if !slices.Equal(chats, []int64{5, 9}) {
		t.Errorf("outbox holds messages to %v, want [5 9] (refused deliveries must leave nothing)", chats)
	}
	if _, ok, _ := db.Session(ctx, 3); ok {
		t.Error("a refused delivery stored its session")
	}
	db.Close()

	db = open(t, path)
	defer db.Close()
	got, ok, err := db.Broadcast(ctx, b.ID)
	if err != nil || !ok {
		t.Fatalf("broadcast after reopen: %v %v", ok, err)
	}
	if got.Cursor != 9 || got.Sent != 2 || got.Skipped != 1 || got.Blocked != 1 {
		t.Errorf("after reopen: cursor %d sent %d skipped %d blocked %d; want 9 2 1 1", got.Cursor, got.Sent, got.Skipped, got.Blocked)
	}
	if err := db.Save(ctx, flows.Session{Chat: 1}, nil, flows.Change{StopBroadcast: b.ID}); err != nil {
		t.Fatal(err)
	}
	if err := deliver(11, flows.DeliverySent, msg(11)); !errors.Is(err, flows.ErrBroadcastDone) {
		t.Errorf("delivery of a stopped broadcast: %v, want ErrBroadcastDone", err)
	}
	if open, _ := db.OpenBroadcasts(ctx); len(open) != 0 {
		t.Errorf("a stopped broadcast is still open: %+v", open)
	}
}

// TestBroadcastSegments: Audience counts a segment's members (active by
// language, blocked apart) and Recipients lists them after a cursor, in
// chat order, in chunks.
func TestBroadcastSegments(t *testing.T) {
	ctx := t.Context()
	db := open(t, filepath.Join(t.TempDir(), "lotse.db"))
	defer db.Close()
	for _, s := range []flows.Session{
		{Chat: 1, Lang: "de", Flow: "recognition"},
		{Chat: 2, Lang: "uk", Flow: "study"},
		{Chat: 3, Lang: "uk", Flow: "recognition", Inactive: true},
		{Chat: 4, Lang: "de"},
		{Chat: 300, Lang: "uk", Flow: "recognition"},
	} {
		s.Updated = time.Now()
		if err := db.Save(ctx, s, nil); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		seg     flows.Segment
		langs   map[string]int
		blocked int
		after   int64
		chats   []int64
	}{
		{flows.Segment{Kind: flows.SegmentAll}, map[string]int{"de": 2, "uk": 2}, 1, 0, []int64{1, 2, 3}},
		{flows.Segment{Kind: flows.SegmentAll}, map[string]int{"de": 2, "uk": 2}, 1, 3, []int64{4, 300}},
		{flows.Segment{Kind: flows.SegmentLang, Value: "uk"}, map[string]int{"uk": 2}, 1, 1, []int64{2, 3, 300}},
		{flows.Segment{Kind: flows.SegmentFlow, Value: "recognition"}, map[string]int{"de": 1, "uk": 1}, 1, 0, []int64{1, 3, 300}},
		{flows.Segment{Kind: flows.SegmentLang, Value: "ar"}, map[string]int{}, 0, 0, nil},
	}
	for _, tt := range tests {
		a, err := db.Audience(ctx, tt.seg)
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(a.Langs, tt.langs) || a.Blocked != tt.blocked {
			t.Errorf("Audience(%+v) = %v, %d blocked; want %v, %d", tt.seg, a.Langs, a.Blocked, tt.langs, tt.blocked)
		}
		chats, err := db.Recipients(ctx, tt.seg, tt.after, 3)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(chats, tt.chats) {
			t.Errorf("Recipients(%+v, after %d) = %v, want %v", tt.seg, tt.after, chats, tt.chats)
		}
	}
}
