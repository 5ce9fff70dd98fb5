package main

import "testing"

// TestLoadSmoke runs a small load, so the load command keeps working: it
// must finish without an error (a lost reply or a bot that never polls is
// one).
func TestLoadSmoke(t *testing.T) {
	if err := run(20, 5, 0, 0, 50, 4, 4, ""); err != nil {
		t.Fatal(err)
	}
}
