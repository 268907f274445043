package sync_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/humans-contacts/humans/store"
	"github.com/humans-contacts/humans/sync"
	"github.com/humans-contacts/humans/sync/synctest"
)

// The engine with the optional provider interfaces: field updates,
// batches and photos, against the Fake's Google-like rules.

func newFullEnv(t *testing.T) *env {
	t.Helper()
	clk := newClock()
	fake := synctest.New(clk.Now)
	fake.Photos = true
	e := newEnv(t, fake, clk)
	e.full = true
	return e
}

func TestFieldUpdaterSendsOnlyChangedFieldsAgainstTheNewBase(t *testing.T) {
	e := newFullEnv(t)
	id := e.create(&store.Human{FirstName: "Ada", LastName: "Lovelace", JobTitle: "Analyst"}).ID
	e.sync()
	e.update(id, store.HumanPatch{Notes: ptr("first notes")})
	e.fake.ResetRequests()
	e.sync()
	if n, m := e.fake.Requests("updateFields"), e.fake.Requests("update"); n != 1 || m != 0 {
		t.Fatalf("updateFields %d, update %d; want 1 and 0", n, m)
	}
	if got := e.fake.Masks(); len(got) != 1 || !slices.Equal(got[0], []string{"notes"}) {
		t.Fatalf("masks %v, want [[notes]]", got)
	}

	// Changed remotely after the last pull: a push without pull meets
	// the etag mismatch, fetches, merges, and sends against the new base
	// (the remote's version) only the local change.
	r := findRemote(t, e.fake, "Ada")
	c := r.Contact.Clone()
	c.JobTitle = "Countess"
	e.fake.Put(r.ID, c)
	e.update(id, store.HumanPatch{Department: ptr("Maths")})
	if _, err := e.eng.RunDirection(ctx, account, sync.DirectionExport); err != nil {
		t.Fatal(err)
	}
	masks := e.fake.Masks()
	if last := masks[len(masks)-1]; !slices.Equal(last, []string{"department"}) {
		t.Fatalf("last mask %v, want [department] (all masks %v)", last, masks)
	}
	h := e.get(id)
	if h.JobTitle != "Countess" || h.Department != "Maths" {
		t.Errorf("merge lost an edit: job %q, department %q", h.JobTitle, h.Department)
	}
	e.sync()
	assertConverged(t, e)
}

func TestBatchesStayWithinLimitsAndHandleFailuresOneByOne(t *testing.T) {
	e := newFullEnv(t)
	e.fake.Limits.Create, e.fake.Limits.Update, e.fake.Limits.Delete = 3, 3, 4
	e.fake.Validate = func(c sync.Contact) error {
		if c.Nickname == "refused" {
			return &store.ValidationError{Fields: map[string]string{"nickname": "refused by the remote"}}
		}
		return nil
	}
	var ids []int64
	for i := range 10 {
		h := &store.Human{FirstName: fmt.Sprintf("P%02d", i), LastName: "Batch"}
		if i == 4 {
			h.Nickname = "refused"
		}
		ids = append(ids, e.create(h).ID)
	}
	job := e.sync()
	if job.Pushed.Created != 9 || job.Pushed.Skipped != 1 {
		t.Fatalf("created %d, skipped %d; want 9 and 1 (job %+v)", job.Pushed.Created, job.Pushed.Skipped, job)
	}
	if n, m := e.fake.Requests("createBatch"), e.fake.Requests("create"); n != 4 || m != 0 {
		t.Errorf("createBatch %d, create %d; want 4 (3+3+3+1) and 0", n, m)
	}
	if len(e.fake.Live()) != 9 {
		t.Fatalf("remote has %d contacts, want 9", len(e.fake.Live()))
	}
	e.update(ids[4], store.HumanPatch{Nickname: ptr("")})
	e.sync()
	assertConverged(t, e)

	// Updates: two changed remotely meanwhile, one deleted remotely; a
	// push without pull meets them in the batch and takes the single
	// path for those (fetch and merge; create again).
	e.fake.ResetRequests()
	for i, id := range ids[:7] {
		e.update(id, store.HumanPatch{Notes: ptr(fmt.Sprintf("local %d", i))})
	}
	for _, n := range []string{"P00", "P01"} {
		r := findRemote(t, e.fake, n)
		c := r.Contact.Clone()
		c.JobTitle = "remote " + n
		e.fake.Put(r.ID, c)
	}
	e.fake.Remove(findRemote(t, e.fake, "P02").ID)
	if _, err := e.eng.RunDirection(ctx, account, sync.DirectionExport); err != nil {
		t.Fatal(err)
	}
	if n, m := e.fake.Requests("updateBatch"), e.fake.Requests("create"); n != 3 || m != 1 {
		t.Errorf("updateBatch %d, create %d; want 3 (3+3+1) and 1 (P02 again)", n, m)
	}
	for i, n := range []string{"P00", "P01"} {
		h := e.get(e.findLocal(n))
		if h.JobTitle != "remote "+n || h.Notes != fmt.Sprintf("local %d", i) {
			t.Errorf("%s lost an edit: %q, %q", n, h.JobTitle, h.Notes)
		}
	}
	e.sync()
	assertConverged(t, e)
	if cs, _ := e.st.SyncConflicts(ctx, account, 0); len(cs) != 1 || cs[0].Field != "deleted" {
		t.Errorf("conflicts %+v, want P02's deletion", cs)
	}

	// Deletes: in batches after this job's pull; a batch that fails
	// because one is gone already falls back to single deletes.
	e.fake.ResetRequests()
	for _, id := range ids[:9] {
		if err := e.st.TrashHuman(ctx, id, ""); err != nil {
			t.Fatal(err)
		}
	}
	e.fake.Inject(synctest.Fault{Op: "deleteBatch", Skip: 1, Err: fmt.Errorf("r: %w", sync.ErrRemoteNotFound)})
	job = e.sync()
	if job.Pushed.Deleted != 9 {
		t.Errorf("deleted %d remotely, want 9", job.Pushed.Deleted)
	}
	if n, m := e.fake.Requests("deleteBatch"), e.fake.Requests("delete"); n != 3 || m != 4 {
		t.Errorf("deleteBatch %d, delete %d; want 3 (4, 4 failed, 1) and 4 (the failed batch one by one)", n, m)
	}
	assertConverged(t, e)
}

func TestBatchDeleteOnlyAfterThisJobsPull(t *testing.T) {
	e := newFullEnv(t)
	var ids []int64
	for i := range 4 {
		ids = append(ids, e.create(&store.Human{FirstName: fmt.Sprintf("D%d", i)}).ID)
	}
	e.sync()
	// Changed remotely, deleted here: a push alone must not delete it
	// blindly (no etag in a batch delete), so it goes one by one and
	// the change wins.
	r := findRemote(t, e.fake, "D0")
	c := r.Contact.Clone()
	c.Notes = "changed remotely"
	e.fake.Put(r.ID, c)
	for _, id := range ids {
		if err := e.st.TrashHuman(ctx, id, ""); err != nil {
			t.Fatal(err)
		}
	}
	e.fake.ResetRequests()
	if _, err := e.eng.RunDirection(ctx, account, sync.DirectionExport); err != nil {
		t.Fatal(err)
	}
	if n := e.fake.Requests("deleteBatch"); n != 0 {
		t.Errorf("%d batch deletes without a pull, want 0", n)
	}
	if got := names(remoteLive(e.fake)); !slices.Equal(got, []string{"D0"}) {
		t.Errorf("remote keeps %v, want [D0] (changed there)", got)
	}
	if h := e.get(ids[0]); h.DeletedAt != nil || h.Notes != "changed remotely" {
		t.Errorf("D0 not brought back with the remote change: %+v", h)
	}
}

func TestCrashAfterACreateBatchMakesNoDuplicates(t *testing.T) {
	for _, c := range []struct {
		name  string
		fault synctest.Fault
		hook  string
	}{
		{name: "before the links are saved", hook: "push-create-batch"},
		{name: "batch done, answer lost", fault: synctest.Fault{Op: "createBatch", Err: synctest.ErrFatal, Done: true}},
		{name: "batch done, connection dropped", fault: synctest.Fault{Op: "createBatch", Err: synctest.ErrDropped, Done: true}},
		{name: "second batch done, 500", fault: synctest.Fault{Op: "createBatch", Skip: 1, Err: synctest.Err500, Done: true}},
		{name: "single create before its link", hook: "push-create"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newFullEnv(t)
			e.fake.Limits.Create = 3
			n := 5
			if c.hook == "push-create" {
				n = 1
			}
			for i := range n {
				e.create(&store.Human{FirstName: fmt.Sprintf("N%d", i), Emails: []store.Email{{Address: fmt.Sprintf("n%d@example.org", i)}}})
			}
			if c.fault.Op != "" {
				e.fake.Inject(c.fault)
			}
			if c.hook != "" {
				e.hook = func(p string) error {
					if p == c.hook {
						return synctest.ErrFatal
					}
					return nil
				}
			}
			if _, err := e.eng.Run(ctx, account); err == nil {
				t.Fatal("the crash did not stop the job")
			}
			e.hook = nil
			e.fake.ClearFaults()
			e.reopen()
			e.sync()
			if got := len(e.fake.Live()); got != n {
				t.Fatalf("remote has %d contacts after the rerun, want %d (duplicates)", got, n)
			}
			assertConverged(t, e)
			if job := e.sync(); job.Pulled != (store.SyncCounts{}) || job.Pushed != (store.SyncCounts{}) {
				t.Errorf("not settled: %+v", job)
			}
		})
	}
}

func pngBytes(t *testing.T, c color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	for x := range 4 {
		for y := range 4 {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegBytes(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 4)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func (e *env) photo(id int64) []byte {
	e.t.Helper()
	h := e.get(id)
	if h.PhotoHash == "" {
		return nil
	}
	data, _, err := e.st.Photo(ctx, h.PhotoHash)
	if err != nil {
		e.t.Fatal(err)
	}
	return data
}

func TestPhotosSyncBothWays(t *testing.T) {
	e := newFullEnv(t)
	red, blue := pngBytes(t, color.RGBA{R: 255, A: 255}), pngBytes(t, color.RGBA{B: 255, A: 255})
	// A local photo URL (a vCard's) is this book's own: never sent as a
	// photo, never overwritten by the remote's.
	ada := e.create(&store.Human{FirstName: "Ada", PhotoURL: "https://example.org/ada.jpg"}).ID
	if _, err := e.st.SetPhoto(ctx, ada, red, ""); err != nil {
		t.Fatal(err)
	}
	rb := e.fake.Put("", sync.Contact{FirstName: "Bob"})
	if _, err := e.fake.SetPhoto(rb.ID, blue); err != nil {
		t.Fatal(err)
	}
	e.sync()
	ra := findRemote(t, e.fake, "Ada")
	if !bytes.Equal(e.fake.PhotoOf(ra.ID), red) {
		t.Errorf("Ada's photo not uploaded")
	}
	bob := e.findLocal("Bob")
	if !bytes.Equal(e.photo(bob), blue) {
		t.Errorf("Bob's photo not downloaded")
	}
	if got := e.get(ada).PhotoURL; got != "https://example.org/ada.jpg" {
		t.Errorf("local photo URL changed to %q", got)
	}
	if got := e.get(bob).PhotoURL; got != "" {
		t.Errorf("remote photo URL stored as a field: %q", got)
	}
	// Settled: nothing downloaded or sent again.
	e.fake.ResetRequests()
	if job := e.sync(); job.Pulled != (store.SyncCounts{}) || job.Pushed != (store.SyncCounts{}) || e.fake.Requests("") != 1 {
		t.Errorf("not settled: job %+v, %d requests", job, e.fake.Requests(""))
	}

	// Changed remotely: downloaded. Removed here: removed there.
	if _, err := e.fake.SetPhoto(ra.ID, blue); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.SetPhoto(ctx, bob, nil, ""); err != nil {
		t.Fatal(err)
	}
	e.sync()
	if !bytes.Equal(e.photo(ada), blue) {
		t.Errorf("Ada's new remote photo not downloaded")
	}
	if got := e.fake.PhotoOf(rb.ID); got != nil {
		t.Errorf("Bob's photo not removed remotely")
	}

	// Both changed: the newest wins, recorded as a conflict.
	if _, err := e.fake.SetPhoto(ra.ID, red); err != nil {
		t.Fatal(err)
	}
	jp := jpegBytes(t)
	if _, err := e.st.SetPhoto(ctx, ada, jp, ""); err != nil {
		t.Fatal(err)
	}
	e.sync()
	if !bytes.Equal(e.photo(ada), jp) || !bytes.Equal(e.fake.PhotoOf(ra.ID), jp) {
		t.Errorf("the newest photo (local) did not win on both sides")
	}
	cs, _ := e.st.SyncConflicts(ctx, account, 0)
	if len(cs) != 1 || cs[0].Field != "photo" || cs[0].Resolution != sync.SideLocal {
		t.Fatalf("conflicts %+v, want one photo conflict won by the local side", cs)
	}
	var verr *store.ValidationError
	if _, err := e.eng.Flip(ctx, account, cs[0].ID); !errors.As(err, &verr) {
		t.Errorf("flipping a photo conflict: %v, want a clear refusal", err)
	}

	// A photo the remote refuses (GIF) is skipped and said.
	gif := []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")
	if _, err := e.st.SetPhoto(ctx, ada, gif, ""); err != nil {
		t.Fatal(err)
	}
	job := e.sync()
	if job.Pushed.Skipped != 1 || !strings.Contains(strings.Join(job.Notes, "\n"), "JPEG or PNG") {
		t.Errorf("refused photo not said: %+v", job)
	}
	assertConverged(t, e)
}

func TestPhotoDownloadFailureKeepsTheLocalPhoto(t *testing.T) {
	e := newFullEnv(t)
	id := e.create(&store.Human{FirstName: "Cy"}).ID
	e.sync()
	r := findRemote(t, e.fake, "Cy")
	if _, err := e.fake.SetPhoto(r.ID, pngBytes(t, color.White)); err != nil {
		t.Fatal(err)
	}
	// A transient failure fails the job; nothing of the page is applied.
	e.fake.Inject(synctest.Fault{Op: "fetchPhoto", Err: synctest.Err500})
	e.fake.Inject(synctest.Fault{Op: "fetchPhoto", Err: synctest.Err500})
	e.fake.Inject(synctest.Fault{Op: "fetchPhoto", Err: synctest.Err500})
	e.fake.Inject(synctest.Fault{Op: "fetchPhoto", Err: synctest.Err500})
	if _, err := e.eng.Run(ctx, account); err == nil {
		t.Fatal("a photo that could not be downloaded (500) did not fail the job")
	}
	if e.get(id).PhotoHash != "" {
		t.Fatal("photo set after a failed download")
	}
	e.sync()
	if e.photo(id) == nil {
		t.Fatal("photo not downloaded on the next run")
	}
}

// signInProvider refuses its authorization as an OAuth provider does
// after invalid_grant, with a token in its error text.
type signInProvider struct {
	sync.Provider
	refuse bool
	pulls  int
}

const secret = "ya29.SECRET-ACCESS-TOKEN"

func (p *signInProvider) Pull(ctx2 context.Context, cursor string) (sync.Page, error) {
	p.pulls++
	if p.refuse {
		return sync.Page{}, fmt.Errorf("oauth2: token %s refused: \"invalid_grant\": %w", secret, sync.ErrSignIn)
	}
	return p.Provider.Pull(ctx2, cursor)
}

func (p *signInProvider) Probe(ctx2 context.Context) error {
	if p.refuse {
		return fmt.Errorf("refresh %s: %w", secret, sync.ErrSignIn)
	}
	return p.Provider.Probe(ctx2)
}

func TestSignInStateStopsTheScheduleUntilConnectedAgain(t *testing.T) {
	clk := newClock()
	var logs bytes.Buffer
	st, err := store.Open(t.TempDir()+"/h.db", store.Options{Now: clk.Now, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p := &signInProvider{Provider: synctest.New(clk.Now).Plain(), refuse: true}
	eng := sync.New(st, sync.Options{Now: clk.Now, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Open: func(*store.SyncAccount) (sync.Provider, error) { return p, nil }})
	acc := store.SyncAccount{Name: "g", Kind: "google", Direction: sync.DirectionBoth, Policy: sync.PolicyNewest, IntervalMinutes: 1}
	if err := eng.SaveAccount(ctx, acc); err != nil {
		t.Fatal(err)
	}
	job, err := eng.Run(ctx, "g")
	if !errors.Is(err, sync.ErrSignIn) {
		t.Fatalf("err %v, want ErrSignIn", err)
	}
	if !strings.Contains(job.Error, "connect the account again") {
		t.Errorf("job error %q is not clear", job.Error)
	}
	s, err := eng.Status(ctx, "g")
	if err != nil || !s.NeedsSignIn {
		t.Fatalf("status %+v (%v), want needs_sign_in", s, err)
	}
	// The schedule leaves it alone: no retry loop.
	p.pulls = 0
	last := map[string]time.Time{}
	clk.advance(time.Hour)
	if ran := eng.RunDue(ctx, last); len(ran) != 0 || p.pulls != 0 {
		t.Errorf("schedule ran %v (%d pulls) for an account that needs to sign in", ran, p.pulls)
	}
	jobs, _ := st.SyncJobs(ctx, "g", 0)
	for _, j := range jobs {
		if strings.Contains(j.Error, secret) {
			t.Errorf("token in the job history: %q", j.Error)
		}
	}
	if strings.Contains(logs.String(), secret) {
		t.Errorf("token in the log: %s", logs.String())
	}
	// Connected again: cleared, and the schedule syncs it.
	p.refuse = false
	if err := eng.SignedIn(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	if s, _ := eng.Status(ctx, "g"); s.NeedsSignIn || s.LastError != "" {
		t.Errorf("status after SignedIn %+v", s)
	}
	clk.advance(time.Hour)
	if ran := eng.RunDue(ctx, last); !slices.Equal(ran, []string{"g"}) {
		t.Errorf("schedule ran %v after signing in, want [g]", ran)
	}

	// A probe refused for want of authorization runs the job, which
	// shows the state; saving the account clears it.
	p.refuse = true
	clk.advance(time.Hour)
	eng.RunDue(ctx, last)
	if s, _ := eng.Status(ctx, "g"); !s.NeedsSignIn {
		t.Errorf("a refused probe did not show needs_sign_in: %+v", s)
	}
	if err := eng.SaveAccount(ctx, acc); err != nil {
		t.Fatal(err)
	}
	if s, _ := eng.Status(ctx, "g"); s.NeedsSignIn {
		t.Errorf("SaveAccount did not clear needs_sign_in")
	}
}
