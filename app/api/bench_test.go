package api

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/humans-contacts/humans/app"
	"github.com/humans-contacts/humans/store/storetest"
)

// The load benchmarks serve a generated book of HUMANS_BENCH_CONTACTS
// (100,000 by default) over a loopback TCP port and drive it with
// HUMANS_BENCH_CLIENTS (8) concurrent keep-alive clients, each request
// timed; they report requests/s and the p50 and p99 latencies.

var (
	benchContacts = benchEnv("HUMANS_BENCH_CONTACTS", 100_000)
	benchClients  = benchEnv("HUMANS_BENCH_CLIENTS", 8)

	benchOnce sync.Once
	benchBase string
	benchKey  string
	benchErr  error
	benchDir  string
)

func benchEnv(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// benchServer builds the book once per process and serves it, without a
// rate limit, until the process ends.
func benchServer(b *testing.B) (string, string) {
	benchOnce.Do(func() {
		benchDir, benchErr = os.MkdirTemp("", "humans-api-bench-")
		if benchErr != nil {
			return
		}
		svc, err := app.Open(app.Options{DataDir: benchDir})
		if err != nil {
			benchErr = err
			return
		}
		book := storetest.Book(benchContacts, 7)
		for _, c := range book.Companies {
			if _, err := svc.CreateCompany(ctx, c); err != nil {
				benchErr = err
				return
			}
		}
		for _, g := range book.Groups {
			if _, err := svc.CreateGroup(ctx, g); err != nil {
				benchErr = err
				return
			}
		}
		if _, err := svc.CreateHumans(ctx, book.Humans); err != nil {
			benchErr = err
			return
		}
		if benchKey, _, err = svc.CreateAPIKey(ctx, "bench", app.RoleUser); err != nil {
			benchErr = err
			return
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			benchErr = err
			return
		}
		mux := http.NewServeMux()
		mux.Handle("/api/", New(svc, Options{RateLimit: -1}))
		go http.Serve(ln, mux)
		benchBase = "http://" + ln.Addr().String()
		// The search index is built in the background after open; wait
		// for it as a long-running server would have.
		for {
			st, err := svc.Status(ctx)
			if err != nil || st.SearchReady {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchBase, benchKey
}

// load sends b.N requests, paths[i % len(paths)], from benchClients
// concurrent clients, and reports requests/s and latency percentiles.
func load(b *testing.B, paths []string) {
	base, key := benchServer(b)
	transport := &http.Transport{MaxIdleConnsPerHost: benchClients, MaxConnsPerHost: benchClients}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	latencies := make([]time.Duration, b.N)
	var next atomic.Int64
	var failed atomic.Value
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range benchClients {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				req, _ := http.NewRequest("GET", base+paths[i%len(paths)], nil)
				req.Header.Set(APIKeyHeader, key)
				t0 := time.Now()
				res, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if err == nil && res.StatusCode != 200 {
						err = fmt.Errorf("%s: status %d", paths[i%len(paths)], res.StatusCode)
					}
				}
				latencies[i] = time.Since(t0)
				if err != nil {
					failed.Store(err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	slices.Sort(latencies)
	pct := func(p float64) float64 {
		return float64(latencies[min(len(latencies)-1, int(float64(len(latencies))*p))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// BenchmarkAPIList100k: GET /api/humans, 50 a page, every sort key and
// order, pages spread over the first half of the book; one request in
// five filtered (favourites or a group, first 20 pages).
func BenchmarkAPIList100k(b *testing.B) {
	var paths []string
	sorts := []string{"created_at", "updated_at", "first_name", "last_name", "display_name"}
	for i := range 200 {
		p := fmt.Sprintf("/api/humans?per_page=50&page=%d&sort=%s&order=%s", 1+(i*37)%1000, sorts[i%5], []string{"asc", "desc"}[i%2])
		switch i % 10 {
		case 3:
			p = fmt.Sprintf("/api/humans?per_page=50&page=%d&is_favorite=true", 1+i%20)
		case 7:
			p = fmt.Sprintf("/api/humans?per_page=50&page=%d&group_id=%d", 1+i%20, 1+i%8)
		}
		paths = append(paths, p)
	}
	load(b, paths)
}

// BenchmarkAPIListDefault100k: GET /api/humans as the seed's default
// (page 1, 20 a page, newest first).
func BenchmarkAPIListDefault100k(b *testing.B) {
	load(b, []string{"/api/humans"})
}

// BenchmarkAPISearch100k: GET /api/humans/search with the default limit
// (50) over names, e-mail domains and phone digits.
func BenchmarkAPISearch100k(b *testing.B) {
	var paths []string
	for _, q := range []string{"ma", "gmail", "0612", "nunez", "+49 151", "lu", "sophie martin", "acme"} {
		paths = append(paths, "/api/humans/search?q="+url.QueryEscape(q))
	}
	load(b, paths)
}
