package sync

import (
	"context"
	"errors"
	"fmt"

	"github.com/humans-contacts/humans/store"
)

// pushOp is one contact to push and what to do with it.
type pushOp struct {
	id    int64
	local Contact
	link  *store.SyncLink
	base  Contact
	// photoOnly: the mapped fields agree, only the photo changed.
	photoOnly bool
}

// pushAll pushes the contacts ids: each is planned (create, update,
// delete or nothing), then the creates, updates and deletes go in
// batches when the provider has them and there are several, else one
// by one. A contact the remote refuses is skipped and said in the job.
func (j *job) pushAll(ctx context.Context, ids []int64, dirty map[int64]bool) error {
	var creates, updates, photos, deletes []pushOp
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return err
		}
		op, kind, err := j.plan(ctx, id)
		if err != nil {
			return fmt.Errorf("contact %d: %w", id, err)
		}
		switch kind {
		case "create":
			creates = append(creates, op)
		case "update":
			updates = append(updates, op)
		case "photo":
			photos = append(photos, op)
		case "delete":
			deletes = append(deletes, op)
		default:
			if err := j.clearDirty(ctx, id, dirty[id]); err != nil {
				return err
			}
		}
	}
	total := len(creates) + len(updates) + len(photos) + len(deletes)
	done := 0
	step := func(n int) {
		done += n
		j.e.progress(j.name, "push", done, total)
	}
	var cl, ul, dl int
	if j.batch != nil {
		cl, ul, dl = j.batch.BatchLimits()
	}
	if err := j.pushCreates(ctx, creates, cl, step); err != nil {
		return err
	}
	if err := j.pushUpdates(ctx, updates, ul, step); err != nil {
		return err
	}
	for _, op := range photos {
		if err := j.settle(op.id, j.pushPhoto(ctx, op.id, false)); err != nil {
			return err
		}
		step(1)
	}
	return j.pushDeletes(ctx, deletes, dl, step)
}

// plan reads contact id and its link and says what the push does.
func (j *job) plan(ctx context.Context, id int64) (pushOp, string, error) {
	st := j.e.st
	op := pushOp{id: id}
	h, err := st.GetHuman(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		h, err = nil, nil
	}
	if err != nil {
		return op, "", err
	}
	if op.link, err = st.SyncLinkByLocal(ctx, j.name, id); err != nil {
		return op, "", err
	}
	if h == nil || h.DeletedAt != nil {
		if op.link == nil {
			return op, "", nil
		}
		return op, "delete", nil
	}
	op.local = j.localOf(h, j.names())
	if op.link == nil {
		return op, "create", nil
	}
	base, ok := decodeBase(op.link.Base)
	op.base = base
	photoChanged := j.photos != nil && h.PhotoHash != op.link.PhotoHash
	switch {
	case ok && op.local.Equal(base) && photoChanged:
		op.photoOnly = true
		return op, "photo", nil
	case ok && op.local.Equal(base):
		return op, "", nil
	}
	return op, "update", nil
}

// settle turns the error of one contact's push into the job's outcome:
// a contact the remote refuses is skipped (the others go on, and its
// next edit is tried again); any other error ends the push.
func (j *job) settle(id int64, err error) error {
	if err == nil {
		return nil
	}
	var verr *store.ValidationError
	if !errors.As(err, &verr) {
		return fmt.Errorf("contact %d: %w", id, err)
	}
	j.rec.Pushed.Skipped++
	j.note("contact %d not sent, the remote refused it: %v", id, err)
	return nil
}

// oneByOne pushes ops one at a time with push, settling each.
func (j *job) oneByOne(ops []pushOp, step func(int), push func(pushOp) error) error {
	for _, op := range ops {
		if err := j.settle(op.id, push(op)); err != nil {
			return err
		}
		step(1)
	}
	return nil
}

// chunks cuts ops in batches of at most limit.
func chunks(ops []pushOp, limit int) [][]pushOp {
	var out [][]pushOp
	for len(ops) > limit {
		out = append(out, ops[:limit])
		ops = ops[limit:]
	}
	if len(ops) > 0 {
		out = append(out, ops)
	}
	return out
}

// batched says whether n contacts of one kind go in batches of limit.
func batched(n, limit int) bool { return limit > 0 && n > 1 }

// notDoneUnless429 makes a failed create (or batch of them) final
// unless the remote refused it with a 429: after a network error or a
// 5xx it may have been done, and the next pull recognises the created
// contacts by their UID instead of creating them twice.
func notDoneUnless429(err error) error {
	var re *RetryError
	if errors.As(err, &re) && re.Status != 429 {
		return fmt.Errorf("create not retried, it may have been done (the next sync recognises it): %s", re.Error())
	}
	return err
}

func (j *job) pushCreates(ctx context.Context, ops []pushOp, limit int, step func(int)) error {
	if !batched(len(ops), limit) {
		return j.oneByOne(ops, step, func(op pushOp) error { return j.pushCreate(ctx, op.id, op.local) })
	}
	for _, chunk := range chunks(ops, limit) {
		cs := make([]Contact, len(chunk))
		for i, op := range chunk {
			cs[i] = op.local
		}
		var results []BatchResult
		err := j.retry(ctx, func() (err error) {
			results, err = j.batch.CreateBatch(ctx, cs)
			return notDoneUnless429(err)
		})
		if err != nil {
			return fmt.Errorf("creating %d contacts: %w", len(chunk), err)
		}
		if len(results) != len(chunk) {
			return fmt.Errorf("creating %d contacts: the remote answered %d results (the next sync recognises those created)", len(chunk), len(results))
		}
		if err := j.hook("push-create-batch"); err != nil {
			return err
		}
		var again []pushOp
		err = j.e.st.Write(ctx, func(tx *store.Tx) error {
			for i, res := range results {
				op := chunk[i]
				var verr *store.ValidationError
				switch {
				case res.Err == nil:
					if err := j.linkCreated(tx, op.id, op.local, res.Remote); err != nil {
						return err
					}
				case errors.As(res.Err, &verr) && !uidTaken(res.Err):
					j.rec.Pushed.Skipped++
					j.note("contact %d not sent, the remote refused it: %v", op.id, res.Err)
				default:
					again = append(again, op)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		// Other failures of single contacts are tried alone, as a single
		// create would be.
		for _, op := range again {
			if err := j.settle(op.id, j.pushCreate(ctx, op.id, op.local)); err != nil {
				return err
			}
		}
		for _, op := range chunk {
			if err := j.settle(op.id, j.pushPhoto(ctx, op.id, true)); err != nil {
				return err
			}
		}
		step(len(chunk))
	}
	return nil
}

// linkCreated maps a contact created remotely (r) to local contact id.
func (j *job) linkCreated(tx *store.Tx, id int64, local Contact, r Remote) error {
	url := j.stripPhoto(&r)
	if err := tx.PutSyncLink(j.name, &store.SyncLink{
		LocalID: id, RemoteID: r.ID, ETag: r.ETag, RemoteUpdated: r.Updated, Base: local.encode(),
		// A new remote contact has no photo yet; an unexpected one is
		// taken as unknown bytes, replaced by the local photo.
		PhotoURL: url, PhotoHash: map[bool]string{true: "unknown", false: ""}[url != ""],
	}); err != nil {
		return err
	}
	j.rec.Pushed.Created++
	return tx.SetSyncDirty(j.name, id, false)
}

func (j *job) pushUpdates(ctx context.Context, ops []pushOp, limit int, step func(int)) error {
	if !batched(len(ops), limit) {
		return j.oneByOne(ops, step, func(op pushOp) error { return j.pushUpdate(ctx, op.id, op.link, op.local, op.base, nil) })
	}
	for _, chunk := range chunks(ops, limit) {
		items := make([]BatchUpdate, len(chunk))
		for i, op := range chunk {
			items[i] = BatchUpdate{ID: op.link.RemoteID, ETag: op.link.ETag, Contact: op.local, Base: op.base}
		}
		var results []BatchResult
		err := j.retry(ctx, func() (err error) {
			results, err = j.batch.UpdateBatch(ctx, items)
			return err
		})
		if err != nil {
			return fmt.Errorf("updating %d contacts: %w", len(chunk), err)
		}
		if len(results) != len(chunk) {
			return fmt.Errorf("updating %d contacts: the remote answered %d results", len(chunk), len(results))
		}
		type retry struct {
			op  pushOp
			err error
		}
		var again []retry
		err = j.e.st.Write(ctx, func(tx *store.Tx) error {
			for i, res := range results {
				op := chunk[i]
				var verr *store.ValidationError
				switch {
				case res.Err == nil:
					if err := j.linkUpdated(tx, op.id, op.link, op.local, res.Remote); err != nil {
						return err
					}
				case errors.As(res.Err, &verr):
					j.rec.Pushed.Skipped++
					j.note("contact %d not sent, the remote refused it: %v", op.id, res.Err)
				case errors.Is(res.Err, ErrPrecondition), errors.Is(res.Err, ErrRemoteNotFound):
					again = append(again, retry{op, res.Err})
				default:
					again = append(again, retry{op, nil}) // tried again alone
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		// Changed or deleted remotely meanwhile: the single path fetches
		// and merges, or creates the contact again.
		for _, a := range again {
			if err := j.settle(a.op.id, j.pushUpdate(ctx, a.op.id, a.op.link, a.op.local, a.op.base, a.err)); err != nil {
				return err
			}
		}
		for _, op := range chunk {
			if err := j.settle(op.id, j.pushPhoto(ctx, op.id, true)); err != nil {
				return err
			}
		}
		step(len(chunk))
	}
	return nil
}

// linkUpdated records a successful update (r) of local contact id.
func (j *job) linkUpdated(tx *store.Tx, id int64, old *store.SyncLink, local Contact, r Remote) error {
	url := j.stripPhoto(&r)
	l := &store.SyncLink{LocalID: id, RemoteID: r.ID, ETag: r.ETag, RemoteUpdated: r.Updated, Base: local.encode(),
		PhotoURL: old.PhotoURL, PhotoHash: old.PhotoHash}
	if l.RemoteID == "" {
		l.RemoteID = old.RemoteID
	}
	if j.photos != nil && url != old.PhotoURL {
		// Its photo changed remotely too: taken as unknown bytes, which
		// the next pull of it (or this book's photo) settles.
		l.PhotoURL = url
	}
	if err := tx.PutSyncLink(j.name, l); err != nil {
		return err
	}
	j.rec.Pushed.Updated++
	return tx.SetSyncDirty(j.name, id, false)
}

// pushDeletes deletes remotely the contacts deleted here. A batch delete
// carries no etag (Google's batchDeleteContacts takes none), so it is
// used only after this job's pull ran to its end: every link's etag is
// then the remote's latest the change feed knows of, which is what the
// etag of a single delete would have checked. Without that pull (an
// export-only run of a two-way account), or when the batch fails because
// a contact is gone already, the contacts are deleted one by one, each
// with its etag.
func (j *job) pushDeletes(ctx context.Context, ops []pushOp, limit int, step func(int)) error {
	if !batched(len(ops), limit) || !j.pulled {
		return j.oneByOne(ops, step, func(op pushOp) error { return j.pushDelete(ctx, op.id, op.link) })
	}
	for _, chunk := range chunks(ops, limit) {
		ids := make([]string, len(chunk))
		for i, op := range chunk {
			ids[i] = op.link.RemoteID
		}
		err := j.retry(ctx, func() error { return j.batch.DeleteBatch(ctx, ids) })
		if errors.Is(err, ErrRemoteNotFound) || errors.Is(err, ErrPrecondition) {
			for _, op := range chunk {
				if err := j.settle(op.id, j.pushDelete(ctx, op.id, op.link)); err != nil {
					return err
				}
			}
			step(len(chunk))
			continue
		}
		if err != nil {
			return fmt.Errorf("deleting %d contacts: %w", len(chunk), err)
		}
		err = j.e.st.Write(ctx, func(tx *store.Tx) error {
			for _, op := range chunk {
				if err := tx.DeleteSyncLink(j.name, op.id); err != nil {
					return err
				}
				if err := tx.SetSyncDirty(j.name, op.id, false); err != nil {
					return err
				}
			}
			j.rec.Pushed.Deleted += len(chunk)
			return nil
		})
		if err != nil {
			return err
		}
		step(len(chunk))
	}
	return nil
}
