package app

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/humans-contacts/humans/app/interchange"
	"github.com/humans-contacts/humans/store"
)

// RestoreResult reports an exact restore of a unified export.
type RestoreResult struct {
	Humans       int `json:"humans"`  // contacts, the trash included
	Trashed      int `json:"trashed"` // of which in the trash
	Photos       int `json:"photos"`
	Companies    int `json:"companies"`
	Groups       int `json:"groups"`
	CustomFields int `json:"custom_fields"`
	SMS          int `json:"sms"`
	// Previous is where the book as it was before was saved.
	Previous string `json:"previous"`
}

// restoreBatch is how many contacts one load transaction writes.
const restoreBatch = 5000

// RestoreUnified replaces the book with the unified export read from r,
// exactly: contacts keep their ids, UIDs, timestamps, trash state and
// photos; companies, groups and text messages their ids. The export is loaded into a new
// store file first and swapped in only when all of it loaded, so a bad
// record (reported with its position) changes nothing. The book as it was
// is saved in the data directory's backups folder first, as RestoreFile
// does. progress, when set, is called every few thousand contacts.
func (s *Service) RestoreUnified(ctx context.Context, r io.Reader, progress func(ImportProgress)) (RestoreResult, error) {
	var res RestoreResult
	counted := &countingReader{r: r}
	u, err := interchange.ReadUnified(bufio.NewReaderSize(counted, 64<<10))
	if err != nil {
		return res, &FileError{File: "unified export", Err: err}
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.store.Path()), "restore-*.db")
	if err != nil {
		return res, fmt.Errorf("app: restore: %w", err)
	}
	tmpPath := tmp.Name()
	tmp.Close()
	os.Remove(tmpPath) // bbolt creates it
	defer os.Remove(tmpPath)
	if err := s.loadUnified(ctx, u, tmpPath, counted, progress, &res); err != nil {
		var ferr *FileError
		if errors.As(err, &ferr) || ctx.Err() != nil {
			return res, err
		}
		return res, fmt.Errorf("app: restore: %w", err)
	}
	if res.Previous, err = s.saveBeforeRestore(ctx); err != nil {
		return res, err
	}
	if err := s.store.ReplaceWith(tmpPath); err != nil {
		os.Remove(res.Previous)
		return res, fmt.Errorf("app: restore: %w", err)
	}
	return res, nil
}

// loadUnified loads everything u holds into a new store at path.
func (s *Service) loadUnified(ctx context.Context, u *interchange.UnifiedReader, path string,
	counted *countingReader, progress func(ImportProgress), res *RestoreResult) (err error) {
	st, err := store.Open(path, store.Options{DefaultRegion: s.Settings().PhoneRegion, Now: s.now, Logger: s.log})
	if err != nil {
		return err
	}
	defer func() {
		if cerr := st.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	loader, err := st.NewLoader(ctx)
	if err != nil {
		return err
	}
	hdr := &u.Header
	if err := loader.Companies(ctx, hdr.Companies); err != nil {
		return asFileError(err)
	}
	if err := loader.Groups(ctx, hdr.Groups); err != nil {
		return asFileError(err)
	}
	for _, d := range hdr.CustomFields {
		if err := st.PutCustomFieldDef(ctx, d); err != nil {
			return asFileError(fmt.Errorf("custom field %q: %w", d.Key, err))
		}
	}
	res.Companies, res.Groups, res.CustomFields = len(hdr.Companies), len(hdr.Groups), len(hdr.CustomFields)

	var (
		batch     = make([]*store.Human, 0, restoreBatch)
		photos    = make([][]byte, 0, restoreBatch)
		positions = make([]int, 0, restoreBatch)
	)
	report := func(done bool) {
		if progress != nil {
			progress(ImportProgress{BytesRead: counted.n.Load(), Records: res.Humans,
				ImportResultCounts: ImportResultCounts{Created: res.Humans}, Done: done})
		}
	}
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := loader.Humans(ctx, batch, photos); err != nil {
			var lerr *store.LoadError
			if errors.As(err, &lerr) {
				return &FileError{File: "unified export", Err: fmt.Errorf("contact %d (id %d): %w", positions[lerr.Index], batch[lerr.Index].ID, lerr.Err)}
			}
			return err
		}
		for i, h := range batch {
			res.Humans++
			if h.DeletedAt != nil {
				res.Trashed++
			}
			if len(photos[i]) > 0 {
				res.Photos++
			}
		}
		batch, photos, positions = batch[:0], photos[:0], positions[:0]
		report(false)
		return nil
	}
	load := func(rec interchange.Record) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if rec.Err != nil {
			return &FileError{File: "unified export", Err: rec.Err}
		}
		batch = append(batch, rec.Human)
		photos = append(photos, rec.Photo)
		positions = append(positions, rec.Position)
		if len(batch) == restoreBatch {
			return flush()
		}
		return nil
	}
	var fromLoad error // what the callback returned, as opposed to the reader
	err = u.Humans(func(rec interchange.Record) error {
		fromLoad = load(rec)
		return fromLoad
	})
	switch {
	case err != nil && fromLoad == nil && ctx.Err() == nil:
		return &FileError{File: "unified export", Err: err} // the JSON itself
	case err != nil:
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	// The messages come after the contacts in the export.
	if err := loader.SMS(ctx, hdr.SMS); err != nil {
		var lerr *store.LoadError
		if errors.As(err, &lerr) {
			return &FileError{File: "unified export", Err: fmt.Errorf("message %d (id %d): %w", lerr.Index+1, hdr.SMS[lerr.Index].ID, lerr.Err)}
		}
		return err
	}
	res.SMS = len(hdr.SMS)
	report(true)
	return nil
}

// saveBeforeRestore saves the book in the backups folder and returns the
// file's path.
func (s *Service) saveBeforeRestore(ctx context.Context) (string, error) {
	backups := filepath.Join(s.dataDir, "backups")
	if err := os.MkdirAll(backups, 0o700); err != nil {
		return "", fmt.Errorf("app: restore: %w", err)
	}
	previous := filepath.Join(backups, "before-restore-"+s.now().UTC().Format("20060102-150405")+".db")
	if err := s.BackupFile(ctx, previous); err != nil {
		return "", err
	}
	return previous, nil
}

// IsUnifiedExport reports whether head, the first bytes of a file, begin
// a unified export (bare or in the Hub's envelope) rather than a backup,
// a list of contacts or a single contact.
func IsUnifiedExport(head []byte) bool {
	return interchange.LooksUnified(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")))
}

// asFileError reports a record the book refuses (a *store.LoadError or a
// *ValidationError) as a fault of the file; other errors pass unchanged.
func asFileError(err error) error {
	var lerr *store.LoadError
	var verr *ValidationError
	if errors.As(err, &lerr) || errors.As(err, &verr) {
		return &FileError{File: "unified export", Err: err}
	}
	return err
}
