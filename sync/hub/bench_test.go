package hub_test

import (
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/humans-contacts/humans/app"
	"github.com/humans-contacts/humans/store"
	"github.com/humans-contacts/humans/sync"
	"github.com/humans-contacts/humans/sync/hub"
)

// Sync with a Humans Hub over loopback HTTP: the Hub is a second
// Humans (its REST API over its own store, fsync on); this book is a
// real store file with fsync on.

func benchHub(b *testing.B, n int, requests *atomic.Int64) *hubInstance {
	h := startHub(b, counting(requests))
	hs := make([]*app.Human, 0, 1000)
	for i := range n {
		hs = append(hs, &app.Human{FirstName: fmt.Sprintf("First%05d", i), LastName: "Bench", JobTitle: "Engineer",
			Emails: []app.Email{{Address: fmt.Sprintf("p%05d@example.org", i), Type: "work"}},
			Phones: []app.Phone{{Number: fmt.Sprintf("+3361%07d", i), Type: "mobile"}}})
		if len(hs) == cap(hs) || i == n-1 {
			if _, err := h.svc.CreateHumans(ctx, hs); err != nil {
				b.Fatal(err)
			}
			hs = hs[:0]
		}
	}
	return h
}

func benchLocal(b *testing.B, h *hubInstance) (*store.Store, *sync.Engine) {
	st, err := store.Open(filepath.Join(b.TempDir(), "humans.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	eng := sync.New(st, sync.Options{Open: func(*store.SyncAccount) (sync.Provider, error) {
		return hub.New(hub.Config{URL: h.srv.URL, APIKey: h.key})
	}})
	if err := eng.SaveAccount(ctx, store.SyncAccount{Name: "hub", Kind: "hub", Direction: sync.DirectionBoth, Policy: sync.PolicyNewest}); err != nil {
		b.Fatal(err)
	}
	return st, eng
}

func run(b *testing.B, eng *sync.Engine) *store.SyncJob {
	job, err := eng.Run(ctx, "hub")
	if err != nil {
		b.Fatal(err)
	}
	return job
}

func BenchmarkHubFirstSync10k(b *testing.B) {
	var requests atomic.Int64
	h := benchHub(b, 10_000, &requests)
	for b.Loop() {
		b.StopTimer()
		_, eng := benchLocal(b, h)
		requests.Store(0)
		b.StartTimer()
		if job := run(b, eng); job.Pulled.Created != 10_000 {
			b.Fatalf("job %+v", job)
		}
	}
	b.ReportMetric(float64(requests.Load()), "requests/op")
}

func BenchmarkHubNoChangeSync10k(b *testing.B) {
	var requests atomic.Int64
	h := benchHub(b, 10_000, &requests)
	_, eng := benchLocal(b, h)
	run(b, eng)
	run(b, eng)
	requests.Store(0)
	for b.Loop() {
		run(b, eng)
	}
	b.ReportMetric(float64(requests.Load())/float64(b.N), "requests/op")
}

func BenchmarkHubIncremental10EachSide10k(b *testing.B) {
	var requests atomic.Int64
	h := benchHub(b, 10_000, &requests)
	st, eng := benchLocal(b, h)
	run(b, eng)
	run(b, eng)
	localIDs, _ := st.QueryIDs(ctx, store.Query{})
	var hubIDs []int64
	for page := 1; ; page++ {
		p, err := h.svc.HumansUpdatedSince(ctx, time.Time{}, false, page, 100)
		if err != nil {
			b.Fatal(err)
		}
		for _, x := range p.Humans {
			hubIDs = append(hubIDs, x.ID)
		}
		if page >= p.TotalPages {
			break
		}
	}
	round := 0
	var total int64
	for b.Loop() {
		b.StopTimer()
		round++
		for i := range 10 {
			v := fmt.Sprintf("local %d", round)
			if _, err := st.UpdateHuman(ctx, localIDs[(round*10+i)%len(localIDs)], store.HumanPatch{Notes: &v}, ""); err != nil {
				b.Fatal(err)
			}
			w := fmt.Sprintf("hub %d", round)
			if _, err := h.svc.UpdateHuman(ctx, hubIDs[(round*10+i+5000)%len(hubIDs)], app.HumanPatch{Department: &w}, ""); err != nil {
				b.Fatal(err)
			}
		}
		requests.Store(0)
		b.StartTimer()
		job := run(b, eng)
		b.StopTimer()
		if job.Pulled.Updated != 10 || job.Pushed.Updated != 10 {
			b.Fatalf("job %+v", job)
		}
		total += requests.Load()
		b.StartTimer()
	}
	b.ReportMetric(float64(total)/float64(b.N), "requests/op")
}
