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
	renamer, renames := j.p.(GroupRenamer)
	if renames {
		if err := j.renameGroups(ctx, renamer, changes); err != nil {
			return err
		}
	}
	if err := j.pushAll(ctx, ids, dirty); err != nil {
		return err
	}
	if current <= j.acc.PushedRevision && (!renames || j.acc.GroupNames != nil) {
		return nil
	}
	var groupNames map[int64]string
	if renames {
		if groupNames, err = j.groupNames(ctx); err != nil {
			return err
		}
	}
	return st.Write(ctx, func(tx *store.Tx) error {
		acc, err := tx.SyncAccount(j.name)
		if err != nil {
			return err
		}
		acc.PushedRevision = max(acc.PushedRevision, current)
		j.acc.PushedRevision = acc.PushedRevision
		if renames {
			acc.GroupNames, j.acc.GroupNames = groupNames, groupNames
		}
		return tx.PutSyncAccount(acc)
	})
}

// renameGroups renames remotely the groups renamed here since the last
// push (the change log has them; the account remembers their names as
// of then), before their contacts are sent with the new name.
func (j *job) renameGroups(ctx context.Context, r GroupRenamer, changes []store.Change) error {
	for _, ch := range changes {
		if ch.Kind != store.KindGroup || ch.Deleted {
			continue
		}
		old, cur := j.acc.GroupNames[ch.ID], j.e.st.GroupName(ch.ID)
		if old == "" || cur == "" || store.Fold(old) == store.Fold(cur) {
			continue
		}
		if err := j.retry(ctx, func() error { return r.RenameGroup(ctx, old, cur) }); err != nil {
			return fmt.Errorf("renaming group %q to %q remotely: %w", old, cur, err)
		}
		j.note("group %q renamed %q remotely", old, cur)
	}
	return nil
}

// groupNames returns the book's groups, id → name (never nil).
func (j *job) groupNames(ctx context.Context) (map[int64]string, error) {
	groups, err := j.e.st.ListGroups(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(groups))
	for _, g := range groups {
		out[g.ID] = g.Name
	}
	return out, nil
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
	create := func(c Contact) error {
		return j.retry(ctx, func() (err error) {
			r, err = j.p.Create(ctx, c)
			return notDoneUnless429(err)
		})
	}
	err := create(local)
	if uidTaken(err) {
		// The remote keeps a contact with this UID (in its trash: a
		// contact deleted there and kept here): created under a new one.
		c := local.Clone()
		c.UID = ""
		if err = create(c); err == nil {
			j.note("contact %d was created again remotely under a new UID (the remote still holds the old one)", id)
		}
	}
	if err != nil {
		return err
	}
	if err := j.hook("push-create"); err != nil {
		return err
	}
	if err := j.e.st.Write(ctx, func(tx *store.Tx) error { return j.linkCreated(tx, id, local, r) }); err != nil {
		return err
	}
	return j.pushPhoto(ctx, id, true)
}

// uidTaken reports whether a create was refused for its UID alone.
func uidTaken(err error) bool {
	var verr *store.ValidationError
	return errors.As(err, &verr) && len(verr.Fields) == 1 && verr.Fields["uid"] != ""
}

// updateRemote sends local over the remote contact id at etag: only the
// fields that differ from base when the provider can (FieldUpdater).
func (j *job) updateRemote(ctx context.Context, id, etag string, local, base Contact) (Remote, error) {
	if j.fields != nil {
		return j.fields.UpdateFields(ctx, id, etag, local, base)
	}
	return j.p.Update(ctx, id, etag, local)
}

// pushUpdate sends a changed contact with the etag last seen. When the
// remote changed meanwhile it is fetched, merged here and sent again,
// against the new base. failed, when not nil, is the answer of a batch
// that already tried it (ErrPrecondition or ErrRemoteNotFound).
func (j *job) pushUpdate(ctx context.Context, id int64, link *store.SyncLink, local, base Contact, failed error) error {
	etag := link.ETag
	for range 3 {
		var r Remote
		err := failed
		if failed == nil {
			err = j.retry(ctx, func() (err error) {
				r, err = j.updateRemote(ctx, link.RemoteID, etag, local, base)
				return err
			})
		}
		failed = nil
		switch {
		case err == nil:
			if err := j.e.st.Write(ctx, func(tx *store.Tx) error {
				cur, err := tx.SyncLinkByLocal(j.name, id)
				if err != nil {
					return err
				}
				if cur == nil {
					cur = link
				}
				return j.linkUpdated(tx, id, cur, local, r)
			}); err != nil {
				return err
			}
			return j.pushPhoto(ctx, id, true)
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
		url := j.stripPhoto(&rr)
		if j.exportOnly {
			// This book's version wins: send it again with the etag read.
			etag = rr.ETag
			continue
		}
		cur, err := j.e.st.SyncLinkByLocal(ctx, j.name, id)
		if err != nil {
			return err
		}
		rp, err := j.fetchPhoto(ctx, rr.ID, url, cur)
		if err != nil {
			return err
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
			if err := j.mergeInto(tx, j.writer(tx), h, &b, rr, rp); err != nil {
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
			local = j.localOf(h, tx)
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
			return j.pushPhoto(ctx, id, false)
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
		url := j.stripPhoto(&rr)
		if base, ok := decodeBase(link.Base); j.exportOnly || (ok && rr.Contact.Equal(base) && (j.photos == nil || url == link.PhotoURL)) {
			etag = rr.ETag // only the etag moved, or this book's deletion wins
			continue
		}
		// Deleted here, changed there: bring it back with the change.
		before := *j.rec
		err = j.e.st.Write(ctx, func(tx *store.Tx) error {
			lw := j.writer(tx)
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
			// The remote's photo is taken as agreeing with the local one
			// (its bytes were not downloaded): neither is overwritten.
			if err := tx.PutSyncLink(j.name, &store.SyncLink{
				LocalID: h.ID, RemoteID: rr.ID, ETag: rr.ETag, RemoteUpdated: rr.Updated, Base: rr.Contact.encode(),
				PhotoURL: url, PhotoHash: h.PhotoHash,
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
