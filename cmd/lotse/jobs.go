package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/robfig/cron/v3"

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
