package sync_test

import (
	"bytes"
	"fmt"
	"image/color"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/humans-contacts/humans/store"
	"github.com/humans-contacts/humans/sync"
	"github.com/humans-contacts/humans/sync/synctest"
)

// crashSetup gives the book and the remote four synced contacts, then
// edits on both sides while apart: here A1 edited, L1 and L2 created,
// A2 deleted; there A3 edited, R1 to R3 created, A4 deleted.
func crashSetup(t *testing.T, e *env) {
	ids := map[string]int64{}
	for _, n := range []string{"A1", "A2", "A3", "A4"} {
		ids[n] = e.create(&store.Human{FirstName: n, LastName: "Synced"}).ID
	}
	e.sync()
	e.update(ids["A1"], store.HumanPatch{Notes: ptr("local edit")})
	e.create(&store.Human{FirstName: "L1", Emails: []store.Email{{Address: "l1@example.org"}}})
	e.create(&store.Human{FirstName: "L2"})
	if err := e.st.TrashHuman(ctx, ids["A2"], ""); err != nil {
		t.Fatal(err)
	}
	r := findRemote(t, e.fake, "A3")
	c := r.Contact.Clone()
	c.JobTitle = "remote edit"
	e.fake.Put(r.ID, c)
	for _, n := range []string{"R1", "R2", "R3"} {
		e.fake.Put("", sync.Contact{FirstName: n, Phones: []store.Phone{{Number: "+3361234567" + n[1:]}}})
	}
	e.fake.Remove(findRemote(t, e.fake, "A4").ID)
}

func checkCrashResult(t *testing.T, e *env) {
	t.Helper()
	assertConverged(t, e)
	if got, want := names(e.live()), []string{"A1", "A3", "L1", "L2", "R1", "R2", "R3"}; !slices.Equal(got, want) {
		t.Fatalf("contacts %v, want %v", got, want)
	}
	if got := e.get(e.findLocal("A1")).Notes; got != "local edit" {
		t.Errorf("local edit lost: %q", got)
	}
	if got := e.get(e.findLocal("A3")).JobTitle; got != "remote edit" {
		t.Errorf("remote edit lost: %q", got)
	}
}

// TestCrashWithOptionalInterfacesThenRerun is the crash test with a
// provider that has batches (of one, so that a crash falls between
// batches too), field updates and photos.
func TestCrashWithOptionalInterfacesThenRerun(t *testing.T) {
	type crash struct {
		name  string
		fault synctest.Fault
		hook  string
		skip  int
	}
	crashes := []crash{
		{name: "first create batch", fault: synctest.Fault{Op: "createBatch", Err: synctest.ErrFatal}},
		{name: "between create batches", fault: synctest.Fault{Op: "createBatch", Skip: 1, Err: synctest.ErrFatal}},
		{name: "create batch done, answer lost", fault: synctest.Fault{Op: "createBatch", Err: synctest.ErrFatal, Done: true}},
		{name: "create batch done, connection dropped", fault: synctest.Fault{Op: "createBatch", Skip: 1, Err: synctest.ErrDropped, Done: true}},
		{name: "create batch answered, links not saved", hook: "push-create-batch"},
		{name: "second create batch answered, links not saved", hook: "push-create-batch", skip: 1},
		{name: "field update", fault: synctest.Fault{Op: "updateFields", Err: synctest.ErrFatal}},
		{name: "field update done, answer lost", fault: synctest.Fault{Op: "updateFields", Err: synctest.ErrFatal, Done: true}},
		{name: "delete batch done, answer lost", fault: synctest.Fault{Op: "deleteBatch", Err: synctest.ErrFatal, Done: true}},
		{name: "photo sent, link not saved", hook: "push-photo"},
		{name: "photo done, answer lost", fault: synctest.Fault{Op: "putPhoto", Err: synctest.ErrFatal, Done: true}},
		{name: "inside a page", hook: "pull-item", skip: 2},
	}
	for _, c := range crashes {
		t.Run(c.name, func(t *testing.T) {
			e := newFullEnv(t)
			e.fake.PageSize = 2
			e.fake.Limits.Create, e.fake.Limits.Delete = 1, 1
			a5 := e.create(&store.Human{FirstName: "A5"}).ID
			crashSetup(t, e)
			// A second deletion here, so that deletes go in batches; a
			// photo on the new L1.
			if err := e.st.TrashHuman(ctx, a5, ""); err != nil {
				t.Fatal(err)
			}
			photo := pngBytes(t, color.Black)
			if _, err := e.st.SetPhoto(ctx, e.findLocal("L1"), photo, ""); err != nil {
				t.Fatal(err)
			}
			if c.fault.Op != "" {
				e.fake.Inject(c.fault)
			}
			if c.hook != "" {
				n := 0
				e.hook = func(p string) error {
					if p == c.hook {
						n++
						if n == c.skip+1 {
							return synctest.ErrFatal
						}
					}
					return nil
				}
			}
			if _, err := e.eng.Run(ctx, account); err == nil {
				t.Fatalf("the injected crash did not stop the job")
			}
			e.fake.ClearFaults()
			e.hook = nil
			e.reopen()
			e.sync()
			e.sync()
			checkCrashResult(t, e)
			if !bytes.Equal(e.fake.PhotoOf(findRemote(t, e.fake, "L1").ID), photo) {
				t.Errorf("L1's photo not on the remote")
			}
			if job := e.sync(); job.Pulled != (store.SyncCounts{}) || job.Pushed != (store.SyncCounts{}) {
				t.Errorf("not settled after the rerun: %+v", job)
			}
		})
	}
}

func TestCrashAtEveryStepThenRerun(t *testing.T) {
	type crash struct {
		name  string
		fault synctest.Fault
		hook  int // crash inside the page transaction after this many items
	}
	crashes := []crash{
		{name: "first page", fault: synctest.Fault{Op: "pull", Err: synctest.ErrFatal}},
		{name: "between pages 1", fault: synctest.Fault{Op: "pull", Skip: 1, Err: synctest.ErrFatal}},
		{name: "between pages 2", fault: synctest.Fault{Op: "pull", Skip: 2, Err: synctest.ErrFatal}},
		{name: "page answer lost", fault: synctest.Fault{Op: "pull", Skip: 1, Err: synctest.ErrFatal, Done: true}},
		{name: "inside a page 1", hook: 1},
		{name: "inside a page 2", hook: 2},
		{name: "inside a page 4", hook: 4},
		{name: "first create", fault: synctest.Fault{Op: "create", Err: synctest.ErrFatal}},
		{name: "between creates", fault: synctest.Fault{Op: "create", Skip: 1, Err: synctest.ErrFatal}},
		{name: "create done, answer lost", fault: synctest.Fault{Op: "create", Err: synctest.ErrFatal, Done: true}},
		{name: "create done, connection dropped", fault: synctest.Fault{Op: "create", Skip: 1, Err: synctest.ErrDropped, Done: true}},
		{name: "update", fault: synctest.Fault{Op: "update", Err: synctest.ErrFatal}},
		{name: "update done, answer lost", fault: synctest.Fault{Op: "update", Err: synctest.ErrFatal, Done: true}},
		{name: "update done, connection dropped", fault: synctest.Fault{Op: "update", Err: synctest.ErrDropped, Done: true}},
		{name: "delete", fault: synctest.Fault{Op: "delete", Err: synctest.ErrFatal}},
		{name: "delete done, answer lost", fault: synctest.Fault{Op: "delete", Err: synctest.ErrFatal, Done: true}},
		{name: "delete done, connection dropped", fault: synctest.Fault{Op: "delete", Err: synctest.ErrDropped, Done: true}},
	}
	for _, c := range crashes {
		t.Run(c.name, func(t *testing.T) {
			clk := newClock()
			fake := synctest.New(clk.Now)
			fake.PageSize = 2
			e := newEnv(t, fake, clk)
			crashSetup(t, e)
			if c.fault.Op != "" {
				fake.Inject(c.fault)
			}
			if c.hook > 0 {
				n := 0
				e.hook = func(p string) error {
					if p == "pull-item" {
						n++
						if n == c.hook {
							return synctest.ErrFatal
						}
					}
					return nil
				}
			}
			_, runErr := e.eng.Run(ctx, account)
			fatal := c.hook > 0 || c.fault.Err == synctest.ErrFatal
			if fatal && runErr == nil {
				t.Fatalf("the injected crash did not stop the job")
			}
			fake.ClearFaults()
			e.hook = nil
			e.reopen()
			e.sync()
			e.sync()
			checkCrashResult(t, e)
			jobs, err := e.st.SyncJobs(ctx, account, 0)
			if err != nil {
				t.Fatal(err)
			}
			failed := 0
			for _, j := range jobs {
				if j.Error != "" && !j.FinishedAt.IsZero() {
					failed++
				}
			}
			if fatal && failed != 1 {
				t.Errorf("history shows %d failed jobs, want 1", failed)
			}
			// Settled: one more run changes nothing on either side.
			job := e.sync()
			if job.Pulled != (store.SyncCounts{}) || job.Pushed != (store.SyncCounts{}) {
				t.Errorf("not settled after the rerun: %+v", job)
			}
		})
	}
}

// TestRandomOfflineEditsConverge runs two books syncing through one
// remote with random offline edits on both, and checks that all three
// end with the same contacts and every edit the other side did not
// contradict.
func TestRandomOfflineEditsConverge(t *testing.T) {
	for seed := uint64(1); seed <= 24; seed++ {
		// Even seeds: the provider has batches (of 2), field updates and
		// photos.
		full := seed%2 == 0
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			clk := newClock()
			fake := synctest.New(clk.Now)
			fake.PageSize = 3
			fake.Photos = full
			fake.Limits.Create, fake.Limits.Update, fake.Limits.Delete = 2, 2, 2
			a, b := newEnv(t, fake, clk), newEnv(t, fake, clk)
			a.full, b.full = full, full
			for i := range 8 {
				a.create(&store.Human{FirstName: fmt.Sprintf("P%d", i), LastName: "Seed"})
			}
			a.sync()
			b.sync()
			for round := range 4 {
				ea := randomEdits(t, rng, a, fmt.Sprintf("a%d", round))
				eb := randomEdits(t, rng, b, fmt.Sprintf("b%d", round))
				for range 2 {
					a.sync()
					b.sync()
				}
				a.sync()
				assertConverged(t, a)
				assertConverged(t, b)
				checkEdits(t, a, ea, eb)
				checkEdits(t, b, eb, ea)
			}
		})
	}
}

type edit struct {
	uid   string
	kind  string // field, phone, delete, create
	field string
	value string
}

func randomEdits(t *testing.T, rng *rand.Rand, e *env, tag string) []edit {
	var out []edit
	hs := e.all()
	touched := map[string]bool{}
	for i := range 1 + rng.IntN(5) {
		val := fmt.Sprintf("%s-%d", tag, i)
		if len(hs) == 0 || rng.IntN(6) == 0 {
			h := e.create(&store.Human{FirstName: "N" + val})
			out = append(out, edit{uid: h.UID, kind: "create", value: h.FirstName})
			continue
		}
		h := hs[rng.IntN(len(hs))]
		if touched[h.UID] {
			continue // one kind of edit per contact and round, to keep the check simple
		}
		h = e.get(h.ID)
		if h.DeletedAt != nil {
			continue
		}
		switch rng.IntN(5) {
		case 0:
			if err := e.st.TrashHuman(ctx, h.ID, ""); err != nil {
				t.Fatal(err)
			}
			out = append(out, edit{uid: h.UID, kind: "delete"})
		case 1:
			phones := append(h.Phones, store.Phone{Number: fmt.Sprintf("+3361%07d", rng.IntN(10_000_000))})
			e.update(h.ID, store.HumanPatch{Phones: &phones})
			out = append(out, edit{uid: h.UID, kind: "phone", value: phones[len(phones)-1].Number})
		default:
			f := []string{"notes", "job_title", "nickname"}[rng.IntN(3)]
			var p store.HumanPatch
			switch f {
			case "notes":
				p.Notes = &val
			case "job_title":
				p.JobTitle = &val
			case "nickname":
				p.Nickname = &val
			}
			e.update(h.ID, p)
			out = append(out, edit{uid: h.UID, kind: "field", field: f, value: val})
		}
		touched[h.UID] = true
	}
	return out
}

// checkEdits checks that each of mine the others did not contradict (the
// same field, or the contact deleted on one side and edited on the
// other) is in e's book.
func checkEdits(t *testing.T, e *env, mine, theirs []edit) {
	t.Helper()
	byUID := map[string]*store.Human{}
	for _, h := range e.all() {
		byUID[h.UID] = h
	}
	contradicted := func(m edit) bool {
		for _, o := range theirs {
			if o.uid != m.uid {
				continue
			}
			if o.kind == "delete" || m.kind == "delete" || (o.kind == "field" && m.kind == "field" && o.field == m.field) {
				return true
			}
		}
		return false
	}
	for _, m := range mine {
		if contradicted(m) {
			continue
		}
		h := byUID[m.uid]
		switch m.kind {
		case "delete":
			if h != nil {
				t.Errorf("deleted contact %s is back", m.uid)
			}
			continue
		case "create":
			if h == nil || h.FirstName != m.value {
				t.Errorf("created contact %s (%s) missing", m.uid, m.value)
			}
			continue
		}
		if h == nil {
			t.Errorf("edited contact %s missing (%+v)", m.uid, m)
			continue
		}
		switch m.kind {
		case "phone":
			if !slices.ContainsFunc(h.Phones, func(p store.Phone) bool { return p.Number == m.value }) {
				t.Errorf("phone %s lost on %s: %+v", m.value, m.uid, h.Phones)
			}
		case "field":
			got := map[string]string{"notes": h.Notes, "job_title": h.JobTitle, "nickname": h.Nickname}[m.field]
			if got != m.value {
				t.Errorf("%s of %s is %q, want %q", m.field, m.uid, got, m.value)
			}
		}
	}
}
