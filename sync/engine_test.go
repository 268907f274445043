package sync_test

import (
	"errors"
	"slices"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/humans-contacts/humans/store"
	"github.com/humans-contacts/humans/sync"
	"github.com/humans-contacts/humans/sync/synctest"
)

func TestFirstSyncMatchesExistingContacts(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.create(&store.Human{FirstName: "Ada", LastName: "Lovelace", Emails: []store.Email{{Address: "ada@example.org"}}})
	e.create(&store.Human{FirstName: "Bob", LastName: "Marley", Phones: []store.Phone{{Number: "06 12 34 56 78", Type: "mobile"}}})
	e.create(&store.Human{FirstName: "Carl", LastName: "Sagan", Birthday: &store.Birthday{Year: 1934, Month: 11, Day: 9}})
	e.create(&store.Human{FirstName: "Dan", LastName: "Local"})
	// The exact name alone matches when one contact has it; two
	// namesakes here are told apart by nothing, so none is taken.
	e.create(&store.Human{FirstName: "Fay", LastName: "Only", Notes: "met at the fair"})
	e.create(&store.Human{FirstName: "Gus", LastName: "Twin"})
	e.create(&store.Human{FirstName: "Gus", LastName: "Twin", JobTitle: "other"})
	e.fake.Put("", sync.Contact{FirstName: "Fay", LastName: "Only", JobTitle: "Baker"})
	e.fake.Put("", sync.Contact{FirstName: "Gus", LastName: "Twin", JobTitle: "remote"})
	e.fake.Put("", sync.Contact{FirstName: "Ada", LastName: "Lovelace", JobTitle: "Analyst", Emails: []store.Email{{Address: "ADA@example.org", Type: "work"}}})
	e.fake.Put("", sync.Contact{FirstName: "Bob", LastName: "Marley", Phones: []store.Phone{{Number: "+33612345678", Type: "mobile"}}, Notes: "singer"})
	e.fake.Put("", sync.Contact{FirstName: "Carl", LastName: "Sagan", Birthday: "1934-11-09", Company: "Cornell"})
	e.fake.Put("", sync.Contact{FirstName: "Eve", LastName: "Remote", Groups: []string{"Friends"}})

	job := e.sync()
	if job.Pulled.Created != 2 || job.Pushed.Created != 3 {
		t.Errorf("first sync created %d here and %d there, want 2 (Eve, Gus) and 3 (Dan, two Gus) (job %+v)", job.Pulled.Created, job.Pushed.Created, job)
	}
	if got := names(e.live()); !slices.Equal(got, []string{"Ada", "Bob", "Carl", "Dan", "Eve", "Fay", "Gus", "Gus", "Gus"}) {
		t.Fatalf("local contacts %v", got)
	}
	if fay := e.get(e.findLocal("Fay")); fay.JobTitle != "Baker" || fay.Notes != "met at the fair" {
		t.Errorf("Fay not merged by her name: %+v", fay)
	}
	assertConverged(t, e)
	ada := e.get(e.findLocal("Ada"))
	if ada.JobTitle != "Analyst" || len(ada.Emails) != 1 {
		t.Errorf("Ada not merged: job %q, emails %+v", ada.JobTitle, ada.Emails)
	}
	if carl := e.get(e.findLocal("Carl")); e.st.CompanyName(carl.CompanyID) != "Cornell" {
		t.Errorf("Carl's company not taken from the remote")
	}
	if eve := e.get(e.findLocal("Eve")); len(eve.GroupIDs) != 1 || e.st.GroupName(eve.GroupIDs[0]) != "Friends" {
		t.Errorf("Eve's group not created: %v", eve.GroupIDs)
	}
	if cs, _ := e.st.SyncConflicts(ctx, account, 0); len(cs) != 0 {
		t.Errorf("first sync recorded conflicts: %+v", cs[0])
	}

	// Nothing changed: one request, nothing written either side.
	e.fake.ResetRequests()
	job = e.sync()
	if n := e.fake.Requests(""); n != 1 {
		t.Errorf("no-change sync made %d requests, want 1", n)
	}
	if job.Pulled != (store.SyncCounts{}) || job.Pushed != (store.SyncCounts{}) {
		t.Errorf("no-change sync changed something: %+v", job)
	}
}

func TestEditsOnBothSidesMergeByField(t *testing.T) {
	e := newEnv(t, nil, nil)
	ada := e.create(&store.Human{FirstName: "Ada", LastName: "Lovelace", Phones: []store.Phone{{Number: "+33611111111"}},
		Emails: []store.Email{{Address: "ada@example.org"}, {Address: "old@example.org"}}})
	e.sync()
	r := findRemote(t, e.fake, "Ada")

	// Here: notes, a new phone, the old address removed.
	e.update(ada.ID, store.HumanPatch{Notes: ptr("met at the club"),
		Phones: &[]store.Phone{{Number: "+33611111111"}, {Number: "+33622222222", Type: "work"}},
		Emails: &[]store.Email{{Address: "ada@example.org"}}})
	// There: job title, a new address, the phone's type.
	c := r.Contact.Clone()
	c.JobTitle = "Countess"
	c.Emails = append(c.Emails, store.Email{Address: "ada@analytical.org", Type: "work"})
	c.Phones[0].Type = "mobile"
	e.fake.Put(r.ID, c)

	job := e.sync()
	if job.Conflicts != 0 {
		t.Errorf("non-conflicting edits gave %d conflicts", job.Conflicts)
	}
	got := e.get(ada.ID)
	if got.Notes != "met at the club" || got.JobTitle != "Countess" {
		t.Errorf("fields not merged: notes %q, job %q", got.Notes, got.JobTitle)
	}
	wantPhones := []store.Phone{{Number: "+33611111111", Type: "mobile"}, {Number: "+33622222222", Type: "work"}}
	if !slices.Equal(got.Phones, wantPhones) {
		t.Errorf("phones %+v, want %+v", got.Phones, wantPhones)
	}
	wantEmails := []store.Email{{Address: "ada@example.org"}, {Address: "ada@analytical.org", Type: "work"}}
	if !slices.Equal(got.Emails, wantEmails) {
		t.Errorf("emails %+v, want %+v", got.Emails, wantEmails)
	}
	assertConverged(t, e)
	// The pulled change is not echoed back, the merged result is pushed
	// once, and then all is quiet.
	job = e.sync()
	if job.Pushed != (store.SyncCounts{}) || job.Pulled != (store.SyncCounts{}) {
		t.Errorf("second sync still changed things: %+v", job)
	}
}

func TestSameFieldBothSidesIsAConflictByPolicy(t *testing.T) {
	for _, tc := range []struct {
		policy   string
		remoteAt string // which side edits last
		want     string
	}{
		{sync.PolicyNewest, "after", "remote title"},
		{sync.PolicyNewest, "before", "local title"},
		{sync.PolicyLocal, "after", "local title"},
		{sync.PolicyRemote, "before", "remote title"},
	} {
		t.Run(tc.policy+"-"+tc.remoteAt, func(t *testing.T) {
			e := newEnv(t, nil, nil)
			e.setPolicy(tc.policy)
			ada := e.create(&store.Human{FirstName: "Ada", JobTitle: "base title"})
			e.sync()
			r := findRemote(t, e.fake, "Ada")
			editRemote := func() {
				c := r.Contact.Clone()
				c.JobTitle = "remote title"
				e.fake.Put(r.ID, c)
			}
			if tc.remoteAt == "before" {
				editRemote()
			}
			e.update(ada.ID, store.HumanPatch{JobTitle: ptr("local title")})
			if tc.remoteAt == "after" {
				editRemote()
			}
			job := e.sync()
			if job.Conflicts != 1 {
				t.Fatalf("conflicts %d, want 1", job.Conflicts)
			}
			if got := e.get(ada.ID).JobTitle; got != tc.want {
				t.Errorf("local job title %q, want %q", got, tc.want)
			}
			assertConverged(t, e)
			cs, err := e.st.SyncConflicts(ctx, account, 0)
			if err != nil || len(cs) != 1 {
				t.Fatalf("conflicts %+v, %v", cs, err)
			}
			c := cs[0]
			if c.Field != "job_title" || string(c.Local) != `"local title"` || string(c.Remote) != `"remote title"` || string(c.Base) != `"base title"` {
				t.Errorf("conflict record %+v (local %s remote %s base %s)", c, c.Local, c.Remote, c.Base)
			}
			// Flip: the other value wins, on both sides after a sync.
			other := "local title"
			if tc.want == other {
				other = "remote title"
			}
			if _, err := e.eng.Flip(ctx, account, c.ID); err != nil {
				t.Fatal(err)
			}
			e.sync()
			if got := e.get(ada.ID).JobTitle; got != other {
				t.Errorf("after flip: %q, want %q", got, other)
			}
			assertConverged(t, e)
			// Flip back.
			if _, err := e.eng.Flip(ctx, account, c.ID); err != nil {
				t.Fatal(err)
			}
			e.sync()
			if got := e.get(ada.ID).JobTitle; got != tc.want {
				t.Errorf("after flipping back: %q, want %q", got, tc.want)
			}
			assertConverged(t, e)
			if cs, _ := e.st.SyncConflicts(ctx, account, 0); len(cs) != 1 {
				t.Errorf("flipping made new conflicts: %d", len(cs))
			}
		})
	}
}

func TestListElementConflictIsFlippable(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.setPolicy(sync.PolicyRemote)
	ada := e.create(&store.Human{FirstName: "Ada", Phones: []store.Phone{{Number: "+33611111111", Type: "home"}}})
	e.sync()
	r := findRemote(t, e.fake, "Ada")
	e.update(ada.ID, store.HumanPatch{Phones: &[]store.Phone{{Number: "+33611111111", Type: "work"}}})
	c := r.Contact.Clone()
	c.Phones[0].Type = "mobile"
	e.fake.Put(r.ID, c)
	e.sync()
	if got := e.get(ada.ID).Phones[0].Type; got != "mobile" {
		t.Fatalf("remote policy kept %q", got)
	}
	cs, _ := e.st.SyncConflicts(ctx, account, 0)
	if len(cs) != 1 || cs[0].Field != "phone_numbers" || cs[0].Key != "+33611111111" {
		t.Fatalf("conflicts %+v", cs)
	}
	if _, err := e.eng.Flip(ctx, account, cs[0].ID); err != nil {
		t.Fatal(err)
	}
	e.sync()
	if got := e.get(ada.ID).Phones; len(got) != 1 || got[0].Type != "work" {
		t.Errorf("after flip phones %+v", got)
	}
	assertConverged(t, e)
}

func TestDeleteVersusEdit(t *testing.T) {
	e := newEnv(t, nil, nil)
	ids := map[string]int64{}
	for _, n := range []string{"Keep", "EditHere", "EditThere", "GoneHere", "GoneThere"} {
		ids[n] = e.create(&store.Human{FirstName: n}).ID
	}
	e.sync()
	// Deleted there, edited here.
	e.update(ids["EditHere"], store.HumanPatch{Notes: ptr("edited here")})
	e.fake.Remove(findRemote(t, e.fake, "EditHere").ID)
	// Deleted here, edited there.
	r := findRemote(t, e.fake, "EditThere")
	c := r.Contact.Clone()
	c.Notes = "edited there"
	e.fake.Put(r.ID, c)
	if err := e.st.TrashHuman(ctx, ids["EditThere"], ""); err != nil {
		t.Fatal(err)
	}
	// Plain deletions both ways.
	if err := e.st.TrashHuman(ctx, ids["GoneHere"], ""); err != nil {
		t.Fatal(err)
	}
	e.fake.Remove(findRemote(t, e.fake, "GoneThere").ID)

	job := e.sync()
	if job.Conflicts != 2 {
		t.Errorf("conflicts %d, want 2", job.Conflicts)
	}
	if got := names(e.live()); !slices.Equal(got, []string{"EditHere", "EditThere", "Keep"}) {
		t.Errorf("local contacts %v", got)
	}
	assertConverged(t, e)
	if got := e.get(ids["EditThere"]); got.DeletedAt != nil || got.Notes != "edited there" {
		t.Errorf("contact deleted here and edited there: trashed=%v notes %q", got.DeletedAt != nil, got.Notes)
	}
	if got := e.get(ids["GoneThere"]); got.DeletedAt == nil {
		t.Errorf("contact deleted remotely is not in the trash here")
	}
	cs, _ := e.st.SyncConflicts(ctx, account, 0)
	for _, c := range cs {
		if c.Field != "deleted" {
			t.Errorf("unexpected conflict %+v", c)
		}
	}
	// Flipping both: the deletions win after all.
	for _, c := range cs {
		if _, err := e.eng.Flip(ctx, account, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	e.sync()
	if got := names(e.live()); !slices.Equal(got, []string{"Keep"}) {
		t.Errorf("after flipping the deletions: %v", got)
	}
	assertConverged(t, e)
}

func TestRetriesHonourRetryAfter(t *testing.T) {
	e := newEnv(t, nil, nil)
	ada := e.create(&store.Human{FirstName: "Ada"})
	e.sync()
	e.update(ada.ID, store.HumanPatch{Notes: ptr("x")})
	e.fake.Put("", sync.Contact{FirstName: "Bob"})
	e.fake.Inject(synctest.Fault{Op: "pull", Err: synctest.Err429(7 * time.Second)})
	e.fake.Inject(synctest.Fault{Op: "update", Err: synctest.Err500})
	e.fake.Inject(synctest.Fault{Op: "update", Err: synctest.ErrDropped})
	e.sleeps = nil
	e.sync()
	if len(e.sleeps) != 3 || e.sleeps[0] < 7*time.Second {
		t.Errorf("sleeps %v, want 3 with the first at least Retry-After (7s)", e.sleeps)
	}
	if e.sleeps[2] <= e.sleeps[1]/2 {
		t.Errorf("backoff does not grow: %v", e.sleeps)
	}
	assertConverged(t, e)

	// Offline for longer than the attempts: the job fails, says so, and
	// the next run does the work.
	e.update(ada.ID, store.HumanPatch{Notes: ptr("y")})
	e.fake.SetOffline(true)
	job, err := e.eng.Run(ctx, account)
	var re *sync.RetryError
	if !errors.As(err, &re) || job == nil || job.Error == "" {
		t.Fatalf("offline run: %v, job %+v", err, job)
	}
	st, _ := e.eng.Status(ctx, account)
	if st.State != sync.StateIdle || st.LastError == "" {
		t.Errorf("status after a failure %+v", st)
	}
	e.fake.SetOffline(false)
	e.sync()
	assertConverged(t, e)
	st, _ = e.eng.Status(ctx, account)
	if st.LastError != "" || st.LastSuccess.IsZero() {
		t.Errorf("status after a success %+v", st)
	}
	jobs, _ := e.st.SyncJobs(ctx, account, 0)
	failed := 0
	for _, j := range jobs {
		if j.Error != "" {
			failed++
		}
	}
	if failed != 1 {
		t.Errorf("history has %d failed jobs, want 1", failed)
	}
}

func TestBackoffDelay(t *testing.T) {
	b := sync.Backoff{Base: time.Second, Max: 8 * time.Second, Rand: func() float64 { return 0.999 }}
	prev := time.Duration(0)
	for i := range 6 {
		d := b.Delay(i, nil)
		if d > 8*time.Second || d < prev {
			t.Errorf("delay %d = %v after %v", i, d, prev)
		}
		prev = d
	}
	low := sync.Backoff{Base: time.Second, Rand: func() float64 { return 0 }}
	if d := low.Delay(2, nil); d != 2*time.Second {
		t.Errorf("jitter floor of retry 2 = %v, want 2s", d)
	}
	if d := low.Delay(0, &sync.RetryError{Status: 429, RetryAfter: time.Minute}); d != time.Minute {
		t.Errorf("Retry-After not honoured: %v", d)
	}
}

func TestExpiredCursorResyncsWithoutDuplicates(t *testing.T) {
	e := newEnv(t, nil, nil)
	for _, n := range []string{"Ada", "Bob", "Carl"} {
		e.create(&store.Human{FirstName: n})
	}
	e.sync()
	r := findRemote(t, e.fake, "Bob")
	c := r.Contact.Clone()
	c.Notes = "new"
	e.fake.Put(r.ID, c)
	e.fake.Remove(findRemote(t, e.fake, "Carl").ID)
	e.fake.ExpireCursors()
	job := e.sync()
	if !slices.ContainsFunc(job.Notes, func(n string) bool { return strings.Contains(n, "cursor") }) {
		t.Errorf("job does not say the cursor expired: %v", job.Notes)
	}
	if got := names(e.live()); !slices.Equal(got, []string{"Ada", "Bob"}) {
		t.Errorf("after a resync %v", got)
	}
	assertConverged(t, e)
}

func TestFullListingProvider(t *testing.T) {
	clk := newClock()
	fake := synctest.New(clk.Now)
	fake.Feat = sync.Features{ListingComplete: true}
	fake.PageSize = 2
	e := newEnv(t, fake, clk)
	for _, n := range []string{"Ada", "Bob", "Carl", "Dan", "Eve"} {
		e.create(&store.Human{FirstName: n})
	}
	e.sync()
	e.sync() // the pushed contacts come back in the listing: matched, not doubled
	assertConverged(t, e)
	fake.Remove(findRemote(t, fake, "Carl").ID)
	job := e.sync()
	if job.Pulled.Deleted != 1 || !slices.ContainsFunc(job.Notes, func(n string) bool { return strings.Contains(n, "full listing") }) {
		t.Errorf("absence from a complete listing: %+v", job)
	}
	assertConverged(t, e)

	// Interrupted after the first page: the rest of the listing is
	// read on the next run, and absence is not taken as deletion then.
	fake.Remove(findRemote(t, fake, "Dan").ID)
	fake.Inject(synctest.Fault{Op: "pull", Skip: 1, Err: synctest.ErrFatal})
	if _, err := e.eng.Run(ctx, account); err == nil {
		t.Fatal("run with a failure between pages succeeded")
	}
	job = e.sync()
	if job.Pulled.Deleted != 0 || !slices.ContainsFunc(job.Notes, func(n string) bool { return strings.Contains(n, "resumed") }) {
		t.Errorf("resumed listing deleted: %+v", job)
	}
	job = e.sync()
	if job.Pulled.Deleted != 1 {
		t.Errorf("the next full listing did not see the deletion: %+v", job)
	}
	assertConverged(t, e)

	// A provider that does not promise complete listings never deletes
	// by absence.
	fake.Feat.ListingComplete = false
	fake.Remove(findRemote(t, fake, "Eve").ID)
	job = e.sync()
	if job.Pulled.Deleted != 0 {
		t.Errorf("deleted by absence without a complete listing: %+v", job)
	}
	if got := names(e.live()); !slices.Contains(got, "Eve") {
		t.Errorf("Eve deleted: %v", got)
	}
}

func TestOneJobPerAccountAndStatus(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.create(&store.Human{FirstName: "Ada"})
	entered, release := make(chan struct{}), make(chan struct{})
	var once stdsync.Once
	e.hook = func(p string) error {
		once.Do(func() {
			close(entered)
			<-release
		})
		return nil
	}
	e.fake.Put("", sync.Contact{FirstName: "Bob"})
	done := make(chan error)
	go func() {
		_, err := e.eng.Run(ctx, account)
		done <- err
	}()
	<-entered
	if st, err := e.eng.Status(ctx, account); err != nil || st.State != sync.StateRunning {
		t.Errorf("status while running %+v, %v", st, err)
	}
	if _, err := e.eng.Run(ctx, account); !errors.Is(err, sync.ErrBusy) {
		t.Errorf("second job while one runs: %v, want ErrBusy", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if st, _ := e.eng.Status(ctx, account); st.State != sync.StateIdle {
		t.Errorf("status after the job %+v", st)
	}
	assertConverged(t, e)
}

func TestScheduleRunsDueAccountsWhenOnline(t *testing.T) {
	e := newEnv(t, nil, nil)
	if err := e.eng.SaveAccount(ctx, store.SyncAccount{Name: account, Kind: "hub", Direction: sync.DirectionBoth, Policy: sync.PolicyNewest, IntervalMinutes: 15}); err != nil {
		t.Fatal(err)
	}
	e.create(&store.Human{FirstName: "Ada"})
	last := map[string]time.Time{}
	e.fake.SetOffline(true)
	if ran := e.eng.RunDue(ctx, last); len(ran) != 0 {
		t.Errorf("ran offline: %v", ran)
	}
	if jobs, _ := e.st.SyncJobs(ctx, account, 0); len(jobs) != 0 {
		t.Errorf("offline probe made %d jobs", len(jobs))
	}
	e.fake.SetOffline(false)
	if ran := e.eng.RunDue(ctx, last); !slices.Equal(ran, []string{account}) {
		t.Errorf("online and due: ran %v", ran)
	}
	if ran := e.eng.RunDue(ctx, last); len(ran) != 0 {
		t.Errorf("ran again before the interval: %v", ran)
	}
	e.clock.mu.Lock()
	e.clock.t = e.clock.t.Add(16 * time.Minute)
	e.clock.mu.Unlock()
	if ran := e.eng.RunDue(ctx, last); len(ran) != 1 {
		t.Errorf("interval passed: ran %v", ran)
	}
	assertConverged(t, e)
}

func TestRenamedGroupAndCompanyReachTheRemote(t *testing.T) {
	e := newEnv(t, nil, nil)
	g, err := e.st.CreateGroup(ctx, &store.Group{Name: "Friends"})
	if err != nil {
		t.Fatal(err)
	}
	co, err := e.st.CreateCompany(ctx, &store.Company{Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	e.create(&store.Human{FirstName: "Ada", GroupIDs: []int64{g.ID}, CompanyID: co.ID})
	e.create(&store.Human{FirstName: "Bob"})
	e.sync()
	g.Name = "Close friends"
	if _, err := e.st.UpdateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	co.Name = "Acme Corp"
	if _, err := e.st.UpdateCompany(ctx, co); err != nil {
		t.Fatal(err)
	}
	job := e.sync()
	if job.Pushed.Updated != 1 {
		t.Errorf("renames pushed %d contacts, want 1: %+v", job.Pushed.Updated, job)
	}
	if r := findRemote(t, e.fake, "Ada"); r.Contact.Company != "Acme Corp" || !slices.Equal(r.Contact.Groups, []string{"Close friends"}) {
		t.Errorf("remote Ada: %+v", r.Contact)
	}
	assertConverged(t, e)
}

func TestExportOnlyAccountSendsWithoutDuplicatesAndTakesNothing(t *testing.T) {
	e := newEnv(t, nil, nil)
	if err := e.eng.SaveAccount(ctx, store.SyncAccount{Name: account, Kind: "hub", Direction: sync.DirectionExport, Policy: sync.PolicyNewest}); err != nil {
		t.Fatal(err)
	}
	ada := e.create(&store.Human{FirstName: "Ada", JobTitle: "Countess", Emails: []store.Email{{Address: "ada@example.org"}}})
	e.create(&store.Human{FirstName: "Bob"})
	e.fake.Put("", sync.Contact{FirstName: "Ada", JobTitle: "Analyst", Emails: []store.Email{{Address: "ada@example.org"}}})
	carl := e.fake.Put("", sync.Contact{FirstName: "Carl"})
	job := e.sync()
	if job.Pushed.Created != 1 || job.Pushed.Updated != 1 || job.Pulled != (store.SyncCounts{}) {
		t.Errorf("first export: %+v", job)
	}
	if got := names(remoteLive(e.fake)); !slices.Equal(got, []string{"Ada", "Bob", "Carl"}) {
		t.Errorf("remote %v", got)
	}
	if got := findRemote(t, e.fake, "Ada").Contact.JobTitle; got != "Countess" {
		t.Errorf("remote Ada's job %q, want this book's", got)
	}
	if got := names(e.live()); !slices.Equal(got, []string{"Ada", "Bob"}) {
		t.Errorf("local %v: an export-only account imported", got)
	}
	// Edited on both sides: this book's version wins there, nothing
	// changes here.
	r := findRemote(t, e.fake, "Ada")
	c := r.Contact.Clone()
	c.Notes = "remote note"
	e.fake.Put(r.ID, c)
	e.update(ada.ID, store.HumanPatch{Department: ptr("Maths")})
	e.sync()
	got := findRemote(t, e.fake, "Ada").Contact
	if got.Notes != "" || got.Department != "Maths" {
		t.Errorf("remote Ada after export: %+v", got)
	}
	if h := e.get(ada.ID); h.Notes != "" {
		t.Errorf("export-only took the remote's note")
	}
	if e.fake.Remove(carl.ID) {
		e.sync() // a remote deletion of a contact never here: nothing happens
	}
	if got := names(e.live()); !slices.Equal(got, []string{"Ada", "Bob"}) {
		t.Errorf("local %v", got)
	}
}
