package google_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"google.golang.org/api/people/v1"

	"github.com/humans-contacts/humans/store"
	"github.com/humans-contacts/humans/sync"
	"github.com/humans-contacts/humans/sync/google"
	"github.com/humans-contacts/humans/sync/google/googletest"
)

// Sync with a Google account: the fake People API over loopback HTTP (in
// the same process, sharing the cores), this book a real store file with
// fsync on, the real engine, 1,000 contacts a page as against Google.

func benchAccount(b *testing.B, n int) *googletest.Server {
	f := googletest.New(googletest.Options{})
	b.Cleanup(f.Close)
	label := f.AddGroup("Colleagues")
	for i := range n {
		p := &people.Person{
			Names:          []*people.Name{{GivenName: fmt.Sprintf("First%05d", i), FamilyName: "Bench"}},
			EmailAddresses: []*people.EmailAddress{{Value: fmt.Sprintf("p%05d@example.org", i), Type: "work"}},
			PhoneNumbers:   []*people.PhoneNumber{{Value: fmt.Sprintf("+3361%07d", i), Type: "mobile"}},
			Organizations:  []*people.Organization{{Name: fmt.Sprintf("Company %d", i%500), Title: "Engineer"}},
			Memberships: []*people.Membership{{ContactGroupMembership: &people.ContactGroupMembership{
				ContactGroupResourceName: "contactGroups/myContacts"}}},
		}
		if i%10 == 0 {
			p.Memberships = append(p.Memberships, &people.Membership{ContactGroupMembership: &people.ContactGroupMembership{ContactGroupResourceName: label}})
		}
		f.Add(p)
	}
	return f
}

func benchBook(b *testing.B, f *googletest.Server) (*store.Store, *sync.Engine) {
	st, err := store.Open(filepath.Join(b.TempDir(), "humans.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	eng := sync.New(st, sync.Options{Open: func(*store.SyncAccount) (sync.Provider, error) {
		return google.New(ctx, google.Config{Endpoint: f.Endpoint(), HTTPClient: f.Client()})
	}})
	if err := eng.SaveAccount(ctx, store.SyncAccount{Name: "g", Kind: "google", Direction: sync.DirectionBoth, Policy: sync.PolicyNewest}); err != nil {
		b.Fatal(err)
	}
	return st, eng
}

func benchRun(b *testing.B, eng *sync.Engine) *store.SyncJob {
	job, err := eng.Run(ctx, "g")
	if err != nil {
		b.Fatal(err)
	}
	return job
}

func BenchmarkGoogleFirstSync10k(b *testing.B) {
	f := benchAccount(b, 10_000)
	requests := 0
	for b.Loop() {
		b.StopTimer()
		_, eng := benchBook(b, f)
		f.ResetCounts()
		b.StartTimer()
		if job := benchRun(b, eng); job.Pulled.Created != 10_000 {
			b.Fatalf("job %+v", job)
		}
		requests = f.Requests()
	}
	b.ReportMetric(float64(requests), "requests/op")
}

func BenchmarkGoogleNoChangeSync10k(b *testing.B) {
	f := benchAccount(b, 10_000)
	_, eng := benchBook(b, f)
	benchRun(b, eng)
	requests, mutations := 0, 0
	for b.Loop() {
		f.ResetCounts()
		benchRun(b, eng)
		requests, mutations = f.Requests(), f.Mutations()
	}
	b.ReportMetric(float64(requests), "requests/op")
	b.ReportMetric(float64(mutations), "mutations/op")
}

// BenchmarkGoogleIncremental10k: 10 contacts changed in Google and 10
// others here, then one sync.
func BenchmarkGoogleIncremental10k(b *testing.B) {
	f := benchAccount(b, 10_000)
	st, eng := benchBook(b, f)
	benchRun(b, eng)
	rns := f.ResourceNames()
	ids, err := st.QueryIDs(ctx, store.Query{})
	if err != nil {
		b.Fatal(err)
	}
	requests, mutations, round := 0, 0, 0
	for b.Loop() {
		b.StopTimer()
		round++
		for i := range 10 {
			f.Edit(rns[(round*10+i)%len(rns)], func(p *people.Person) {
				p.Biographies = []*people.Biography{{Value: fmt.Sprintf("Google edit %d", round)}}
			})
			note := fmt.Sprintf("local edit %d", round)
			if _, err := st.UpdateHuman(ctx, ids[(round*10+i+5000)%len(ids)], store.HumanPatch{JobTitle: &note}, ""); err != nil {
				b.Fatal(err)
			}
		}
		f.ResetCounts()
		b.StartTimer()
		job := benchRun(b, eng)
		if job.Pulled.Updated != 10 || job.Pushed.Updated != 10 {
			b.Fatalf("job %+v", job)
		}
		requests, mutations = f.Requests(), f.Mutations()
	}
	b.ReportMetric(float64(requests), "requests/op")
	b.ReportMetric(float64(mutations), "mutations/op")
}
