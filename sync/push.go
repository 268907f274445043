package sync

import (
	"context"
	"errors"
	"fmt"

	"github.com/humans-contacts/humans/store"
)

// push sends the local changes made since the last pushed revision (from
// the change log) and the contacts marked to be pushed. A contact equal
// to its base is not sent, so a change the pull just applied never
// echoes back.
func (j *job) push(ctx context.Context) error {
	st := j.e.st
	changes, current, err := st.ChangesSince(ctx, j.acc.PushedRevision)
	if errors.Is(err, store.ErrUnknownRevision) {
		// The book was restored from an older copy: compare everything.
		j.note("the book's revision is older than the last one pushed (restored?): every contact was compared")
		changes, current, err = st.ChangesSince(ctx, 0)
	}
	if err != nil {
		return err
	}
	var ids []int64
	seen := make(map[int64]bool)
	add := func(id int64) {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, ch := range changes {
		switch {
		case ch.Kind == store.KindHuman:
			add(ch.ID)
		case ch.Deleted:
			// A deleted company or group changed its contacts, which
			// the change log has already.
		case ch.Kind == store.KindGroup || ch.Kind == store.KindCompany:
			// Renamed: its contacts carry the name to the remote.
			q := store.Query{GroupID: ch.ID}
			if ch.Kind == store.KindCompany {
				q = store.Query{CompanyID: ch.ID}
			}
			members, err := st.QueryIDs(ctx, q)
			if err != nil {
				return err
			}
			for _, id := range members {
				add(id)
			}
		}
	}
	dirtyIDs, err := st.SyncDirty(ctx, j.name)
	if err != nil {
		return err
	}
	dirty := make(map[int64]bool, len(dirtyIDs))
	for _, id := range dirtyIDs {
		dirty[id] = true
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for i, id := range ids {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := j.pushOne(ctx, id, dirty[id]); err != nil {
			var verr *store.ValidationError
			if !errors.As(err, &verr) {
				return fmt.Errorf("contact %d: %w", id, err)
			}
			// The remote refuses this contact: the others go on, and
			// the next edit of it is tried again.
			j.rec.Pushed.Skipped++
			j.note("contact %d not sent, the remote refused it: %v", id, err)
		}
		j.e.progress(j.name, "push", i+1, len(ids))
	}
	if current <= j.acc.PushedRevision {
		return nil
	}
	return st.Write(ctx, func(tx *store.Tx) error {
		acc, err := tx.SyncAccount(j.name)
		if err != nil {
			return err
		}
		acc.PushedRevision = current
		j.acc.PushedRevision = current
		return tx.PutSyncAccount(acc)
	})
}

func (j *job) pushOne(ctx context.Context, id int64, dirty bool) error {
	st := j.e.st
	h, err := st.GetHuman(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		h, err = nil, nil
	}
	if err != nil {
		return err
	}
	link, err := st.SyncLinkByLocal(ctx, j.name, id)
	if err != nil {
		return err
	}
	if h == nil || h.DeletedAt != nil {
		if link == nil {
			return j.clearDirty(ctx, id, dirty)
		}
		return j.pushDelete(ctx, id, link)
	}
	local := FromHuman(h, j.names())
	if link == nil {
		return j.pushCreate(ctx, h.ID, local)
	}
	base, ok := decodeBase(link.Base)
	if ok && local.Equal(base) {
		return j.clearDirty(ctx, id, dirty)
	}
	return j.pushUpdate(ctx, h.ID, link, local, base)
}

func (j *job) clearDirty(ctx context.Context, id int64, dirty bool) error {
	if !dirty {
		return nil
	}
	return j.e.st.Write(ctx, func(tx *store.Tx) error { return tx.SetSyncDirty(j.name, id, false) })
}

// pushCreate creates a local contact remotely and maps it. A create is
// retried only after a 429 (the request was refused, not done): after a
// network error or a 5xx it may have been done, and the next pull
// recognises the contact by its UID instead of creating it twice.
func (j *job) pushCreate(ctx context.Context, id int64, local Contact) error {
	var r Remote
	err := j.retry(ctx, func() (err error) {
		r, err = j.p.Create(ctx, local)
		var re *RetryError
		if errors.As(err, &re) && re.Status != 429 {
			return fmt.Errorf("create not retried, it may have been done (the next sync recognises it): %s", re.Error())
		}
		return err
	})
	if err != nil {
		return err
	}
	return j.e.st.Write(ctx, func(tx *store.Tx) error {
		if err := tx.PutSyncLink(j.name, &store.SyncLink{
			LocalID: id, RemoteID: r.ID, ETag: r.ETag, RemoteUpdated: r.Updated, Base: local.encode(),
		}); err != nil {
			return err
		}
		j.rec.Pushed.Created++
		return tx.SetSyncDirty(j.name, id, false)
	})
}

// pushUpdate sends a changed contact with the etag last seen. When the
// remote changed meanwhile it is fetched, merged here and sent again.
func (j *job) pushUpdate(ctx context.Context, id int64, link *store.SyncLink, local, base Contact) error {
	etag := link.ETag
	for range 3 {
		var r Remote
		err := j.retry(ctx, func() (err error) {
			r, err = j.p.Update(ctx, link.RemoteID, etag, local)
			return err
		})
		switch {
		case err == nil:
			return j.e.st.Write(ctx, func(tx *store.Tx) error {
				if err := tx.PutSyncLink(j.name, &store.SyncLink{
					LocalID: id, RemoteID: r.ID, ETag: r.ETag, RemoteUpdated: r.Updated, Base: local.encode(),
				}); err != nil {
					return err
				}
				j.rec.Pushed.Updated++
				return tx.SetSyncDirty(j.name, id, false)
			})
		case errors.Is(err, ErrRemoteNotFound):
			return j.recreate(ctx, id, link, local)
		case !errors.Is(err, ErrPrecondition):
			return err
		}
		// Changed remotely since the base: fetch, merge, send the result.
		var rr Remote
		err = j.retry(ctx, func() (err error) {
			rr, err = j.p.Get(ctx, link.RemoteID)
			return err
		})
		if errors.Is(err, ErrRemoteNotFound) {
			return j.recreate(ctx, id, link, local)
		}
		if err != nil {
			return err
		}
		if j.exportOnly {
			// This book's version wins: send it again with the etag read.
			etag = rr.ETag
			continue
		}
		var settled bool
		before := *j.rec
		err = j.e.st.Write(ctx, func(tx *store.Tx) error {
			h, err := getLive(tx, id)
			if err != nil {
				return err
			}
			if h == nil || h.DeletedAt != nil {
				return fmt.Errorf("contact %d was deleted during the sync", id)
			}
			b := base
			if err := j.mergeInto(tx, newLocalWriter(tx, j.source()), h, &b, rr); err != nil {
				return err
			}
			l, err := tx.SyncLinkByLocal(j.name, id)
			if err != nil || l == nil {
				return err
			}
			h, err = tx.GetHuman(id)
			if err != nil {
				return err
			}
			local = FromHuman(h, tx)
			base, _ = decodeBase(l.Base)
			settled = local.Equal(base)
			return nil
		})
		if err != nil {
			notes := j.rec.Notes
			*j.rec = before
			j.rec.Notes = notes
			return err
		}
		if settled {
			return nil
		}
		etag = rr.ETag
	}
	return fmt.Errorf("remote contact %s changed again at every try; left for the next sync", link.RemoteID)
}

// recreate handles a contact edited here and deleted remotely: the edit
// is kept (created again remotely) and the deletion is a conflict.
func (j *job) recreate(ctx context.Context, id int64, link *store.SyncLink, local Contact) error {
	err := j.e.st.Write(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteSyncLink(j.name, id); err != nil {
			return err
		}
		return j.recordConflicts(tx, id, link.RemoteID, []FieldConflict{{
			Field: "deleted", Local: rawJSON(local.canonical()), Remote: rawJSON(nil), Resolution: SideLocal,
		}})
	})
	if err != nil {
		return err
	}
	return j.pushCreate(ctx, id, local)
}

// pushDelete deletes remotely a contact deleted here. If the remote
// contact changed since the base, the change wins: the contact comes
// back here and the deletion is a conflict.
func (j *job) pushDelete(ctx context.Context, id int64, link *store.SyncLink) error {
	etag := link.ETag
	for range 3 {
		err := j.retry(ctx, func() error { return j.p.Delete(ctx, link.RemoteID, etag) })
		if err == nil || errors.Is(err, ErrRemoteNotFound) {
			return j.e.st.Write(ctx, func(tx *store.Tx) error {
				if err := tx.DeleteSyncLink(j.name, id); err != nil {
					return err
				}
				if err == nil {
					j.rec.Pushed.Deleted++
				}
				return tx.SetSyncDirty(j.name, id, false)
			})
		}
		if !errors.Is(err, ErrPrecondition) {
			return err
		}
		var rr Remote
		err = j.retry(ctx, func() (err error) {
			rr, err = j.p.Get(ctx, link.RemoteID)
			return err
		})
		if errors.Is(err, ErrRemoteNotFound) {
			continue // gone meanwhile; the next Delete says so
		}
		if err != nil {
			return err
		}
		if base, ok := decodeBase(link.Base); j.exportOnly || (ok && rr.Contact.Equal(base)) {
			etag = rr.ETag // only the etag moved, or this book's deletion wins
			continue
		}
		// Deleted here, changed there: bring it back with the change.
		before := *j.rec
		err = j.e.st.Write(ctx, func(tx *store.Tx) error {
			lw := newLocalWriter(tx, j.source())
			h, err := getLive(tx, id)
			if err != nil {
				return err
			}
			if h != nil && h.DeletedAt != nil {
				if h, err = tx.RestoreHuman(id); err != nil {
					return err
				}
				if _, err := lw.update(id, rr.Contact); err != nil {
					return err
				}
			} else if h == nil {
				if err := tx.DeleteSyncLink(j.name, id); err != nil {
					return err
				}
				if h, err = lw.create(rr.Contact); err != nil {
					return err
				}
			}
			j.rec.Pulled.Updated++
			if err := tx.PutSyncLink(j.name, &store.SyncLink{
				LocalID: h.ID, RemoteID: rr.ID, ETag: rr.ETag, RemoteUpdated: rr.Updated, Base: rr.Contact.encode(),
			}); err != nil {
				return err
			}
			if err := tx.SetSyncDirty(j.name, id, false); err != nil {
				return err
			}
			return j.recordConflicts(tx, h.ID, rr.ID, []FieldConflict{{
				Field: "deleted", Local: rawJSON(nil), Remote: rawJSON(rr.Contact.canonical()), Resolution: SideRemote,
			}})
		})
		if err != nil {
			notes := j.rec.Notes
			*j.rec = before
			j.rec.Notes = notes
		}
		return err
	}
	return fmt.Errorf("remote contact %s changed again at every try; left for the next sync", link.RemoteID)
}
