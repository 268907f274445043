package api

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestAuthentication(t *testing.T) {
	e := newEnv(t, Options{})
	e.fails(401, "unauthorized", "GET", "/api/humans", "", nil)
	e.fails(401, "unauthorized", "GET", "/api/humans", "hk_not-a-key", nil)
	e.fails(401, "unauthorized", "GET", "/api/humans", "Bearer something", nil)
	e.fails(401, "unauthorized", "POST", "/api/humans", "", `{"first_name": "Ana"}`)
	e.fails(401, "unauthorized", "GET", "/api/admin/status", "", nil)
	// A user key works everywhere but the admin endpoints.
	e.ok(200, "GET", "/api/humans", e.user, nil)
	for _, p := range []string{"/api/admin/status", "/api/admin/backup", "/api/admin/api-keys"} {
		e.fails(403, "forbidden", "GET", p, e.user, nil)
		e.ok(200, "GET", p, e.admin, nil)
	}
	e.fails(403, "forbidden", "POST", "/api/admin/api-keys", e.user, `{"name": "x", "role": "admin"}`)
	e.fails(403, "forbidden", "DELETE", "/api/admin/api-keys/1", e.user, nil)
	e.fails(403, "forbidden", "POST", "/api/hub/config", e.user, `{"enabled": false}`)
	if keys, _ := e.svc.APIKeys(ctx); len(keys) != 2 {
		t.Errorf("a forbidden request changed the keys: %d", len(keys))
	}
	// A revoked key stops working at once.
	e.ok(200, "DELETE", "/api/admin/api-keys/2", e.admin, nil)
	e.fails(401, "unauthorized", "GET", "/api/humans", e.user, nil)
}

func TestDebugLogAndNoStore(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := newEnv(t, Options{Logger: logger})
	r := e.fails(404, "not_found", "GET", "/api/humans/7", e.user, nil)
	if r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", r.header.Get("Cache-Control"))
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), "path=/api/humans/7 status=404") {
		t.Errorf("debug log: %q", logs.String())
	}
	if strings.Contains(logs.String(), e.user) {
		t.Error("the log holds a key")
	}
}

func TestNoRoute(t *testing.T) {
	e := newEnv(t, Options{})
	e.fails(404, "route_not_found", "GET", "/api/nothing", e.user, nil)
	e.fails(404, "route_not_found", "GET", "/api/humans/1/photos", e.user, nil)
	r := e.fails(405, "method_not_allowed", "PATCH", "/api/humans/1", e.user, `{}`)
	if got := r.header.Get("Allow"); got != "GET, PUT, DELETE" {
		t.Errorf("Allow %q", got)
	}
	e.fails(405, "method_not_allowed", "DELETE", "/api/humans", e.user, nil)
}

func TestRateLimitPerKey(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)}
	e := newEnv(t, Options{RateLimit: 0.5, RateBurst: 3, Now: clock.Now})
	for range 3 {
		e.ok(200, "GET", "/api/humans", e.user, nil)
	}
	r := e.fails(429, "rate_limited", "GET", "/api/humans", e.user, nil)
	if got := r.header.Get("Retry-After"); got != "2" {
		t.Errorf("Retry-After %q, want 2 (one request every 2 s)", got)
	}
	// Refused requests do not use up the budget; another key has its own.
	e.fails(429, "rate_limited", "GET", "/api/humans", e.user, nil)
	e.ok(200, "GET", "/api/humans", e.admin, nil)
	clock.Advance(time.Second)
	if r := e.fails(429, "rate_limited", "GET", "/api/humans", e.user, nil); r.header.Get("Retry-After") != "1" {
		t.Errorf("Retry-After after 1 s: %q", r.header.Get("Retry-After"))
	}
	clock.Advance(time.Second)
	e.ok(200, "GET", "/api/humans", e.user, nil)
	e.fails(429, "rate_limited", "GET", "/api/humans", e.user, nil)
}

func TestDefaultRateLimitAllowsBursts(t *testing.T) {
	e := newEnv(t, Options{})
	var wg sync.WaitGroup
	codes := make([]int, 500)
	for i := range codes {
		wg.Go(func() {
			req, _ := http.NewRequest("GET", e.srv.URL+"/api/humans?per_page=1", nil)
			req.Header.Set(APIKeyHeader, e.user)
			res, err := e.srv.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			codes[i] = res.StatusCode
		})
	}
	wg.Wait()
	for i, c := range codes {
		if c != 200 {
			t.Fatalf("request %d of a burst of 500: %d", i, c)
		}
	}
}

func TestBodyLimit(t *testing.T) {
	e := newEnv(t, Options{MaxBodyBytes: 1024})
	big := `{"first_name": "Ana", "notes": "` + strings.Repeat("x", 2000) + `"}`
	e.fails(413, "payload_too_large", "POST", "/api/humans", e.user, big)
	e.ok(201, "POST", "/api/humans", e.user, `{"first_name": "Ana", "notes": "short"}`)
	if st, _ := e.svc.Stats(ctx); st.Total != 1 {
		t.Errorf("%d contacts, want 1", st.Total)
	}
	// The default limit is 1 MiB.
	e2 := newEnv(t, Options{})
	huge := `{"first_name": "Ana", "notes": "` + strings.Repeat("x", DefaultMaxBodyBytes) + `"}`
	e2.fails(413, "payload_too_large", "POST", "/api/humans", e2.user, huge)
}

func TestInternalErrorsDoNotLeak(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, nil))
	e := newEnv(t, Options{Logger: logger})
	key := e.user
	// Closing the store under the API makes every store call fail.
	e.svc.Close()
	r := e.do("GET", "/api/humans/stats", key, nil)
	if r.status != 500 {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	if er, _ := r.body["error"].(map[string]any); er["code"] != "internal_error" || er["message"] != "internal error" {
		t.Errorf("500 answer %s", r.raw)
	}
	if strings.Contains(string(r.raw), "database") || strings.Contains(string(r.raw), "bolt") || strings.Contains(string(r.raw), "/") {
		t.Errorf("answer leaks internals: %s", r.raw)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), "api: request failed") {
		t.Errorf("the failure was not logged: %q", logs.String())
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
