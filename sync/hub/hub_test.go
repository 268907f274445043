package hub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	stdsync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/humans-contacts/humans/app"
	"github.com/humans-contacts/humans/app/api"
	"github.com/humans-contacts/humans/store"
	"github.com/humans-contacts/humans/sync"
	"github.com/humans-contacts/humans/sync/hub"
)

var ctx = context.Background()

// hubInstance is a second Humans: its REST API over its own store.
type hubInstance struct {
	svc *app.Service
	srv *httptest.Server
	key string
}

func startHub(t testing.TB, wrap func(http.Handler) http.Handler) *hubInstance {
	t.Helper()
	svc, err := app.Open(app.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := svc.CreateAPIKey(ctx, "sync", app.RoleUser)
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = api.New(svc, api.Options{RateLimit: -1})
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		svc.Close()
	})
	return &hubInstance{svc: svc, srv: srv, key: key}
}

// local is this book syncing with a Hub.
type local struct {
	t      testing.TB
	path   string
	st     *store.Store
	eng    *sync.Engine
	hubURL string
	key    string
	policy string
	sleeps atomic.Int64
}

func newLocal(t testing.TB, h *hubInstance, url string) *local {
	t.Helper()
	if url == "" {
		url = h.srv.URL
	}
	l := &local{t: t, path: filepath.Join(t.TempDir(), "humans.db"), hubURL: url, key: h.key, policy: sync.PolicyNewest}
	l.open()
	t.Cleanup(func() { l.st.Close() })
	if err := l.eng.SaveAccount(ctx, store.SyncAccount{Name: "hub", Kind: "hub", Direction: sync.DirectionBoth, Policy: l.policy}); err != nil {
		t.Fatal(err)
	}
	return l
}

func (l *local) open() {
	st, err := store.Open(l.path, store.Options{NoSync: true})
	if err != nil {
		l.t.Fatal(err)
	}
	l.st = st
	l.eng = sync.New(st, sync.Options{
		Open: func(*store.SyncAccount) (sync.Provider, error) {
			return hub.New(hub.Config{URL: l.hubURL, APIKey: l.key, PerPage: 5})
		},
		Backoff: sync.Backoff{Attempts: 6, Sleep: func(_ context.Context, d time.Duration) error {
			l.sleeps.Add(int64(d))
			return nil
		}},
	})
}

func (l *local) sync() *store.SyncJob {
	l.t.Helper()
	job, err := l.eng.Run(ctx, "hub")
	if err != nil {
		l.t.Fatalf("sync: %v (job %+v)", err, job)
	}
	return job
}

func key(c sync.Contact) string {
	c.UID = ""
	b, _ := json.Marshal(c)
	return string(b)
}

// localContacts and hubContacts read each book directly, not through
// the sync.
func (l *local) contacts() []string {
	ids, err := l.st.QueryIDs(ctx, store.Query{})
	if err != nil {
		l.t.Fatal(err)
	}
	hs, err := l.st.HumansByID(ctx, ids)
	if err != nil {
		l.t.Fatal(err)
	}
	var out []string
	for _, h := range hs {
		out = append(out, key(sync.FromHuman(h, l.st)))
	}
	sort.Strings(out)
	return out
}

func (h *hubInstance) contacts(t testing.TB) []string {
	t.Helper()
	var out []string
	for page := 1; ; page++ {
		p, err := h.svc.HumansUpdatedSince(ctx, time.Time{}, false, page, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range p.Humans {
			out = append(out, key(sync.FromHuman(x, h.svc)))
		}
		if page >= p.TotalPages {
			break
		}
	}
	sort.Strings(out)
	return out
}

func assertSame(t testing.TB, l *local, h *hubInstance) {
	t.Helper()
	lc, hc := l.contacts(), h.contacts(t)
	if !slices.Equal(lc, hc) {
		t.Fatalf("books differ:\nlocal (%d):\n%s\nhub (%d):\n%s", len(lc), strings.Join(lc, "\n"), len(hc), strings.Join(hc, "\n"))
	}
}

func (h *hubInstance) find(t testing.TB, first string) *app.Human {
	t.Helper()
	var found []*app.Human
	for page := 1; ; page++ {
		p, err := h.svc.HumansUpdatedSince(ctx, time.Time{}, false, page, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range p.Humans {
			if x.FirstName == first {
				found = append(found, x)
			}
		}
		if page >= p.TotalPages {
			break
		}
	}
	if len(found) != 1 {
		t.Fatalf("hub has %d contacts named %s", len(found), first)
	}
	return found[0]
}

func ptr[T any](v T) *T { return &v }

// counting counts the requests a Hub answers.
func counting(n *atomic.Int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			next.ServeHTTP(w, r)
		})
	}
}

func TestSyncWithASecondHumans(t *testing.T) {
	var requests atomic.Int64
	h := startHub(t, counting(&requests))
	l := newLocal(t, h, "")
	// Duplicates on both sides before the first sync.
	for _, n := range []string{"Ada", "Bob", "Carl"} {
		if _, err := l.st.CreateHuman(ctx, &store.Human{FirstName: n, LastName: "Both", Emails: []store.Email{{Address: strings.ToLower(n) + "@example.org"}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := h.svc.CreateHuman(ctx, &app.Human{FirstName: n, LastName: "Both", Emails: []app.Email{{Address: strings.ToUpper(n) + "@example.org", Type: "work"}}}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 12 {
		if _, err := h.svc.CreateHuman(ctx, &app.Human{FirstName: fmt.Sprintf("Hub%02d", i), Phones: []app.Phone{{Number: fmt.Sprintf("+336000000%02d", i)}}}); err != nil {
			t.Fatal(err)
		}
	}
	co, err := l.st.CreateCompany(ctx, &store.Company{Name: "Analytical Engines"})
	if err != nil {
		t.Fatal(err)
	}
	g, err := l.st.CreateGroup(ctx, &store.Group{Name: "Friends"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.st.CreateHuman(ctx, &store.Human{FirstName: "Dan", LastName: "Local", CompanyID: co.ID, GroupIDs: []int64{g.ID},
		Birthday: &store.Birthday{Month: 2, Day: 29}, CustomFields: map[string]string{"team": "blue"}}); err != nil {
		t.Fatal(err)
	}
	job := l.sync()
	if job.Pulled.Created != 12 || job.Pushed.Created != 1 {
		t.Errorf("first sync: %+v", job)
	}
	assertSame(t, l, h)
	dan := h.find(t, "Dan")
	if h.svc.CompanyName(dan.CompanyID) != "Analytical Engines" || len(dan.GroupIDs) != 1 || dan.Birthday == nil {
		t.Errorf("Dan on the hub: %+v", dan)
	}

	// No change: one request, nothing done.
	requests.Store(0)
	job = l.sync()
	if n := requests.Load(); n != 1 {
		t.Errorf("no-change sync made %d requests, want 1", n)
	}
	if job.Pulled != (store.SyncCounts{}) || job.Pushed != (store.SyncCounts{}) {
		t.Errorf("no-change sync: %+v", job)
	}

	// Edits on both sides, a deletion on each, a delete-vs-edit.
	adaHub := h.find(t, "Ada")
	if _, err := h.svc.UpdateHuman(ctx, adaHub.ID, app.HumanPatch{JobTitle: ptr("Countess")}, ""); err != nil {
		t.Fatal(err)
	}
	if err := h.svc.TrashHuman(ctx, h.find(t, "Hub03").ID, ""); err != nil {
		t.Fatal(err)
	}
	if err := h.svc.TrashHuman(ctx, h.find(t, "Carl").ID, ""); err != nil {
		t.Fatal(err)
	}
	ids, _ := l.st.QueryIDs(ctx, store.Query{})
	hs, _ := l.st.HumansByID(ctx, ids)
	for _, x := range hs {
		switch x.FirstName {
		case "Ada":
			if _, err := l.st.UpdateHuman(ctx, x.ID, store.HumanPatch{Notes: ptr("first programmer")}, ""); err != nil {
				t.Fatal(err)
			}
		case "Carl":
			if _, err := l.st.UpdateHuman(ctx, x.ID, store.HumanPatch{Notes: ptr("edited while deleted there")}, ""); err != nil {
				t.Fatal(err)
			}
		case "Hub05":
			if err := l.st.TrashHuman(ctx, x.ID, ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	job = l.sync()
	if job.Conflicts != 1 {
		t.Errorf("conflicts %d, want 1 (Carl deleted there, edited here)", job.Conflicts)
	}
	l.sync()
	assertSame(t, l, h)
	if a := h.find(t, "Ada"); a.JobTitle != "Countess" || a.Notes != "first programmer" {
		t.Errorf("Ada merged on the hub: %q %q", a.JobTitle, a.Notes)
	}
	if c := h.find(t, "Carl"); c.Notes != "edited while deleted there" {
		t.Errorf("Carl's edit: %q", c.Notes)
	}
	for _, gone := range []string{"Hub03", "Hub05"} {
		for _, c := range l.contacts() {
			if strings.Contains(c, gone) {
				t.Errorf("%s still here", gone)
			}
		}
	}
}

// stripFeed makes the Hub look like one without updated_since and
// include_deleted (the seed's own protocol).
func stripFeed(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Has("updated_since") || q.Has("include_deleted") {
			q.Del("updated_since")
			q.Del("include_deleted")
			r.URL.RawQuery = q.Encode()
		}
		next.ServeHTTP(w, r)
	})
}

func TestHubWithoutChangeFeedFallsBackToFullListing(t *testing.T) {
	h := startHub(t, stripFeed)
	l := newLocal(t, h, "")
	for i := range 8 {
		if _, err := h.svc.CreateHuman(ctx, &app.Human{FirstName: fmt.Sprintf("H%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.st.CreateHuman(ctx, &store.Human{FirstName: "Mine"}); err != nil {
		t.Fatal(err)
	}
	job := l.sync()
	if !slices.ContainsFunc(job.Notes, func(n string) bool { return strings.Contains(n, "full listing") }) {
		t.Errorf("job does not say it listed everything: %v", job.Notes)
	}
	l.sync()
	assertSame(t, l, h)
	if err := h.svc.TrashHuman(ctx, h.find(t, "H4").ID, ""); err != nil {
		t.Fatal(err)
	}
	job = l.sync()
	if job.Pulled.Deleted != 1 {
		t.Errorf("deletion not found by comparing ids: %+v", job)
	}
	assertSame(t, l, h)
}

// faulty wraps a Hub with failures: every n-th request fails in turn
// with a dropped connection mid-answer, a 500, a 429 with Retry-After,
// or a slow answer.
func faulty(every int64) func(http.Handler) http.Handler {
	var n atomic.Int64
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			i := n.Add(1)
			if i%every != 0 {
				next.ServeHTTP(w, r)
				return
			}
			switch (i / every) % 4 {
			case 0: // the answer cut mid-way
				rec := httptest.NewRecorder()
				next.ServeHTTP(rec, r)
				hj, ok := w.(http.Hijacker)
				if !ok {
					panic("no hijacker")
				}
				conn, buf, _ := hj.Hijack()
				body := rec.Body.Bytes()
				fmt.Fprintf(buf, "HTTP/1.1 %d OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", rec.Code, len(body))
				buf.Write(body[:len(body)/2])
				buf.Flush()
				conn.Close()
			case 1:
				http.Error(w, `{"success":false,"error":{"code":"internal_error","message":"boom"}}`, 500)
			case 2:
				w.Header().Set("Retry-After", "3")
				http.Error(w, `{"success":false,"error":{"code":"rate_limited","message":"slow down"}}`, 429)
			case 3:
				time.Sleep(20 * time.Millisecond)
				next.ServeHTTP(w, r)
			}
		})
	}
}

func TestFaultyHubKeepsTheInvariants(t *testing.T) {
	h := startHub(t, faulty(3))
	l := newLocal(t, h, "")
	for i := range 9 {
		if _, err := h.svc.CreateHuman(ctx, &app.Human{FirstName: fmt.Sprintf("H%d", i), LastName: "Hub"}); err != nil {
			t.Fatal(err)
		}
		if _, err := l.st.CreateHuman(ctx, &store.Human{FirstName: fmt.Sprintf("L%d", i), LastName: "Local"}); err != nil {
			t.Fatal(err)
		}
	}
	// Jobs may fail (a create whose answer was cut is not retried);
	// reruns finish the work without doubling anything.
	failures := 0
	for range 10 {
		if _, err := l.eng.Run(ctx, "hub"); err != nil {
			failures++
		}
	}
	if l.sleeps.Load() < int64(3*time.Second) {
		t.Errorf("Retry-After never honoured (slept %v)", time.Duration(l.sleeps.Load()))
	}
	assertSame(t, l, h)
	if n := len(l.contacts()); n != 18 {
		t.Errorf("%d contacts, want 18 (failed jobs: %d)", n, failures)
	}
}

func TestRandomEditsOnTwoInstancesConverge(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 99))
			h := startHub(t, nil)
			l := newLocal(t, h, "")
			for i := range 6 {
				if _, err := l.st.CreateHuman(ctx, &store.Human{FirstName: fmt.Sprintf("P%d", i)}); err != nil {
					t.Fatal(err)
				}
			}
			l.sync()
			var mu stdsync.Mutex
			for round := range 3 {
				mu.Lock()
				kept := map[string]string{} // notes value → contact first name, edits nobody contradicted
				hubEdited := map[string]bool{}
				for i := range 3 {
					ids, _ := h.svc.HumansUpdatedSince(ctx, time.Time{}, false, 1, 100)
					x := ids.Humans[rng.IntN(len(ids.Humans))]
					v := fmt.Sprintf("hub-%d-%d", round, i)
					if _, err := h.svc.UpdateHuman(ctx, x.ID, app.HumanPatch{Notes: &v}, ""); err != nil {
						t.Fatal(err)
					}
					hubEdited[x.UID] = true
					kept[v] = x.UID
				}
				ids, _ := l.st.QueryIDs(ctx, store.Query{})
				for i := range 3 {
					x, _ := l.st.GetHuman(ctx, ids[rng.IntN(len(ids))])
					v := fmt.Sprintf("local-%d-%d", round, i)
					if _, err := l.st.UpdateHuman(ctx, x.ID, store.HumanPatch{JobTitle: &v}, ""); err != nil {
						t.Fatal(err)
					}
					kept[v] = x.UID
				}
				mu.Unlock()
				l.sync()
				l.sync()
				assertSame(t, l, h)
				// Notes were edited only on the hub and job titles only
				// here: no edit contradicts another unless the same
				// side edited one field twice (the last one wins).
				all := strings.Join(l.contacts(), "\n")
				last := map[string]string{}
				for v, uid := range kept {
					kind := v[:strings.Index(v, "-")]
					if prev, ok := last[kind+uid]; !ok || prev < v {
						last[kind+uid] = v
					}
				}
				for _, v := range last {
					if !strings.Contains(all, `"`+v+`"`) {
						t.Errorf("edit %s lost", v)
					}
				}
			}
		})
	}
}

// A bulk import gives many contacts one updated_at: the feed pages
// through them, and afterwards a sync without changes is one request.
func TestContactsOfOneInstantArePagedNotRepeated(t *testing.T) {
	var requests atomic.Int64
	h := startHub(t, counting(&requests))
	var hs []*app.Human
	for i := range 23 {
		hs = append(hs, &app.Human{FirstName: fmt.Sprintf("Bulk%02d", i)})
	}
	if _, err := h.svc.CreateHumans(ctx, hs); err != nil {
		t.Fatal(err)
	}
	l := newLocal(t, h, "") // 5 a page
	requests.Store(0)
	job := l.sync()
	if job.Pulled.Created != 23 {
		t.Fatalf("first sync created %d", job.Pulled.Created)
	}
	if n := requests.Load(); n != 5 {
		t.Errorf("first sync of 23 contacts, 5 a page: %d requests, want 5", n)
	}
	requests.Store(0)
	l.sync()
	if n := requests.Load(); n != 1 {
		t.Errorf("no-change sync: %d requests, want 1", n)
	}
	// A change after the bulk is seen.
	if _, err := h.svc.UpdateHuman(ctx, h.find(t, "Bulk07").ID, app.HumanPatch{Notes: ptr("later")}, ""); err != nil {
		t.Fatal(err)
	}
	if job := l.sync(); job.Pulled.Updated != 1 {
		t.Errorf("change after the bulk: %+v", job)
	}
	assertSame(t, l, h)
}

// seedHub makes the Hub look like the seed's: no change feed, and no
// company listing (the seed only creates companies).
func seedHub(next http.Handler) http.Handler {
	feedless := stripFeed(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/api/humans/companies" {
			http.Error(w, `{"success":false,"error":{"code":"bad_request","message":"id must be an integer"}}`, 400)
			return
		}
		feedless.ServeHTTP(w, r)
	})
}

func TestSeedLikeHubReusesCompaniesSeenOnContacts(t *testing.T) {
	h := startHub(t, seedHub)
	co, err := h.svc.CreateCompany(ctx, &app.Company{Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.CreateHuman(ctx, &app.Human{FirstName: "Hub", LastName: "Worker", CompanyID: co.ID}); err != nil {
		t.Fatal(err)
	}
	l := newLocal(t, h, "")
	lco, err := l.st.CreateCompany(ctx, &store.Company{Name: "ACME"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.st.CreateHuman(ctx, &store.Human{FirstName: "Local", LastName: "Worker", CompanyID: lco.ID}); err != nil {
		t.Fatal(err)
	}
	l.sync()
	l.sync()
	// Settled: "ACME" here and "Acme" there are one company, no ping-pong.
	if job := l.sync(); job.Pulled != (store.SyncCounts{}) || job.Pushed != (store.SyncCounts{}) {
		t.Errorf("not settled: %+v", job)
	}
	// A change there merges without sending "ACME" back.
	if _, err := h.svc.UpdateHuman(ctx, h.find(t, "Local").ID, app.HumanPatch{Notes: ptr("hub note")}, ""); err != nil {
		t.Fatal(err)
	}
	if job := l.sync(); job.Pulled.Updated != 1 || job.Pushed != (store.SyncCounts{}) {
		t.Errorf("a change on the Hub: %+v", job)
	}
	cs, err := h.svc.Companies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 {
		t.Errorf("the Hub has %d companies, want 1 (Acme reused)", len(cs))
	}
	if w := h.find(t, "Local"); w.CompanyID != co.ID {
		t.Errorf("Local's company on the Hub: %d, want %d", w.CompanyID, co.ID)
	}
}

// faultMode fails every request matching a method and path prefix with
// one kind of fault, n times, then lets them through.
func faultMode(kind, method, prefix string, n int64) func(http.Handler) http.Handler {
	var left atomic.Int64
	left.Store(n)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != method || !strings.HasPrefix(r.URL.Path, prefix) || left.Add(-1) < 0 {
				next.ServeHTTP(w, r)
				return
			}
			switch kind {
			case "drop": // the answer cut mid-way, after the Hub did the work
				rec := httptest.NewRecorder()
				next.ServeHTTP(rec, r)
				conn, buf, _ := w.(http.Hijacker).Hijack()
				body := rec.Body.Bytes()
				fmt.Fprintf(buf, "HTTP/1.1 %d OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", rec.Code, len(body))
				buf.Write(body[:len(body)/2])
				buf.Flush()
				conn.Close()
			case "500":
				http.Error(w, `{"success":false,"error":{"code":"internal_error","message":"boom"}}`, 500)
			case "429":
				w.Header().Set("Retry-After", "2")
				http.Error(w, `{"success":false,"error":{"code":"rate_limited","message":"slow down"}}`, 429)
			case "slow":
				time.Sleep(30 * time.Millisecond)
				next.ServeHTTP(w, r)
			}
		})
	}
}

// TestEachFaultKeepsTheInvariants runs, for each kind of fault on each
// kind of request, edits on both sides and syncs until done, then checks
// that both books are equal, nothing doubled, every edit kept.
func TestEachFaultKeepsTheInvariants(t *testing.T) {
	for _, kind := range []string{"drop", "500", "429", "slow"} {
		for _, req := range []struct{ method, prefix string }{
			{"GET", "/api/humans"}, {"POST", "/api/humans"}, {"PUT", "/api/humans/"}, {"DELETE", "/api/humans/"},
		} {
			t.Run(kind+" "+req.method, func(t *testing.T) {
				h := startHub(t, faultMode(kind, req.method, req.prefix, 2))
				l := newLocal(t, h, "")
				for _, n := range []string{"A1", "A2", "A3", "A4"} {
					if _, err := l.st.CreateHuman(ctx, &store.Human{FirstName: n, LastName: "Synced"}); err != nil {
						t.Fatal(err)
					}
				}
				for range 3 { // the faults may fail the first runs
					l.eng.Run(ctx, "hub")
				}
				assertSame(t, l, h)
				// Edits on both sides.
				ids, _ := l.st.QueryIDs(ctx, store.Query{})
				hs, _ := l.st.HumansByID(ctx, ids)
				for _, x := range hs {
					switch x.FirstName {
					case "A1":
						l.st.UpdateHuman(ctx, x.ID, store.HumanPatch{Notes: ptr("local edit")}, "")
					case "A2":
						l.st.TrashHuman(ctx, x.ID, "")
					}
				}
				l.st.CreateHuman(ctx, &store.Human{FirstName: "L1", Emails: []store.Email{{Address: "l1@example.org"}}})
				h.svc.UpdateHuman(ctx, h.find(t, "A3").ID, app.HumanPatch{JobTitle: ptr("hub edit")}, "")
				h.svc.TrashHuman(ctx, h.find(t, "A4").ID, "")
				h.svc.CreateHuman(ctx, &app.Human{FirstName: "H1", Phones: []app.Phone{{Number: "+33612340000"}}})
				for range 4 {
					l.eng.Run(ctx, "hub")
				}
				assertSame(t, l, h)
				var got []string
				for _, c := range l.contacts() {
					var x sync.Contact
					json.Unmarshal([]byte(c), &x)
					got = append(got, x.FirstName)
				}
				slices.Sort(got)
				if want := []string{"A1", "A3", "H1", "L1"}; !slices.Equal(got, want) {
					t.Fatalf("contacts %v, want %v", got, want)
				}
				if a := h.find(t, "A1"); a.Notes != "local edit" {
					t.Errorf("local edit lost: %q", a.Notes)
				}
				if a := h.find(t, "A3"); a.JobTitle != "hub edit" {
					t.Errorf("hub edit lost: %q", a.JobTitle)
				}
			})
		}
	}
}
