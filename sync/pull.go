package sync

import (
	"context"
	"errors"
	"fmt"

	"github.com/humans-contacts/humans/store"
)

// pull applies the remote's changes page by page; each page and the
// cursor after it are written in one transaction.
func (j *job) pull(ctx context.Context) error {
	cursor := j.acc.Cursor
	fromStart := cursor == ""
	restarted := false
	seen := make(map[string]bool)
	done := 0
	for {
		var page Page
		err := j.retry(ctx, func() (err error) {
			page, err = j.p.Pull(ctx, cursor)
			return err
		})
		if errors.Is(err, ErrCursorExpired) && !restarted {
			j.note("the remote no longer knew the cursor: listed everything again")
			cursor, fromStart, restarted = "", true, true
			clear(seen)
			continue
		}
		if err != nil {
			return err
		}
		for _, n := range page.Notes {
			j.note("%s", n)
		}
		for _, r := range page.Items {
			seen[r.ID] = true
		}
		// The last page of a complete full listing also tells which
		// mapped contacts are gone: they are held, with the cursor, in
		// its transaction.
		var absentFrom map[string]bool
		if !page.More && page.Complete {
			switch {
			case !j.f.ListingComplete:
				j.note("the remote does not guarantee its listing is complete: contacts missing from it were kept")
			case !fromStart:
				j.note("the listing resumed after an interruption: deletions are checked on the next full listing")
			case !j.exportOnly:
				absentFrom = seen
			}
		}
		if err := j.applyPage(ctx, page, absentFrom); err != nil {
			return err
		}
		done += len(page.Items)
		j.e.progress(j.name, "pull", done, 0)
		if !page.More {
			return j.settleDeletions(ctx)
		}
		cursor = page.Cursor
	}
}

// applyPage writes one page and the cursor after it in one transaction.
// Remote deletions are not applied here but held (see settleDeletions);
// with absentFrom, the mapped contacts it does not hold are held as
// deleted too.
func (j *job) applyPage(ctx context.Context, page Page, absentFrom map[string]bool) error {
	items := make([]Remote, len(page.Items))
	urls := make(map[string]string)
	for i, r := range page.Items {
		urls[r.ID] = j.stripPhoto(&r)
		items[i] = r
	}
	matches, err := j.matches(ctx, items)
	if err != nil {
		return err
	}
	photos := make(map[string]*remotePhoto)
	if j.photos != nil {
		for _, r := range items {
			if r.Deleted {
				continue
			}
			link, err := j.e.st.SyncLinkByRemote(ctx, j.name, r.ID)
			if err != nil {
				return err
			}
			if photos[r.ID], err = j.fetchPhoto(ctx, r.ID, urls[r.ID], link); err != nil {
				return err
			}
		}
	}
	before := *j.rec
	err = j.e.st.Write(ctx, func(tx *store.Tx) error {
		lw := j.writer(tx)
		for _, r := range items {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := j.applyRemote(tx, lw, r, matches[r.ID], photos[r.ID]); err != nil {
				return fmt.Errorf("remote contact %s: %w", r.ID, err)
			}
			if err := j.hook("pull-item"); err != nil {
				return err
			}
		}
		if absentFrom != nil {
			if err := j.holdAbsent(tx, absentFrom); err != nil {
				return err
			}
		}
		acc, err := tx.SyncAccount(j.name)
		if err != nil {
			return err
		}
		acc.Cursor = page.Cursor
		return tx.PutSyncAccount(acc)
	})
	if err != nil {
		notes := j.rec.Notes
		*j.rec = before // nothing of the page was written
		j.rec.Notes = notes
		return err
	}
	j.acc.Cursor = page.Cursor
	return nil
}

// matches finds, outside the write transaction, the local contact each
// unmapped remote contact is (first sync, or a contact created remotely
// by a push whose answer was lost).
func (j *job) matches(ctx context.Context, items []Remote) (map[string]store.Match, error) {
	out := make(map[string]store.Match)
	for _, r := range items {
		if r.Deleted {
			continue
		}
		link, err := j.e.st.SyncLinkByRemote(ctx, j.name, r.ID)
		if err != nil {
			return nil, err
		}
		if link != nil {
			continue
		}
		keys := j.e.st.MatchKeysOf(matchHuman(r.Contact))
		keys.NameAlone = true // the exact name, when only one contact has it
		m, err := j.e.st.FindMatchKeys(ctx, keys)
		if err != nil {
			return nil, err
		}
		out[r.ID] = m
	}
	return out, nil
}

// matchHuman is what FindMatch compares of a remote contact.
func matchHuman(c Contact) *store.Human {
	h := &store.Human{UID: c.UID, FirstName: c.FirstName, LastName: c.LastName, DisplayName: c.DisplayName,
		Nickname: c.Nickname, Prefix: c.Prefix, Suffix: c.Suffix, Phones: c.Phones, Emails: c.Emails}
	if c.Birthday != "" {
		h.Birthday, _ = store.ParseBirthday(c.Birthday)
	}
	return h
}

func getLive(tx *store.Tx, id int64) (*store.Human, error) {
	h, err := tx.GetHuman(id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return h, err
}

// skip records a remote contact the book cannot take (invalid data): it
// is left out and said in the job, and nothing of it is written.
func (j *job) skip(r Remote, err error) error {
	var verr *store.ValidationError
	if !errors.As(err, &verr) {
		return err
	}
	j.rec.Pulled.Skipped++
	j.note("remote contact %s skipped: %v", r.ID, err)
	return nil
}

// applyRemote applies one remote change inside the page's transaction.
// rp is its photo, for a provider that carries photos.
func (j *job) applyRemote(tx *store.Tx, lw *localWriter, r Remote, m store.Match, rp *remotePhoto) error {
	link, err := tx.SyncLinkByRemote(j.name, r.ID)
	if err != nil {
		return err
	}
	if j.exportOnly {
		return j.linkOnly(tx, link, r, m, rp)
	}
	if r.Deleted {
		if link == nil {
			return nil // never mapped here
		}
		return j.holdDeletion(tx, link, false)
	}
	// Live again (or still): a deletion held for it is void.
	if err := tx.DeleteSyncPendingDeletion(j.name, r.ID); err != nil {
		return err
	}
	if link != nil && link.ETag != "" && link.ETag == r.ETag {
		return nil // this version was applied already
	}
	var h *store.Human
	var base *Contact
	if link != nil {
		if h, err = getLive(tx, link.LocalID); err != nil {
			return err
		}
		if b, ok := decodeBase(link.Base); ok {
			base = &b
		}
	} else if m.ID != 0 {
		other, err := tx.SyncLinkByLocal(j.name, m.ID)
		if err != nil {
			return err
		}
		if other == nil { // else that contact is another remote one's
			if h, err = getLive(tx, m.ID); err != nil {
				return err
			}
		}
	}
	remote := r.Contact
	if h == nil || h.DeletedAt != nil {
		if link != nil && base != nil && remote.Equal(*base) && (rp == nil || rp.URL == link.PhotoURL) {
			// Deleted here, unchanged there: the push deletes it.
			link.ETag, link.RemoteUpdated = r.ETag, r.Updated
			return tx.PutSyncLink(j.name, link)
		}
		if link != nil || h != nil {
			// Deleted here and changed there (or the same UID as a
			// contact in the trash): the change is kept, and the
			// deletion is a conflict the person can flip.
			var localID int64
			if h != nil {
				if h, err = tx.RestoreHuman(h.ID); err != nil {
					return err
				}
				localID = h.ID
			}
			if h == nil {
				created, err := lw.create(remote)
				if err != nil {
					return j.skip(r, err)
				}
				h, localID = created, created.ID
				j.rec.Pulled.Created++
			}
			if err := j.recordConflicts(tx, localID, r.ID, []FieldConflict{{
				Field: "deleted", Local: rawJSON(nil), Remote: rawJSON(remote.canonical()), Resolution: SideRemote,
			}}); err != nil {
				return err
			}
		} else {
			created, err := lw.create(remote)
			if err != nil {
				return j.skip(r, err)
			}
			j.rec.Pulled.Created++
			url, hash, _, err := j.mergePhoto(tx, created, nil, r.ID, rp, r.Updated)
			if err != nil {
				return err
			}
			return tx.PutSyncLink(j.name, &store.SyncLink{
				LocalID: created.ID, RemoteID: r.ID, ETag: r.ETag, RemoteUpdated: r.Updated, Base: remote.encode(),
				PhotoURL: url, PhotoHash: hash,
			})
		}
	}
	return j.mergeInto(tx, lw, h, base, r, rp)
}

// mergeInto merges remote contact r (and its photo rp) into local
// contact h against base, writes the result here and the new link; a
// result the remote does not have yet is marked to be pushed.
func (j *job) mergeInto(tx *store.Tx, lw *localWriter, h *store.Human, base *Contact, r Remote, rp *remotePhoto) error {
	old, err := tx.SyncLinkByLocal(j.name, h.ID)
	if err != nil {
		return err
	}
	local := j.localOf(h, tx)
	merged, cs := Merge(base, local, r.Contact, j.acc.Policy, h.UpdatedAt, r.Updated, j.e.opts.Region)
	if !merged.Equal(local) {
		if _, err := lw.update(h.ID, merged); err != nil {
			return j.skip(r, err)
		}
		j.rec.Pulled.Updated++
	}
	if err := j.recordConflicts(tx, h.ID, r.ID, cs); err != nil {
		return err
	}
	newBase, dirty := merged, false
	if !merged.Equal(r.Contact) {
		// The remote has not got the merged version yet: what both
		// sides agree on is the remote's, and the push sends ours.
		newBase, dirty = r.Contact, true
	}
	if old != nil && old.RemoteID != r.ID {
		old = nil // another remote contact's photo state
	}
	url, hash, photoDirty, err := j.mergePhoto(tx, h, old, r.ID, rp, r.Updated)
	if err != nil {
		return err
	}
	if err := tx.PutSyncLink(j.name, &store.SyncLink{
		LocalID: h.ID, RemoteID: r.ID, ETag: r.ETag, RemoteUpdated: r.Updated, Base: newBase.encode(),
		PhotoURL: url, PhotoHash: hash,
	}); err != nil {
		return err
	}
	return tx.SetSyncDirty(j.name, h.ID, dirty || photoDirty)
}

// remoteDeleted applies a remote deletion to a mapped contact: moved to
// the trash when unchanged here since the base; kept and reported as a
// conflict when edited here.
func (j *job) remoteDeleted(tx *store.Tx, link *store.SyncLink) error {
	h, err := getLive(tx, link.LocalID)
	if err != nil {
		return err
	}
	if err := tx.DeleteSyncLink(j.name, link.LocalID); err != nil {
		return err
	}
	if h == nil || h.DeletedAt != nil {
		return tx.SetSyncDirty(j.name, link.LocalID, false) // gone on both sides
	}
	local := j.localOf(h, tx)
	if base, ok := decodeBase(link.Base); ok && local.Equal(base) && (j.photos == nil || h.PhotoHash == link.PhotoHash) {
		if err := tx.TrashHuman(h.ID, ""); err != nil {
			return err
		}
		j.rec.Pulled.Deleted++
		return tx.SetSyncDirty(j.name, h.ID, false)
	}
	// Edited here, deleted there: the edit is kept (the push creates it
	// again remotely) and the deletion is a conflict to review.
	if err := j.recordConflicts(tx, h.ID, link.RemoteID, []FieldConflict{{
		Field: "deleted", Local: rawJSON(local.canonical()), Remote: rawJSON(nil), Resolution: SideLocal,
	}}); err != nil {
		return err
	}
	return tx.SetSyncDirty(j.name, h.ID, true)
}

// linkOnly is applyRemote for an export-only account: a remote contact
// that is a local one not mapped yet is linked (and marked to be sent,
// so that it takes this book's version); nothing else is done here.
func (j *job) linkOnly(tx *store.Tx, link *store.SyncLink, r Remote, m store.Match, rp *remotePhoto) error {
	if r.Deleted || link != nil || m.ID == 0 {
		return nil
	}
	other, err := tx.SyncLinkByLocal(j.name, m.ID)
	if err != nil || other != nil {
		return err
	}
	h, err := getLive(tx, m.ID)
	if err != nil || h == nil || h.DeletedAt != nil {
		return err
	}
	l := &store.SyncLink{LocalID: h.ID, RemoteID: r.ID, ETag: r.ETag, RemoteUpdated: r.Updated, Base: r.Contact.encode()}
	if rp != nil && rp.URL != "" {
		// The remote's photo bytes are not known: unlike any local one,
		// so that this book's photo (or its absence) is sent.
		l.PhotoURL, l.PhotoHash = rp.URL, "unknown"
	}
	if err := tx.PutSyncLink(j.name, l); err != nil {
		return err
	}
	return tx.SetSyncDirty(j.name, h.ID, true)
}
