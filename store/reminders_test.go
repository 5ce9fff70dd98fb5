package store_test

import (
	"path/filepath"
	"testing"
	"time"

	"lotse/flows"
)

func TestReminders(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "lotse.db")
	db := open(t, path)
	base := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	var rs []*flows.Reminder
	for i, chat := range []int64{1, 2, 1, 3} {
		r := &flows.Reminder{Chat: chat, Kind: flows.KindFollowup, Flow: "recognition", Step: "result",
			Due: base.Add(time.Duration(3-i) * time.Hour), TZ: "Europe/Berlin"}
		rs = append(rs, r)
		if err := db.Save(ctx, flows.Session{Chat: chat}, nil, flows.ReminderChange{Put: r}); err != nil {
			t.Fatal(err)
		}
		if r.ID == 0 {
			t.Fatal("no ID given")
		}
	}
	due, err := db.DueReminders(ctx, base.Add(90*time.Minute), 10)
	if err != nil {
		t.Fatal(err)
	}
	// Due by 09:30: the ones at 08:00 (chat 3) and 09:00 (chat 1), soonest first.
	if len(due) != 2 || due[0].ID != rs[3].ID || due[1].ID != rs[2].ID {
		t.Fatalf("DueReminders = %+v", due)
	}
	if lim, _ := db.DueReminders(ctx, base.Add(10*time.Hour), 3); len(lim) != 3 {
		t.Errorf("DueReminders with limit 3 returned %d", len(lim))
	}
	// Moving one (a new due time) and marking one sent keep the index right.
	rs[3].Due = base.Add(48 * time.Hour)
	rs[2].Sent = true
	if err := db.Save(ctx, flows.Session{Chat: 1}, nil, flows.ReminderChange{Put: rs[3]}, flows.ReminderChange{Put: rs[2]}); err != nil {
		t.Fatal(err)
	}
	if due, _ := db.DueReminders(ctx, base.Add(90*time.Minute), 10); len(due) != 0 {
		t.Errorf("after moving one and sending the other, due = %+v", due)
	}
	db.Close()

	db = open(t, path)
	defer db.Close()
	mine, err := db.Reminders(ctx, 1)
	if err != nil || len(mine) != 2 || mine[0].ID != rs[2].ID || !mine[0].Sent {
		t.Fatalf("chat 1's reminders after reopen = %+v, %v", mine, err)
	}
	if r, ok, _ := db.Reminder(ctx, rs[1].ID); !ok || r.Chat != 2 {
		t.Errorf("Reminder(%d) = %+v, %v", rs[1].ID, r, ok)
	}
	if err := db.Save(ctx, flows.Session{Chat: 2}, nil, flows.ReminderChange{Delete: rs[1].ID}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := db.Reminder(ctx, rs[1].ID); ok {
		t.Error("deleted reminder still there")
	}
	// Deleting a chat's data removes its reminders and their index entries.
	if err := db.Delete(ctx, 1, nil); err != nil {
		t.Fatal(err)
	}
	if mine, _ := db.Reminders(ctx, 1); len(mine) != 0 {
		t.Errorf("chat 1 has reminders after Delete: %+v", mine)
	}
	due, _ = db.DueReminders(ctx, base.Add(100*time.Hour), 10)
	if len(due) != 1 || due[0].ID != rs[3].ID {
		t.Errorf("due = %+v, want only chat 3's moved reminder", due)
	}
}
