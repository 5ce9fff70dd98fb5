package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"lotse/flows"
)

func TestPingAndSessionCount(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "lotse.db"))
	ctx := t.Context()
	for chat := int64(1); chat <= 3; chat++ {
		if err := db.Save(ctx, flows.Session{Chat: chat}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := db.SessionCount(ctx); n != 3 || err != nil {
		t.Errorf("SessionCount = %d, %v; want 3", n, err)
	}
	if err := db.Delete(ctx, 2, nil); err != nil {
		t.Fatal(err)
	}
	if n, err := db.SessionCount(ctx); n != 2 || err != nil {
		t.Errorf("SessionCount after a delete = %d, %v; want 2", n, err)
	}
	if err := db.Ping(ctx); err != nil {
		t.Errorf("Ping on an open database: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := db.Ping(cancelled); err == nil {
		t.Error("Ping with an ended context succeeded")
	}
	db.Close()
	if err := db.Ping(ctx); err == nil {
		t.Error("Ping on a closed database succeeded")
	}
	if _, err := db.SessionCount(ctx); err == nil {
		t.Error("SessionCount on a closed database succeeded")
	}
}
