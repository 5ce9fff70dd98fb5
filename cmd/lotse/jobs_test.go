package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"lotse/flows"
	"lotse/store"
)

func TestBackup(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "lotse.db")
	db, err := store.Open(dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Save(t.Context(), flows.Session{Chat: 5, Lang: "uk", Step: "origin"}, nil); err != nil {
		t.Fatal(err)
	}

	// While the database is open (as by a running bot), backup says so.
	var errOut bytes.Buffer
	out := filepath.Join(dir, "backup.db")
	if code := run(t.Context(), []string{"backup", "-db", dbPath, out}, nil, &bytes.Buffer{}, &errOut, env(nil)); code != 1 ||
		!strings.Contains(errOut.String(), "in use by a running lotse") {
		t.Errorf("backup of an open database: exit %d, %q", code, errOut.String())
	}
	db.Close()

	errOut.Reset()
	if code := run(t.Context(), []string{"backup", "-db", dbPath, out}, nil, &bytes.Buffer{}, &errOut, env(nil)); code != 0 {
		t.Fatalf("backup: exit %d, %s", code, errOut.String())
	}
	fi, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v, want 0600", fi.Mode().Perm())
	}
	restored, err := store.Open(out, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	if s, ok, _ := restored.Session(t.Context(), 5); !ok || s.Lang != "uk" || s.Step != "origin" {
		t.Errorf("session in the backup: %+v (ok %v)", s, ok)
	}
	// An existing file is never overwritten.
	if code := run(t.Context(), []string{"backup", "-db", dbPath, out}, nil, &bytes.Buffer{}, &bytes.Buffer{}, env(nil)); code != 1 {
		t.Errorf("backup over an existing file: exit %d, want 1", code)
	}
	if code := run(t.Context(), []string{"backup"}, nil, &bytes.Buffer{}, &bytes.Buffer{}, env(nil)); code != 2 {
		t.Errorf("backup without a file: exit %d, want 2", code)
	}
}

func TestRetention(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "lotse.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 11, 24, 3, 30, 0, 0, time.UTC)
	db.Save(t.Context(), flows.Session{Chat: 1, Updated: now.AddDate(0, -13, 0)}, nil)
	db.Save(t.Context(), flows.Session{Chat: 2, Updated: now.AddDate(0, -11, 0)}, nil)
	var logs bytes.Buffer
	sweepInactive(t.Context(), db, 12, now, slog.New(slog.NewTextHandler(&logs, nil)))
	if _, ok, _ := db.Session(t.Context(), 1); ok {
		t.Error("a user inactive for 13 months was kept")
	}
	if _, ok, _ := db.Session(t.Context(), 2); !ok {
		t.Error("a user inactive for 11 months was deleted")
	}
	if !strings.Contains(logs.String(), "count=1") {
		t.Errorf("log: %s", logs.String())
	}
	if err := scheduleRetention(t.Context(), cron.New(), db, "every now and then", 12, slog.Default()); err == nil {
		t.Error("a bad cron spec was accepted")
	}
	if err := scheduleRetention(t.Context(), cron.New(), db, defaultRetentionSpec, 12, slog.Default()); err != nil {
		t.Errorf("default spec: %v", err)
	}
}

func TestScheduledBackups(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(filepath.Join(dir, "lotse.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Save(t.Context(), flows.Session{Chat: 9, Lang: "fa"}, nil)
	backups := filepath.Join(dir, "backups")
	if err := scheduleBackups(t.Context(), cron.New(), db, backups, "not a spec", 3, slog.Default()); err == nil {
		t.Error("a bad backup spec was accepted")
	}
	start := time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)
	for day := range 5 { // the running bot's nightly backups, while it holds the file
		if _, err := backupInto(t.Context(), db, backups, start.AddDate(0, 0, day), 3); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := filepath.Glob(filepath.Join(backups, "lotse-*.db"))
	if len(files) != 3 || !strings.Contains(files[2], "20261128T030000Z") {
		t.Fatalf("backups kept: %v, want the newest 3", files)
	}
	for _, f := range files {
		if fi, _ := os.Stat(f); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f, fi.Mode().Perm())
		}
	}
	restored, err := store.Open(files[2], store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	if s, ok, _ := restored.Session(t.Context(), 9); !ok || s.Lang != "fa" {
		t.Errorf("restored session %+v (ok %v)", s, ok)
	}
}

func TestRemindersList(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "lotse.db")
	db, err := store.Open(dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	due := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
	db.Save(t.Context(), flows.Session{Chat: 5}, nil,
		flows.ReminderChange{Put: &flows.Reminder{Chat: 5, Kind: flows.KindFollowup, Flow: "recognition", Step: "result", Due: due, TZ: "Europe/Berlin"}},
		flows.ReminderChange{Put: &flows.Reminder{Chat: 6, Kind: flows.KindDeadline, Deadline: "grant", Due: due.AddDate(0, 6, 0), TZ: "Asia/Kabul"}})
	var out, errOut bytes.Buffer
	if code := run(t.Context(), []string{"reminders", "list", "-db", dbPath}, nil, &out, &errOut, env(nil)); code != 1 ||
		!strings.Contains(errOut.String(), "in use by a running lotse") {
		t.Errorf("list while the database is open: exit %d, %q", code, errOut.String())
	}
	db.Close()
	out.Reset()
	if code := run(t.Context(), []string{"reminders", "list", "-db", dbPath}, nil, &out, &errOut, env(nil)); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if got := out.String(); !strings.Contains(got, "2026-12-01T07:00:00Z  followup  recognition/result  5") || !strings.Contains(got, "grant") || !strings.Contains(got, "2 pending") {
		t.Errorf("list:\n%s", got)
	}
	out.Reset()
	run(t.Context(), []string{"reminders", "list", "-db", dbPath, "--due-before", "2027-01-01"}, nil, &out, &errOut, env(nil))
	if got := out.String(); strings.Contains(got, "grant") || !strings.Contains(got, "1 pending") {
		t.Errorf("--due-before 2027-01-01:\n%s", got)
	}
	if code := run(t.Context(), []string{"reminders"}, nil, &out, &errOut, env(nil)); code != 2 {
		t.Errorf("reminders without list: exit %d", code)
	}
}
