package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/humans-contacts/humans/app"
)

// Sync tokens name a revision of the store's change log, and an epoch:
// restoring a backup rewinds the log, and new changes then reuse the
// revisions of the lost ones, so a token from before the restore must be
// refused (valid-sync-token) rather than read in the new history. The
// epoch is kept in the data directory with the last revision a token
// named and that revision's change-log entry; when the store no longer
// has that entry (a restore, by the window, the API or `humans restore`),
// or the store says it was reset, a new epoch starts and every client
// syncs again from scratch.

// EpochFileName is the file that keeps the sync epoch.
const EpochFileName = "carddav-sync.json"

// tokenPrefix makes sync tokens URIs (RFC 6578 §3.2).
const tokenPrefix = "https://github.com/humans-contacts/humans/sync/"

type epochFile struct {
	Epoch    string `json:"epoch"`
	Revision uint64 `json:"revision"`
	Change   string `json:"change,omitempty"`
}

type epochState struct {
	mu    sync.Mutex
	ready bool
	f     epochFile
}

// changeKey fingerprints a change-log entry: its entity and when that
// entity was created (ids come from a sequence that a restore rewinds
// too, so the same id at the same revision can be another contact), and
// a contact's UID. An entity deleted for good has no fingerprint, and
// fails the check: a new epoch is then the safe side.
func (b *Book) changeKey(ctx context.Context, ch app.Change) string {
	var created time.Time
	extra := ""
	switch ch.Kind {
	case app.KindHuman:
		h, err := b.svc.Human(ctx, ch.ID)
		if err != nil {
			return ""
		}
		created, extra = h.CreatedAt, h.UID
	case app.KindCompany:
		c, err := b.svc.Company(ctx, ch.ID)
		if err != nil {
			return ""
		}
		created = c.CreatedAt
	case app.KindGroup:
		g, err := b.svc.Group(ctx, ch.ID)
		if err != nil {
			return ""
		}
		created = g.CreatedAt
	}
	return fmt.Sprintf("%d:%d:%d:%s", ch.Kind, ch.ID, created.UnixNano(), extra)
}

func newEpoch() string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	return hex.EncodeToString(b)
}

func (b *Book) epochPath() string { return filepath.Join(b.svc.DataDir(), EpochFileName) }

// epoch returns the current sync epoch, checking the kept one against
// the store on first use.
func (b *Book) epoch(ctx context.Context) (string, error) {
	e := &b.ep
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ready {
		return e.f.Epoch, nil
	}
	var f epochFile
	raw, err := os.ReadFile(b.epochPath())
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return "", fmt.Errorf("carddav: reading the sync epoch: %w", err)
	default:
		if json.Unmarshal(raw, &f) != nil {
			f = epochFile{}
		}
	}
	if f.Epoch == "" || !b.sameHistory(ctx, f) {
		f = epochFile{Epoch: newEpoch()}
	}
	e.f, e.ready = f, true
	b.saveEpochLocked(ctx, b.svc.Revision())
	return f.Epoch, nil
}

// sameHistory reports whether the store still has the change-log entry
// the epoch file names.
func (b *Book) sameHistory(ctx context.Context, f epochFile) bool {
	if f.Revision == 0 {
		return true
	}
	if b.svc.Revision() < f.Revision {
		return false
	}
	ch, err := b.svc.ChangeAt(ctx, f.Revision)
	if err != nil {
		return false
	}
	key := b.changeKey(ctx, ch)
	return key != "" && key == f.Change
}

// saveEpochLocked records rev as the last revision tokens name.
func (b *Book) saveEpochLocked(ctx context.Context, rev uint64) {
	e := &b.ep
	if rev > 0 {
		ch, err := b.svc.ChangeAt(ctx, rev)
		if err != nil {
			return
		}
		e.f.Revision, e.f.Change = rev, b.changeKey(ctx, ch)
	}
	raw, _ := json.Marshal(e.f)
	tmp := b.epochPath() + ".tmp"
	if err := os.WriteFile(tmp, raw, 0o600); err == nil {
		os.Rename(tmp, b.epochPath())
	}
}

// reset starts a new epoch, and forgets what the tracker and the cache
// knew: the store was replaced.
func (b *Book) reset(ctx context.Context) {
	b.trk.mu.Lock()
	b.trk.st, b.trk.names, b.trk.memberships = trackState{}, nil, nil
	b.trk.mu.Unlock()
	b.cache.clear()
	e := &b.ep
	e.mu.Lock()
	defer e.mu.Unlock()
	e.f, e.ready = epochFile{Epoch: newEpoch()}, true
	b.saveEpochLocked(ctx, b.svc.Revision())
}

// FormatToken writes the sync token of revision rev.
func (b *Book) FormatToken(ctx context.Context, rev uint64) (string, error) {
	ep, err := b.epoch(ctx)
	if err != nil {
		return "", err
	}
	e := &b.ep
	e.mu.Lock()
	if rev > e.f.Revision {
		// Every token's revision is checked after a restore, so the file
		// follows the newest (a small write, once per new revision).
		b.saveEpochLocked(ctx, rev)
	}
	e.mu.Unlock()
	return tokenPrefix + ep + "/" + strconv.FormatUint(rev, 10), nil
}

// ParseToken reads a sync token; ok is false for a token of another
// epoch or not of this server.
func (b *Book) ParseToken(ctx context.Context, tok string) (rev uint64, ok bool, err error) {
	ep, err := b.epoch(ctx)
	if err != nil {
		return 0, false, err
	}
	rest, found := strings.CutPrefix(tok, tokenPrefix+ep+"/")
	if !found {
		return 0, false, nil
	}
	rev, perr := strconv.ParseUint(rest, 10, 64)
	return rev, perr == nil, nil
}

// watchResets starts a new epoch whenever the store says it was replaced
// (a restore in this process); it ends when the store closes.
func (b *Book) watchResets() {
	events, _ := b.svc.Subscribe()
	go func() {
		for ev := range events {
			if ev.Reset {
				b.reset(context.Background())
			}
		}
	}()
}
