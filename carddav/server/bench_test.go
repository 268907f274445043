package server

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/humans-contacts/humans/app"
	"github.com/humans-contacts/humans/store/storetest"
)

// The CardDAV benchmarks run over loopback HTTP, with basic auth, against
// a real store holding a generated book (storetest.Book). Run:
//
//	go test -run '^$' -bench CardDAV -benchtime 20x ./carddav/server/

type benchEnv struct {
	e     *env
	names []string // resource names of the book
	ids   []int64
}

func newBenchEnv(b *testing.B, n int) *benchEnv {
	b.Helper()
	e := newEnv(b, Options{})
	book := storetest.Book(n, 1)
	for _, c := range book.Companies {
		if _, err := e.svc.CreateCompany(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	for _, g := range book.Groups {
		if _, err := e.svc.CreateGroup(ctx, g); err != nil {
			b.Fatal(err)
		}
	}
	ids, err := e.svc.CreateHumans(ctx, book.Humans)
	if err != nil {
		b.Fatal(err)
	}
	res, err := e.svc.CardResources(ctx)
	if err != nil {
		b.Fatal(err)
	}
	be := &benchEnv{e: e, ids: ids}
	for _, r := range res {
		be.names = append(be.names, r.Name)
	}
	return be
}

// client is one CardDAV client: its own connection pool.
func (be *benchEnv) client() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
}

func (be *benchEnv) req(c *http.Client, method, path, body string, headers ...string) (int, []byte, http.Header) {
	req, _ := http.NewRequest(method, be.e.srv.URL+path, strings.NewReader(body))
	req.SetBasicAuth(be.e.user, be.e.pass)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header
}

// fullSync is what Evolution and Thunderbird do on a first sync:
// PROPFIND Depth 1 for the ETags, then addressbook-multiget by 100.
func (be *benchEnv) fullSync(b *testing.B, c *http.Client) int {
	code, body, _ := be.req(c, "PROPFIND", BookPath, `<propfind xmlns="DAV:"><prop><resourcetype/><getetag/></prop></propfind>`, "Depth", "1")
	if code != 207 {
		b.Fatalf("PROPFIND %d", code)
	}
	hrefs := hrefsOf(body)[1:]
	cards := 0
	for start := 0; start < len(hrefs); start += 100 {
		var mg strings.Builder
		mg.WriteString(`<card:addressbook-multiget xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/><card:address-data/></d:prop>`)
		for _, h := range hrefs[start:min(start+100, len(hrefs))] {
			mg.WriteString("<d:href>" + h + "</d:href>")
		}
		mg.WriteString("</card:addressbook-multiget>")
		code, body, _ := be.req(c, "REPORT", BookPath, mg.String(), "Depth", "1")
		if code != 207 {
			b.Fatalf("multiget %d", code)
		}
		cards += strings.Count(string(body), "BEGIN:VCARD")
	}
	return cards
}

func benchCardDAV(b *testing.B, n int) {
	be := newBenchEnv(b, n)
	c := be.client()

	b.Run("FullSync", func(b *testing.B) {
		be.fullSync(b, c) // fills the cache, as the server's warm-up does
		b.ResetTimer()
		for b.Loop() {
			if got := be.fullSync(b, c); got != n {
				b.Fatalf("synced %d cards, want %d", got, n)
			}
		}
		b.ReportMetric(float64(be.e.h.book.cache.size())/1e6, "cache-MB")
	})
	b.Run("FullSyncCold", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			be.e.h.book.cache = newCardCache(DefaultCacheBytes)
			b.StartTimer()
			if got := be.fullSync(b, c); got != n {
				b.Fatalf("synced %d cards, want %d", got, n)
			}
		}
	})
	b.Run("IncrementalSync10", func(b *testing.B) {
		_, body, _ := be.req(c, "REPORT", BookPath, syncBody("", ""))
		tok := first(reToken, string(body))
		r := rand.New(rand.NewPCG(1, 2))
		for b.Loop() {
			b.StopTimer()
			for range 10 {
				id := be.ids[r.IntN(len(be.ids))]
				note := fmt.Sprintf("changed %d", r.Int())
				if _, err := be.e.svc.UpdateHuman(ctx, id, app.HumanPatch{Notes: &note}, ""); err != nil {
					b.Fatal(err)
				}
			}
			b.StartTimer()
			code, body, _ := be.req(c, "REPORT", BookPath, syncBody(tok, `<d:prop><d:getetag/><card:address-data/></d:prop>`))
			if code != 207 {
				b.Fatalf("sync %d", code)
			}
			if got := strings.Count(string(body), "BEGIN:VCARD"); got < 1 || got > 10 {
				b.Fatalf("incremental sync returned %d cards", got)
			}
			tok = first(reToken, string(body))
		}
	})
	b.Run("GET", func(b *testing.B) {
		r := rand.New(rand.NewPCG(3, 4))
		var lat []time.Duration
		for b.Loop() {
			name := be.names[r.IntN(len(be.names))]
			start := time.Now()
			code, _, _ := be.req(c, "GET", BookPath+name, "")
			lat = append(lat, time.Since(start))
			if code != 200 {
				b.Fatalf("GET %d", code)
			}
		}
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	})
	b.Run("QueryFN", func(b *testing.B) {
		q := `<card:addressbook-query xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/></d:prop>` +
			`<card:filter><card:prop-filter name="FN"><card:text-match collation="i;unicode-casemap" match-type="contains">martin</card:text-match></card:prop-filter></card:filter></card:addressbook-query>`
		for b.Loop() {
			code, body, _ := be.req(c, "REPORT", BookPath, q, "Depth", "1")
			if code != 207 || !strings.Contains(string(body), "<d:getetag>") {
				b.Fatalf("query %d", code)
			}
		}
	})
	var seq atomic.Int64 // across the runs of the sub-benchmark
	b.Run("PUT4Clients", func(b *testing.B) {
		before := seq.Load()
		clients := make(chan *http.Client, 8)
		for range 8 {
			clients <- be.client()
		}
		b.SetParallelism(max(1, 4/max(1, runtimeProcs())))
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			c := <-clients
			for pb.Next() {
				i := seq.Add(1)
				uid := fmt.Sprintf("bench-put-%d-%d", n, i)
				code, body, _ := be.req(c, "PUT", BookPath+uid+".vcf",
					card(uid, fmt.Sprintf("Put Person%d", i), "EMAIL:put"+uid+"@example.org", "TEL;TYPE=CELL:+33 6 12 34 56 78", "ORG:Bench Co"), "If-None-Match", "*")
				if code != 201 {
					panic(fmt.Sprintf("PUT %d: %s", code, body))
				}
			}
		})
		b.ReportMetric(float64(seq.Load()-before)/time.Since(start).Seconds(), "PUTs/s")
	})
}

func BenchmarkCardDAV10k(b *testing.B)  { benchCardDAV(b, 10_000) }
func BenchmarkCardDAV100k(b *testing.B) { benchCardDAV(b, 100_000) }

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }

// hrefsOf lists the hrefs of a multistatus, as a client's XML parser
// would, without the cost of a regexp.
func hrefsOf(b []byte) []string {
	var out []string
	s := string(b)
	for {
		i := strings.Index(s, "<d:href>")
		if i < 0 {
			return out
		}
		s = s[i+len("<d:href>"):]
		j := strings.Index(s, "</d:href>")
		out = append(out, s[:j])
		s = s[j:]
	}
}
