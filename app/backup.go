package app

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// BackupFile writes a consistent copy of the book to path, atomically: a
// temporary file beside it is renamed over path once complete.
func (s *Service) BackupFile(ctx context.Context, path string) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("app: backup: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := s.store.Backup(ctx, tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("app: backup: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("app: backup: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("app: backup: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("app: backup: %w", err)
	}
	return nil
}

// RestoreFile replaces the book with the backup at path: a store file
// written by Backup, or a unified export (restored exactly, see
// RestoreUnified). The book as it was is first saved in the data
// directory's backups folder, so a restore can be undone; that file's
// path is returned.
func (s *Service) RestoreFile(ctx context.Context, path string) (previous string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("app: restore: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	if head, _ := br.Peek(4096); IsUnifiedExport(head) {
		res, err := s.RestoreUnified(ctx, br, nil)
		return res.Previous, err
	}
	if previous, err = s.saveBeforeRestore(ctx); err != nil {
		return "", err
	}
	if err := s.store.Restore(ctx, br); err != nil {
		os.Remove(previous)
		return "", err
	}
	return previous, nil
}
