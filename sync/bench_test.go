package sync_test

import (
	"fmt"
	"testing"

	"github.com/humans-contacts/humans/store"
	"github.com/humans-contacts/humans/sync"
	"github.com/humans-contacts/humans/sync/synctest"
)

// The engine's own cost, against the in-memory Fake (no network): see
// sync/hub for the same against a Humans Hub over HTTP.

func benchContact(i int) sync.Contact {
	return sync.Contact{FirstName: fmt.Sprintf("First%05d", i), LastName: "Bench", JobTitle: "Engineer",
		Emails: []store.Email{{Address: fmt.Sprintf("p%05d@example.org", i), Type: "work"}},
		Phones: []store.Phone{{Number: fmt.Sprintf("+3361%07d", i), Type: "mobile"}}}
}

// syncedEnv returns a book and a Fake holding the same n contacts.
func syncedEnv(b *testing.B, n int) *env {
	clk := newClock()
	fake := synctest.New(clk.Now)
	for i := range n {
		fake.Put("", benchContact(i))
	}
	e := newEnv(b, fake, clk)
	e.sync()
	e.sync()
	return e
}

func BenchmarkNoChangeSync10k(b *testing.B) {
	e := syncedEnv(b, 10_000)
	e.fake.ResetRequests()
	b.ResetTimer()
	for b.Loop() {
		e.sync()
	}
	b.ReportMetric(float64(e.fake.Requests(""))/float64(b.N), "requests/op")
}

func BenchmarkFirstSync10k(b *testing.B) {
	clk := newClock()
	fake := synctest.New(clk.Now)
	for i := range 10_000 {
		fake.Put("", benchContact(i))
	}
	for b.Loop() {
		b.StopTimer()
		e := newEnv(b, fake, clk)
		fake.ResetRequests()
		b.StartTimer()
		job := e.sync()
		if job.Pulled.Created != 10_000 {
			b.Fatalf("created %d", job.Pulled.Created)
		}
		b.StopTimer()
		b.ReportMetric(float64(fake.Requests("")), "requests/op")
		e.st.Close()
		b.StartTimer()
	}
}

func BenchmarkIncremental10EachSide10k(b *testing.B) {
	e := syncedEnv(b, 10_000)
	ids, _ := e.st.QueryIDs(ctx, store.Query{})
	remote := e.fake.Live()
	round := 0
	for b.Loop() {
		b.StopTimer()
		round++
		for i := range 10 {
			v := fmt.Sprintf("local %d", round)
			e.update(ids[(round*10+i)%len(ids)], store.HumanPatch{Notes: &v})
			r := remote[(round*10+i+5000)%len(remote)]
			c := r.Contact.Clone()
			c.Department = fmt.Sprintf("remote %d", round)
			e.fake.Put(r.ID, c)
		}
		e.fake.ResetRequests()
		b.StartTimer()
		job := e.sync()
		b.StopTimer()
		if job.Pulled.Updated != 10 || job.Pushed.Updated != 10 {
			b.Fatalf("job %+v", job)
		}
		b.ReportMetric(float64(e.fake.Requests("")), "requests/op")
		b.StartTimer()
	}
}

// BenchmarkFirstPush10kBatched is the first push of 10,000 local
// contacts to a provider with batch endpoints (Google's limits: 200 per
// create batch), and BenchmarkFirstPush10kSingle the same one by one.
func BenchmarkFirstPush10kBatched(b *testing.B) { benchFirstPush(b, true) }

func BenchmarkFirstPush10kSingle(b *testing.B) { benchFirstPush(b, false) }

func benchFirstPush(b *testing.B, full bool) {
	for b.Loop() {
		b.StopTimer()
		clk := newClock()
		fake := synctest.New(clk.Now)
		fake.Photos = full
		e := newEnv(b, fake, clk)
		e.full = full
		hs := make([]*store.Human, 10_000)
		for i := range hs {
			c := benchContact(i)
			hs[i] = &store.Human{FirstName: c.FirstName, LastName: c.LastName, JobTitle: c.JobTitle, Emails: c.Emails, Phones: c.Phones}
		}
		if _, err := e.st.CreateHumans(ctx, hs); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		job := e.sync()
		b.StopTimer()
		if job.Pushed.Created != 10_000 {
			b.Fatalf("created %d", job.Pushed.Created)
		}
		b.ReportMetric(float64(fake.Requests("")), "requests/op")
		e.st.Close()
		b.StartTimer()
	}
}
