package sync

import (
	"context"
	"errors"
	"fmt"

	"github.com/humans-contacts/humans/store"
)

// Deletion by absence is refused when it would remove more than this
// share of an account's mapped contacts at once (and more than a few):
// a remote that suddenly lists almost nothing is more likely broken than
// emptied. The job says so instead.
const maxAbsentShare = 0.5

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
		if err := j.applyPage(ctx, page); err != nil {
			return err
		}
		for _, r := range page.Items {
			seen[r.ID] = true
		}
		done += len(page.Items)
		j.e.progress(j.name, "pull", done, 0)
		if !page.More {
			if !page.Complete {
				return nil
			}
			switch {
			case !j.f.ListingComplete:
				j.note("the remote does not guarantee its listing is complete: contacts missing from it were kept")
			case !fromStart:
				j.note("the listing resumed after an interruption: deletions are checked on the next full listing")
			default:
				return j.absent(ctx, seen)
			}
			return nil
		}
		cursor = page.Cursor
	}
}

// applyPage writes one page and the cursor after it in one transaction.
func (j *job) applyPage(ctx context.Context, page Page) error {
	matches, err := j.matches(ctx, page.Items)
	if err != nil {
		return err
	}
	before := *j.rec
	err = j.e.st.Write(ctx, func(tx *store.Tx) error {
		lw := newLocalWriter(tx, j.source())
		for _, r := range page.Items {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := j.applyRemote(tx, lw, r, matches[r.ID]); err != nil {
				return fmt.Errorf("remote contact %s: %w", r.ID, err)
			}
			if err := j.hook("pull-item"); err != nil {
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
func (j *job) applyRemote(tx *store.Tx, lw *localWriter, r Remote, m store.Match) error {
	link, err := tx.SyncLinkByRemote(j.name, r.ID)
	if err != nil {
		return err
	}
	if j.exportOnly {
		return j.linkOnly(tx, link, r, m)
	}
	if r.Deleted {
		if link == nil {
			return nil // never mapped here
		}
		return j.remoteDeleted(tx, link)
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
		if link != nil && base != nil && remote.Equal(*base) {
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
			return tx.PutSyncLink(j.name, &store.SyncLink{
				LocalID: created.ID, RemoteID: r.ID, ETag: r.ETag, RemoteUpdated: r.Updated, Base: remote.encode(),
			})
		}
	}
	return j.mergeInto(tx, lw, h, base, r)
}

// mergeInto merges remote contact r into local contact h against base,
// writes the result here and the new link; a result the remote does not
// have yet is marked to be pushed.
func (j *job) mergeInto(tx *store.Tx, lw *localWriter, h *store.Human, base *Contact, r Remote) error {
	local := FromHuman(h, tx)
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
	if err := tx.PutSyncLink(j.name, &store.SyncLink{
		LocalID: h.ID, RemoteID: r.ID, ETag: r.ETag, RemoteUpdated: r.Updated, Base: newBase.encode(),
	}); err != nil {
		return err
	}
	return tx.SetSyncDirty(j.name, h.ID, dirty)
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
	local := FromHuman(h, tx)
	if base, ok := decodeBase(link.Base); ok && local.Equal(base) {
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

// absent treats mapped contacts missing from a complete full listing as
// deleted remotely.
func (j *job) absent(ctx context.Context, seen map[string]bool) error {
	links, err := j.e.st.SyncLinks(ctx, j.name)
	if err != nil {
		return err
	}
	var gone []*store.SyncLink
	for _, l := range links {
		if !seen[l.RemoteID] {
			gone = append(gone, l)
		}
	}
	if len(gone) == 0 {
		return nil
	}
	if len(gone) > 10 && float64(len(gone)) > maxAbsentShare*float64(len(links)) {
		j.note("%d of %d mapped contacts are missing from the remote's listing: not deleted here, check the account", len(gone), len(links))
		return nil
	}
	j.note("full listing: %d contacts missing from it were taken as deleted remotely", len(gone))
	before := *j.rec
	err = j.e.st.Write(ctx, func(tx *store.Tx) error {
		for _, l := range gone {
			if err := j.remoteDeleted(tx, l); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		notes := j.rec.Notes
		*j.rec = before
		j.rec.Notes = notes
	}
	return err
}

// linkOnly is applyRemote for an export-only account: a remote contact
// that is a local one not mapped yet is linked (and marked to be sent,
// so that it takes this book's version); nothing else is done here.
func (j *job) linkOnly(tx *store.Tx, link *store.SyncLink, r Remote, m store.Match) error {
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
	if err := tx.PutSyncLink(j.name, &store.SyncLink{
		LocalID: h.ID, RemoteID: r.ID, ETag: r.ETag, RemoteUpdated: r.Updated, Base: r.Contact.encode(),
	}); err != nil {
		return err
	}
	return tx.SetSyncDirty(j.name, h.ID, true)
}
