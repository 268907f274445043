package sync

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/humans-contacts/humans/store"
)

// Mass remote deletions wait for the person.
//
// A pull does not apply remote deletions (tombstones, and mapped
// contacts missing from a complete listing) as it meets them: it holds
// them in the store, in the transaction of the page (and cursor) that
// brought them. At the end of the pull the held deletions are counted:
// when they are more than the account's share of its linked contacts
// (and at least its minimum count) they stay held, and the job and the
// status say so, until the person confirms them (ConfirmDeletions: they
// are applied as any remote deletion) or keeps the contacts
// (KeepDeletions: unlinked, and created again remotely by the next
// push); deletions found while some wait, wait with them. Otherwise they
// are applied at once, in one transaction.

// Defaults of the guard (SyncAccount.HoldDeletionsPercent and Min).
const (
	DefaultHoldDeletionsPercent = 10
	DefaultHoldDeletionsMin     = 10
)

// PendingDeletion is a remote deletion waiting for the person.
type PendingDeletion = store.SyncPendingDeletion

// holds reports whether n deletions out of links linked contacts wait.
func holds(acc *store.SyncAccount, n, links int) bool {
	pct, minN := acc.HoldDeletionsPercent, acc.HoldDeletionsMin
	if pct == 0 {
		pct = DefaultHoldDeletionsPercent
	}
	if minN <= 0 {
		minN = DefaultHoldDeletionsMin
	}
	return pct >= 0 && n >= minN && n*100 > pct*links
}

// holdDeletion holds the remote deletion of a mapped contact (one held
// already stays as it is: found then, maybe asked about).
func (j *job) holdDeletion(tx *store.Tx, link *store.SyncLink, absent bool) error {
	if old, err := tx.SyncPendingDeletion(j.name, link.RemoteID); err != nil || old != nil {
		return err
	}
	d := &store.SyncPendingDeletion{Account: j.name, RemoteID: link.RemoteID, LocalID: link.LocalID, Absent: absent}
	if h, err := getLive(tx, link.LocalID); err != nil {
		return err
	} else if h != nil {
		d.Name = h.Name()
	}
	return tx.PutSyncPendingDeletion(d)
}

// holdAbsent holds as deleted the mapped contacts a complete listing
// did not list.
func (j *job) holdAbsent(tx *store.Tx, seen map[string]bool) error {
	links, err := tx.SyncLinks(j.name)
	if err != nil {
		return err
	}
	n := 0
	for _, l := range links {
		if !seen[l.RemoteID] {
			if err := j.holdDeletion(tx, l, true); err != nil {
				return err
			}
			n++
		}
	}
	if n > 0 {
		j.note("full listing: %d mapped contacts missing from it were taken as deleted remotely", n)
	}
	return nil
}

// settleDeletions applies the held deletions unless they are too many.
func (j *job) settleDeletions(ctx context.Context) error {
	if err := j.confirmAbsent(ctx); err != nil {
		return err
	}
	before := *j.rec
	err := j.e.st.Write(ctx, func(tx *store.Tx) error {
		pending, err := tx.SyncPendingDeletions(j.name)
		if err != nil || len(pending) == 0 {
			return err
		}
		links, err := tx.SyncLinks(j.name)
		if err != nil {
			return err
		}
		acc, err := tx.SyncAccount(j.name)
		if err != nil {
			return err
		}
		// Once the person was asked, the deletions that follow wait with
		// the others: a mass deletion is under way.
		asked := slices.ContainsFunc(pending, func(d *store.SyncPendingDeletion) bool { return d.Held })
		if asked || holds(acc, len(pending), len(links)) {
			for _, d := range pending {
				if !d.Held {
					d.Held = true
					if err := tx.PutSyncPendingDeletion(d); err != nil {
						return err
					}
				}
			}
			j.note("%d contacts deleted remotely wait for your confirmation (of %d linked): confirm or keep them", len(pending), len(links))
			return nil
		}
		return j.applyDeletions(tx, pending)
	})
	if err != nil {
		notes := j.rec.Notes
		*j.rec = before
		j.rec.Notes = notes
	}
	return err
}

// confirmAbsent asks the remote for each mapped contact a complete
// listing missed, before its deletion is applied: absence from a
// response deletes nothing by itself (a listing can be cut short, or
// lag behind a write), only the remote's answer that the contact is gone
// does. A contact the remote still has stays linked. When the missing
// contacts are so many that they wait for the person anyway, the person
// decides and nothing is asked.
func (j *job) confirmAbsent(ctx context.Context) error {
	pending, err := j.e.st.SyncPendingDeletions(ctx, j.name)
	if err != nil {
		return err
	}
	links, err := j.e.st.SyncLinks(ctx, j.name)
	if err != nil {
		return err
	}
	var absent []*store.SyncPendingDeletion
	for _, d := range pending {
		if d.Absent && !d.Held {
			absent = append(absent, d)
		}
	}
	if len(absent) == 0 || holds(j.acc, len(pending), len(links)) {
		return nil
	}
	kept := 0
	for _, d := range absent {
		err := j.retry(ctx, func() error {
			_, err := j.p.Get(ctx, d.RemoteID)
			return err
		})
		if errors.Is(err, ErrRemoteNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("asking the remote whether contact %s is gone: %w", d.RemoteID, err)
		}
		if err := j.e.st.Write(ctx, func(tx *store.Tx) error { return tx.DeleteSyncPendingDeletion(j.name, d.RemoteID) }); err != nil {
			return err
		}
		kept++
	}
	if kept > 0 {
		j.note("%d contacts missing from the listing are still there remotely: kept", kept)
	}
	return nil
}

// applyDeletions applies held deletions as remote deletions.
func (j *job) applyDeletions(tx *store.Tx, pending []*store.SyncPendingDeletion) error {
	for _, d := range pending {
		link, err := tx.SyncLinkByRemote(j.name, d.RemoteID)
		if err != nil {
			return err
		}
		if link != nil {
			if err := j.remoteDeleted(tx, link); err != nil {
				return err
			}
		}
		if err := tx.DeleteSyncPendingDeletion(j.name, d.RemoteID); err != nil {
			return err
		}
	}
	return j.hook("pull-deletions")
}

// PendingDeletions lists the remote deletions of account waiting for
// the person.
func (e *Engine) PendingDeletions(ctx context.Context, account string) ([]*PendingDeletion, error) {
	if _, err := e.st.GetSyncAccount(ctx, account); err != nil {
		return nil, err
	}
	all, err := e.st.SyncPendingDeletions(ctx, account)
	return heldOnly(all), err
}

// heldOnly keeps the deletions the person was asked about (the others
// belong to a job that did not end; its next run settles them).
func heldOnly(ds []*store.SyncPendingDeletion) []*store.SyncPendingDeletion {
	return slices.DeleteFunc(ds, func(d *store.SyncPendingDeletion) bool { return !d.Held })
}

// DeletionsResult says what ConfirmDeletions or KeepDeletions did.
type DeletionsResult struct {
	// Deleted: contacts moved to the trash. Kept: contacts that stay
	// (edited here since, or kept by the person). Conflicts: deletions
	// of contacts edited here, recorded as conflicts.
	Deleted   int `json:"deleted"`
	Kept      int `json:"kept"`
	Conflicts int `json:"conflicts"`
}

// ConfirmDeletions applies the held remote deletions of account (those
// the person was asked about) whose remote ids are given (all of them
// when none are): each contact goes
// to the trash, as a remote deletion would have sent it, unless it was
// edited here since (then it stays and the deletion is a conflict). An
// id that is not held is an error and nothing is done.
func (e *Engine) ConfirmDeletions(ctx context.Context, account string, remoteIDs ...string) (DeletionsResult, error) {
	return e.settleHeld(ctx, account, remoteIDs, true)
}

// KeepDeletions refuses the held remote deletions of account whose
// remote ids are given (all when none are): the contacts stay here,
// unlinked from the remote contacts that were deleted, and are marked
// to be created again remotely by the next push.
func (e *Engine) KeepDeletions(ctx context.Context, account string, remoteIDs ...string) (DeletionsResult, error) {
	return e.settleHeld(ctx, account, remoteIDs, false)
}

func (e *Engine) settleHeld(ctx context.Context, account string, remoteIDs []string, confirm bool) (DeletionsResult, error) {
	var res DeletionsResult
	acc, err := e.st.GetSyncAccount(ctx, account)
	if err != nil {
		return res, err
	}
	// The account's job slot: no sync runs meanwhile.
	e.mu.Lock()
	if _, busy := e.running[account]; busy {
		e.mu.Unlock()
		return res, fmt.Errorf("%w (%s)", ErrBusy, account)
	}
	e.running[account] = &Status{Account: account, State: StateRunning, Phase: "deletions"}
	e.notifyLocked()
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		delete(e.running, account)
		e.notifyLocked()
		e.mu.Unlock()
	}()
	j := &job{e: e, name: account, acc: acc, rec: &store.SyncJob{Account: account}}
	if p, err := e.opts.Open(acc); err == nil {
		// No request is made; whether the provider carries photos
		// decides how a contact is compared with its base.
		j.photos, _ = p.(PhotoSyncer)
	}
	err = e.st.Write(ctx, func(tx *store.Tx) error {
		pending, err := tx.SyncPendingDeletions(account)
		if err != nil {
			return err
		}
		pending = heldOnly(pending)
		if len(remoteIDs) > 0 {
			var chosen []*store.SyncPendingDeletion
			for _, id := range remoteIDs {
				i := slices.IndexFunc(pending, func(d *store.SyncPendingDeletion) bool { return d.RemoteID == id })
				if i < 0 {
					return &store.ValidationError{Fields: map[string]string{"remote_id": fmt.Sprintf("no deletion of remote contact %q waits in account %q", id, account)}}
				}
				chosen = append(chosen, pending[i])
			}
			pending = chosen
		}
		if confirm {
			if err := j.applyDeletions(tx, pending); err != nil {
				return err
			}
			res.Deleted, res.Conflicts = j.rec.Pulled.Deleted, j.rec.Conflicts
			res.Kept = len(pending) - res.Deleted
			return nil
		}
		for _, d := range pending {
			link, err := tx.SyncLinkByRemote(account, d.RemoteID)
			if err != nil {
				return err
			}
			if link != nil {
				if err := tx.DeleteSyncLink(account, link.LocalID); err != nil {
					return err
				}
				if err := tx.SetSyncDirty(account, link.LocalID, true); err != nil {
					return err
				}
			}
			if err := tx.DeleteSyncPendingDeletion(account, d.RemoteID); err != nil {
				return err
			}
			res.Kept++
		}
		return nil
	})
	if err != nil {
		return DeletionsResult{}, err
	}
	verb := "kept"
	if confirm {
		verb = "confirmed"
	}
	e.log.Info("sync: remote deletions "+verb, "account", account, "deleted", res.Deleted, "kept", res.Kept, "conflicts", res.Conflicts)
	return res, nil
}
