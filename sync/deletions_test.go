package sync_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/humans-contacts/humans/store"
	"github.com/humans-contacts/humans/sync"
	"github.com/humans-contacts/humans/sync/synctest"
)

// linked gives the book and the remote n synced contacts M00, M01...
func linked(t *testing.T, e *env, n int) []int64 {
	t.Helper()
	var ids []int64
	for i := range n {
		ids = append(ids, e.create(&store.Human{FirstName: fmt.Sprintf("M%02d", i)}).ID)
	}
	e.sync()
	return ids
}

func pendingIDs(t *testing.T, e *env) []string {
	t.Helper()
	ps, err := e.eng.PendingDeletions(ctx, account)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range ps {
		out = append(out, p.RemoteID)
	}
	return out
}

func TestMassRemoteDeletionsWaitForThePerson(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.fake.PageSize = 4
	ids := linked(t, e, 40)

	// A few (under the minimum of 10): applied at once.
	for i := range 5 {
		e.fake.Remove(findRemote(t, e.fake, fmt.Sprintf("M%02d", i)).ID)
	}
	job := e.sync()
	if job.Pulled.Deleted != 5 || len(pendingIDs(t, e)) != 0 {
		t.Fatalf("5 deletions: job %+v, pending %v", job, pendingIDs(t, e))
	}

	// 12 of 35 (over 10 % and at least 10): held, nothing deleted here.
	var gone []string
	for i := 5; i < 17; i++ {
		r := findRemote(t, e.fake, fmt.Sprintf("M%02d", i))
		gone = append(gone, r.ID)
		e.fake.Remove(r.ID)
	}
	job = e.sync()
	if job.Pulled.Deleted != 0 || len(e.all()) != 35 {
		t.Fatalf("held deletions applied: job %+v, %d contacts here", job, len(e.all()))
	}
	if !strings.Contains(strings.Join(job.Notes, "\n"), "12 contacts deleted remotely wait for your confirmation") {
		t.Errorf("job notes %q do not say it", job.Notes)
	}
	st, err := e.eng.Status(ctx, account)
	if err != nil || st.PendingDeletions != 12 {
		t.Fatalf("status %+v (%v), want 12 pending deletions", st, err)
	}
	sorted := slices.Clone(gone)
	slices.Sort(sorted)
	if got := pendingIDs(t, e); !slices.Equal(got, sorted) {
		t.Fatalf("pending %v, want %v", got, sorted)
	}
	// Held across syncs: neither applied nor sent back.
	e.fake.ResetRequests()
	job = e.sync()
	if job.Pulled.Deleted != 0 || job.Pushed != (store.SyncCounts{}) || len(pendingIDs(t, e)) != 12 {
		t.Errorf("second sync with held deletions: %+v", job)
	}

	// An edit here meanwhile: confirming keeps it (a conflict).
	e.update(ids[5], store.HumanPatch{Notes: ptr("edited here")})
	if _, err := e.eng.ConfirmDeletions(ctx, account, "nope"); err == nil {
		t.Error("confirming an unknown deletion did not fail")
	}
	res, err := e.eng.ConfirmDeletions(ctx, account, gone[:3]...)
	if err != nil {
		t.Fatal(err)
	}
	if res != (sync.DeletionsResult{Deleted: 2, Kept: 1, Conflicts: 1}) {
		t.Errorf("confirm result %+v, want 2 deleted, M05 kept as a conflict", res)
	}
	for _, id := range ids[6:8] {
		if e.get(id).DeletedAt == nil {
			t.Errorf("confirmed deletion of contact %d not applied", id)
		}
	}
	res, err = e.eng.KeepDeletions(ctx, account)
	if err != nil {
		t.Fatal(err)
	}
	if res.Kept != 9 || len(pendingIDs(t, e)) != 0 {
		t.Errorf("keep result %+v, pending %v", res, pendingIDs(t, e))
	}
	// Kept ones are created again remotely, and the edited one.
	job = e.sync()
	if job.Pushed.Created != 10 {
		t.Errorf("created again remotely: %+v, want 10", job)
	}
	assertConverged(t, e)
	if h := e.get(ids[5]); h.DeletedAt != nil || h.Notes != "edited here" {
		t.Errorf("the contact edited here was lost: %+v", h)
	}
	if n := len(e.all()); n != 33 {
		t.Errorf("%d contacts here, want 33", n)
	}
}

func TestConfirmedDeletionsGoToTheTrash(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.fake.Feat = sync.Features{Feed: false, ListingComplete: true} // deletions by absence
	ids := linked(t, e, 20)
	for i := range 10 {
		e.fake.Remove(findRemote(t, e.fake, fmt.Sprintf("M%02d", i)).ID)
	}
	job := e.sync()
	if job.Pulled.Deleted != 0 || len(pendingIDs(t, e)) != 10 {
		t.Fatalf("absent contacts not held: %+v, pending %v", job, pendingIDs(t, e))
	}
	ps, _ := e.eng.PendingDeletions(ctx, account)
	if !ps[0].Absent || ps[0].Name == "" {
		t.Errorf("pending deletion %+v: want absent, with the contact's name", ps[0])
	}
	// Every listing misses them again: they stay held as they were, and
	// one more missing waits with them.
	e.fake.Remove(findRemote(t, e.fake, "M10").ID)
	if job := e.sync(); job.Pulled.Deleted != 0 || len(pendingIDs(t, e)) != 11 {
		t.Fatalf("second listing: %+v, pending %v", job, pendingIDs(t, e))
	}
	again, _ := e.eng.PendingDeletions(ctx, account)
	if !again[0].Held || !again[0].Found.Equal(ps[0].Found) {
		t.Errorf("held deletion changed by the next listing: %+v, was %+v", again[0], ps[0])
	}
	res, err := e.eng.ConfirmDeletions(ctx, account)
	if err != nil || res.Deleted != 11 {
		t.Fatalf("confirm: %+v, %v", res, err)
	}
	for _, id := range ids[:11] {
		if h := e.get(id); h.DeletedAt == nil {
			t.Errorf("contact %d not in the trash", id)
		}
	}
	e.sync()
	assertConverged(t, e)
	if st, _ := e.eng.Status(ctx, account); st.PendingDeletions != 0 {
		t.Errorf("status still says %d pending", st.PendingDeletions)
	}
}

func TestDeletionGuardSettings(t *testing.T) {
	e := newEnv(t, nil, nil)
	linked(t, e, 20)
	// Never hold: 15 of 20 applied at once.
	if err := e.eng.SaveAccount(ctx, store.SyncAccount{Name: account, Kind: "hub", Direction: sync.DirectionBoth,
		Policy: sync.PolicyNewest, HoldDeletionsPercent: -1}); err != nil {
		t.Fatal(err)
	}
	for i := range 15 {
		e.fake.Remove(findRemote(t, e.fake, fmt.Sprintf("M%02d", i)).ID)
	}
	if job := e.sync(); job.Pulled.Deleted != 15 {
		t.Errorf("with the guard off, %d deleted, want 15", job.Pulled.Deleted)
	}
	// 50 % and at least 2: 3 of 5 wait.
	if err := e.eng.SaveAccount(ctx, store.SyncAccount{Name: account, Kind: "hub", Direction: sync.DirectionBoth,
		Policy: sync.PolicyNewest, HoldDeletionsPercent: 50, HoldDeletionsMin: 2}); err != nil {
		t.Fatal(err)
	}
	for i := 15; i < 18; i++ {
		e.fake.Remove(findRemote(t, e.fake, fmt.Sprintf("M%02d", i)).ID)
	}
	if job := e.sync(); job.Pulled.Deleted != 0 || len(pendingIDs(t, e)) != 3 {
		t.Errorf("3 of 5 with a 50 %% guard: %+v, pending %v", job, pendingIDs(t, e))
	}
}

func TestCrashWhileApplyingDeletionsLosesNothing(t *testing.T) {
	for _, point := range []string{"pull-item", "pull-deletions"} {
		t.Run(point, func(t *testing.T) {
			e := newEnv(t, nil, nil)
			linked(t, e, 30)
			for i := range 3 {
				e.fake.Remove(findRemote(t, e.fake, fmt.Sprintf("M%02d", i)).ID)
			}
			e.hook = func(p string) error {
				if p == point {
					return synctest.ErrFatal
				}
				return nil
			}
			if _, err := e.eng.Run(ctx, account); !errors.Is(err, synctest.ErrFatal) {
				t.Fatalf("err %v, want the crash", err)
			}
			if n := len(e.all()); n != 30 {
				t.Fatalf("%d contacts after the crash, want 30 (nothing half-applied)", n)
			}
			e.hook = nil
			e.reopen()
			job := e.sync()
			if job.Pulled.Deleted != 3 || len(e.all()) != 27 || len(pendingIDs(t, e)) != 0 {
				t.Errorf("rerun: %+v, %d contacts, pending %v", job, len(e.all()), pendingIDs(t, e))
			}
			assertConverged(t, e)
		})
	}
}

// A job that stops between the page that held deletions and their
// settling leaves them tentative: not shown as waiting, settled by the
// next run.
func TestDeletionsOfAnUnfinishedJobAreSettledByTheNext(t *testing.T) {
	e := newEnv(t, nil, nil)
	linked(t, e, 30)
	e.sync() // the cursor past the creates' echoes
	e.fake.PageSize = 2
	for i := range 3 {
		e.fake.Remove(findRemote(t, e.fake, fmt.Sprintf("M%02d", i)).ID)
	}
	e.fake.Inject(synctest.Fault{Op: "pull", Skip: 1, Err: synctest.ErrFatal})
	if _, err := e.eng.Run(ctx, account); !errors.Is(err, synctest.ErrFatal) {
		t.Fatalf("err %v, want the crash", err)
	}
	if all, _ := e.st.SyncPendingDeletions(ctx, account); len(all) != 2 {
		t.Fatalf("%d deletions recorded by the first page, want 2", len(all))
	}
	if st, _ := e.eng.Status(ctx, account); st.PendingDeletions != 0 || len(pendingIDs(t, e)) != 0 {
		t.Errorf("tentative deletions shown as waiting: %+v", st)
	}
	if res, err := e.eng.KeepDeletions(ctx, account); err != nil || res.Kept != 0 {
		t.Errorf("keep acted on tentative deletions: %+v %v", res, err)
	}
	e.reopen()
	if job := e.sync(); job.Pulled.Deleted != 3 || len(e.all()) != 27 {
		t.Errorf("rerun: %+v, %d contacts", job, len(e.all()))
	}
	assertConverged(t, e)
}

func TestARemoteContactBackVoidsItsHeldDeletion(t *testing.T) {
	e := newEnv(t, nil, nil)
	linked(t, e, 20)
	var rs []sync.Remote
	for i := range 10 {
		r := findRemote(t, e.fake, fmt.Sprintf("M%02d", i))
		rs = append(rs, r)
		e.fake.Remove(r.ID)
	}
	e.sync()
	if len(pendingIDs(t, e)) != 10 {
		t.Fatalf("pending %v", pendingIDs(t, e))
	}
	// Restored remotely (an undo there): live again, no longer held;
	// the others still wait (the person was asked), with a new one.
	for _, r := range rs[:4] {
		e.fake.Put(r.ID, r.Contact)
	}
	e.fake.Remove(findRemote(t, e.fake, "M15").ID)
	e.sync()
	if got := len(pendingIDs(t, e)); got != 7 {
		t.Errorf("%d pending after 4 came back and 1 went, want 7", got)
	}
	if n := len(e.all()); n != 20 {
		t.Errorf("%d contacts here, want 20 (nothing deleted unasked)", n)
	}
}

// A contact missing from a complete listing is deleted here only when
// the remote says it is gone: one the listing merely left out stays
// linked and alive.
func TestAbsenceAloneDeletesNothing(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.fake.Feat = sync.Features{Feed: false, ListingComplete: true} // deletions by absence
	ids := linked(t, e, 20)
	lagging := findRemote(t, e.fake, "M00").ID
	e.fake.Unlisted = map[string]bool{lagging: true}
	gone := findRemote(t, e.fake, "M01").ID
	e.fake.Remove(gone)
	e.fake.ResetRequests()

	job := e.sync()
	if job.Pulled.Deleted != 1 || len(pendingIDs(t, e)) != 0 {
		t.Fatalf("job %+v, pending %v: want the removed contact deleted, nothing waiting", job, pendingIDs(t, e))
	}
	if n := e.fake.Requests("get"); n != 2 {
		t.Errorf("%d gets, want one for each contact missing from the listing", n)
	}
	if h := e.get(ids[0]); h.DeletedAt != nil {
		t.Error("the contact the listing left out was deleted here")
	}
	if h := e.get(ids[1]); h.DeletedAt == nil {
		t.Error("the contact removed remotely is still alive here")
	}
	if l, err := e.st.SyncLinkByLocal(ctx, account, ids[0]); err != nil || l == nil || l.RemoteID != lagging {
		t.Errorf("the left-out contact lost its link: %+v %v", l, err)
	}
	if !slices.ContainsFunc(job.Notes, func(n string) bool { return strings.Contains(n, "still there remotely") }) {
		t.Errorf("the job does not say why a missing contact was kept: %q", job.Notes)
	}
}
