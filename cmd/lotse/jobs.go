package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"lotse/bot"
	"lotse/flows"
	"lotse/flows/broadcast"
	"lotse/flows/linkcheck"
	"lotse/store"
)

// defaultRetentionSpec runs the retention sweep every night at 03:30,
// Berlin time.
const defaultRetentionSpec = "CRON_TZ=Europe/Berlin 30 3 * * *"

// scheduleRetention adds the nightly deletion of the data of users who have
// been inactive for more than months months. The spec is checked here, at
// start, so a typo stops the program instead of silently never running.
func scheduleRetention(ctx context.Context, c *cron.Cron, db *store.DB, spec string, months int, log *slog.Logger) error {
	if _, err := cron.ParseStandard(spec); err != nil {
		return fmt.Errorf("LOTSE_RETENTION_CRON %q: %w", spec, err)
	}
	_, err := c.AddFunc(spec, func() { sweepInactive(ctx, db, months, time.Now(), log) })
	return err
}

// sweepInactive deletes the data of users inactive since before now minus
// months months.
func sweepInactive(ctx context.Context, db *store.DB, months int, now time.Time, log *slog.Logger) {
	n, err := db.DeleteInactive(ctx, now.AddDate(0, -months, 0))
	if err != nil {
		log.Error("retention: deleting inactive users' data failed", "err", err)
		return
	}
	log.Info("retention: deleted the data of inactive users", "count", n, "months", months)
}

// defaultBackupSpec makes the scheduled backup every night at 03:00,
// Berlin time.
const defaultBackupSpec = "CRON_TZ=Europe/Berlin 0 3 * * *"

// scheduleBackups adds a backup of the open database into dir on spec,
// keeping the newest keep files. This is how a running bot is backed up:
// bbolt locks the file against other processes.
func scheduleBackups(ctx context.Context, c *cron.Cron, db *store.DB, dir, spec string, keep int, log *slog.Logger) error {
	if _, err := cron.ParseStandard(spec); err != nil {
		return fmt.Errorf("LOTSE_BACKUP_CRON %q: %w", spec, err)
	}
	_, err := c.AddFunc(spec, func() {
		path, err := backupInto(ctx, db, dir, time.Now(), keep)
		if err != nil {
			log.Error("scheduled backup failed", "err", err)
			return
		}
		log.Info("scheduled backup written", "file", path)
	})
	return err
}

// backupInto writes a backup of db into dir, named by the time, with mode
// 0600, and removes all but the newest keep backups there.
func backupInto(ctx context.Context, db *store.DB, dir string, now time.Time, keep int) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("backup directory: %w", err)
	}
	path := filepath.Join(dir, "lotse-"+now.UTC().Format("20060102T150405Z")+".db")
	f, err := createPrivate(path)
	if err != nil {
		return "", err
	}
	if _, err := db.Backup(ctx, f); err != nil {
		f.Close()
		os.Remove(path)
		return "", err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", fmt.Errorf("backup %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("backup %s: %w", path, err)
	}
	old, _ := filepath.Glob(filepath.Join(dir, "lotse-*.db"))
	sort.Strings(old) // the names sort by time
	for len(old) > keep {
		os.Remove(old[0])
		old = old[1:]
	}
	return path, nil
}

// backup writes a consistent copy of the database at dbPath to out, with
// mode 0600. bbolt locks the file, so this works while no lotse process
// has it open; a running one makes Open fail with a clear message.
func backup(ctx context.Context, dbPath, out string) error {
	db, err := store.Open(dbPath, store.Options{LockTimeout: 500 * time.Millisecond})
	if err != nil {
		return err
	}
	defer db.Close()
	f, err := createPrivate(out)
	if err != nil {
		return err
	}
	if _, err := db.Backup(ctx, f); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("backup %s: %w", out, err)
	}
	return f.Close()
}

// defaultLinkCheckSpec checks the content's addresses every Monday at
// 06:00, Berlin time.
const defaultLinkCheckSpec = "CRON_TZ=Europe/Berlin 0 6 * * 1"

// linkCheck is the scheduled link check: it checks every address of the
// content and tells the admins about the dead ones.
type linkCheck struct {
	content *flows.Content
	// current, if set, returns the content running now (it may have been
	// reloaded since start); it wins over content.
	current  func() *flows.Content
	client   *http.Client // nil: 10 seconds per request
	parallel int          // zero: 8
	admins   []int64
	// submit hands an admin's notice to the admin's chat pipeline
	// (bot.Bot.Submit); nil in the terminal chat, where the job only logs.
	submit func(context.Context, flows.Event) error
	log    *slog.Logger
}

// checkLinkSpec checks LOTSE_LINKCHECK_CRON at start, so a typo stops the
// program instead of silently never running.
func checkLinkSpec(spec string) error {
	if spec == "off" {
		return nil
	}
	if _, err := cron.ParseStandard(spec); err != nil {
		return fmt.Errorf("LOTSE_LINKCHECK_CRON %q: %w (or \"off\")", spec, err)
	}
	return nil
}

// scheduleLinkCheck adds the link check on spec; "off" adds nothing.
func scheduleLinkCheck(ctx context.Context, c *cron.Cron, spec string, l linkCheck) error {
	if err := checkLinkSpec(spec); err != nil {
		return err
	}
	if spec == "off" {
		l.log.Info("link check: off (LOTSE_LINKCHECK_CRON)")
		return nil
	}
	_, err := c.AddFunc(spec, func() { l.run(ctx) })
	return err
}

// run checks the links once, logs the result, and sends each admin the
// list of dead addresses. It returns the dead ones.
func (l linkCheck) run(ctx context.Context) []linkcheck.Result {
	client, parallel := l.client, l.parallel
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	if parallel <= 0 {
		parallel = 8
	}
	c := l.content
	if l.current != nil {
		c = l.current()
	}
	rs := linkcheck.Check(ctx, client, linkcheck.Targets(c), parallel)
	if ctx.Err() != nil {
		return nil // stopping: the results say nothing about the links
	}
	for _, r := range rs {
		if r.Moved != "" && !r.Dead() {
			l.log.Info("link check: moved permanently; cite the new address", "url", r.URL, "new", r.Moved, "used_by", strings.Join(r.Users, ", "))
		}
	}
	dead := linkcheck.Dead(rs)
	if len(dead) == 0 {
		l.log.Info("link check: every address works", "summary", linkcheck.Summary(rs))
		return nil
	}
	l.log.Warn("link check: dead addresses in the content", "summary", linkcheck.Summary(rs))
	lines := make([]string, len(dead))
	for i, r := range dead {
		l.log.Warn("link check: dead address", "url", r.URL, "problem", r.Problem(), "used_by", strings.Join(r.Users, ", "))
		lines[i] = fmt.Sprintf("%s  %s  (%s)", r.URL, r.Problem(), strings.Join(r.Users, ", "))
	}
	if l.submit == nil {
		return dead // the terminal chat: the log is the report
	}
	if len(l.admins) == 0 {
		l.log.Warn("link check: no admins to tell (LOTSE_ADMINS)")
		return dead
	}
	list := strings.Join(lines, "\n")
	for _, admin := range l.admins {
		ev := flows.Event{Chat: admin, User: admin, Kind: flows.KindNotice, Notice: flows.NoticeDeadLinks, Text: list}
		if err := l.submit(ctx, ev); err != nil {
			l.log.Error("link check: telling an admin failed", "err", err)
		}
	}
	return dead
}

// defaultBroadcastSpec continues open broadcasts every minute (and a pass
// runs at start); while a pass is still sending, the next ones return.
const defaultBroadcastSpec = "* * * * *"

// scheduleBroadcasts adds the broadcast job on spec and returns one pass
// of it, for the start.
func scheduleBroadcasts(ctx context.Context, c *cron.Cron, db *store.DB, submit func(context.Context, flows.Event) error, spec string, log *slog.Logger) (func(), error) {
	if _, err := cron.ParseStandard(spec); err != nil {
		return nil, fmt.Errorf("LOTSE_BROADCAST_CRON %q: %w", spec, err)
	}
	r := &broadcast.Runner{Store: db, Submit: submit, Logger: log}
	pass := func() {
		if _, err := r.Run(ctx); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, bot.ErrNotRunning) {
			log.Error("broadcast pass failed", "err", err)
		}
	}
	if _, err := c.AddFunc(spec, pass); err != nil {
		return nil, err
	}
	return pass, nil
}
