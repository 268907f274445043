package app

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var ctx = context.Background()

func openService(t *testing.T, dir string, now func() time.Time) *Service {
	t.Helper()
	svc, err := Open(Options{DataDir: dir, Now: now, LockTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { svc.Close() })
	return svc
}

func TestOpenCreatesDataDirAndLocks(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "data")
	svc := openService(t, dir, nil)
	if _, err := os.Stat(filepath.Join(dir, StoreFileName)); err != nil {
		t.Fatalf("store file not created: %v", err)
	}
	if svc.DataDir() != dir {
		t.Fatalf("DataDir %q", svc.DataDir())
	}
	_, err := Open(Options{DataDir: dir, LockTimeout: 50 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
	if _, err := Open(Options{}); err == nil {
		t.Fatal("Open without a data directory succeeded")
	}
}

func TestTrashPurgedOnOpenAfterRetention(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	svc, err := Open(Options{DataDir: dir, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	old, err := svc.CreateHuman(ctx, &Human{FirstName: "Old"})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.TrashHuman(ctx, old.ID, ""); err != nil {
		t.Fatal(err)
	}
	now = now.Add(10 * 24 * time.Hour)
	recent, _ := svc.CreateHuman(ctx, &Human{FirstName: "Recent"})
	if err := svc.TrashHuman(ctx, recent.ID, ""); err != nil {
		t.Fatal(err)
	}
	svc.Close()

	// 25 days later the first is past the 30-day retention, the second not.
	now = now.Add(25 * 24 * time.Hour)
	svc = openService(t, dir, clock)
	if _, err := svc.Human(ctx, old.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("contact trashed 35 days ago not purged: %v", err)
	}
	if h, err := svc.Human(ctx, recent.ID); err != nil || h.DeletedAt == nil {
		t.Fatalf("contact trashed 25 days ago: %v %v", h, err)
	}
	n, err := svc.EmptyTrash(ctx)
	if err != nil || n != 1 {
		t.Fatalf("EmptyTrash: %d %v", n, err)
	}
}

func TestSettings(t *testing.T) {
	dir := t.TempDir()
	svc := openService(t, dir, nil)
	if got := svc.Settings(); got != DefaultSettings() {
		t.Fatalf("fresh settings %+v", got)
	}
	bad := Settings{TrashRetentionDays: 0, PhoneRegion: "france"}
	err := svc.UpdateSettings(bad)
	var verr *ValidationError
	if !errors.As(err, &verr) || verr.Fields["trash_retention_days"] == "" || verr.Fields["phone_region"] == "" {
		t.Fatalf("invalid settings: %v", err)
	}
	good := Settings{TrashRetentionDays: 7, PhoneRegion: "US"}
	if err := svc.UpdateSettings(good); err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadSettings(dir)
	if err != nil || loaded != good {
		t.Fatalf("reloaded %+v %v", loaded, err)
	}
	if err := os.WriteFile(filepath.Join(dir, SettingsFileName), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSettings(dir); err == nil {
		t.Fatal("broken settings file accepted")
	}
}

func TestResolveDataDir(t *testing.T) {
	t.Setenv(DataDirEnv, "")
	t.Setenv("XDG_CONFIG_HOME", "/tmp/xdg-test")
	for _, tc := range []struct {
		flag, env, want string
	}{
		{"/data/flag", "/data/env", "/data/flag"},
		{"", "/data/env", "/data/env"},
		{"", "", "/tmp/xdg-test/Humans"},
	} {
		t.Setenv(DataDirEnv, tc.env)
		got, err := ResolveDataDir(tc.flag)
		if err != nil || got != tc.want {
			t.Errorf("ResolveDataDir(%q) with %s=%q = %q, %v; want %q", tc.flag, DataDirEnv, tc.env, got, err, tc.want)
		}
	}
}

func TestBackupRestoreThroughService(t *testing.T) {
	svc := openService(t, t.TempDir(), nil)
	h, err := svc.CreateHuman(ctx, &Human{FirstName: "Kept"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := svc.Backup(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	if err := svc.TrashHuman(ctx, h.ID, ""); err != nil {
		t.Fatal(err)
	}
	other := openService(t, t.TempDir(), nil)
	if err := other.Restore(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	got, err := other.Human(ctx, h.ID)
	if err != nil || got.FirstName != "Kept" || got.DeletedAt != nil {
		t.Fatalf("restored into another data directory: %+v %v", got, err)
	}
}

func TestBackupFileAndRestoreFile(t *testing.T) {
	dir := t.TempDir()
	svc := openService(t, dir, nil)
	h, _ := svc.CreateHuman(ctx, &Human{FirstName: "Before"})
	file := filepath.Join(t.TempDir(), "book.humans")
	if err := svc.BackupFile(ctx, file); err != nil {
		t.Fatal(err)
	}
	later, _ := svc.CreateHuman(ctx, &Human{FirstName: "Later"})
	previous, err := svc.RestoreFile(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Human(ctx, later.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("contact made after the backup survived the restore: %v", err)
	}
	if _, err := svc.Human(ctx, h.ID); err != nil {
		t.Fatal(err)
	}
	// The book as it was before the restore can be restored in turn.
	if _, err := svc.RestoreFile(ctx, previous); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Human(ctx, later.ID); err != nil {
		t.Fatalf("undoing the restore: %v", err)
	}
	if _, err := svc.RestoreFile(ctx, filepath.Join(dir, "missing.db")); err == nil {
		t.Fatal("restoring a missing file succeeded")
	}
	notBackup := filepath.Join(t.TempDir(), "x.db")
	os.WriteFile(notBackup, []byte("hello"), 0o600)
	if _, err := svc.RestoreFile(ctx, notBackup); err == nil {
		t.Fatal("restoring a non-backup succeeded")
	}
	if _, err := svc.Human(ctx, later.ID); err != nil {
		t.Fatalf("a failed restore changed the book: %v", err)
	}
}
