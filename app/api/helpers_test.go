package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/humans-contacts/humans/app"
)

var ctx = context.Background()

// env is a real service on a temporary data directory behind the API,
// served over loopback, with an admin and a user key.
type env struct {
	t     *testing.T
	svc   *app.Service
	srv   *httptest.Server
	admin string
	user  string
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	// The service shares the API's clock, when the test gives one.
	svc, err := app.Open(app.Options{DataDir: t.TempDir(), Now: opts.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	e := &env{t: t, svc: svc}
	if e.admin, _, err = svc.CreateAPIKey(ctx, "admin", app.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if e.user, _, err = svc.CreateAPIKey(ctx, "script", app.RoleUser); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", New(svc, opts))
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	return e
}

// resp is an answer: its status, headers, raw body and, when JSON, the
// decoded envelope.
type resp struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// do sends a request with key (none when "") and body (a string is sent
// as is, anything else as JSON).
func (e *env) do(method, path, key string, body any) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set(APIKeyHeader, key)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatalf("%s %s: reading: %v", method, path, err)
	}
	out := resp{status: res.StatusCode, header: res.Header, raw: raw}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		_ = json.Unmarshal(raw, &out.body)
	}
	return out
}

// ok sends a request that must answer want, and returns its envelope.
func (e *env) ok(want int, method, path, key string, body any) resp {
	e.t.Helper()
	r := e.do(method, path, key, body)
	if r.status != want {
		e.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.status, want, r.raw)
	}
	if want < 300 && strings.HasPrefix(r.header.Get("Content-Type"), "application/json") && !strings.HasPrefix(path, "/api/export") && path != "/api/openapi.json" {
		if r.body["success"] != true {
			e.t.Fatalf("%s %s: success is not true: %s", method, path, r.raw)
		}
	}
	return r
}

// fails checks a failure envelope: status, code and, when given, that
// each of fields has a message.
func (e *env) fails(want int, code string, method, path, key string, body any, fields ...string) resp {
	e.t.Helper()
	r := e.do(method, path, key, body)
	if r.status != want {
		e.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.status, want, r.raw)
	}
	if r.body["success"] != false {
		e.t.Fatalf("%s %s: success is not false: %s", method, path, r.raw)
	}
	er, _ := r.body["error"].(map[string]any)
	if er["code"] != code || er["message"] == "" || er["message"] == nil {
		e.t.Fatalf("%s %s: error %v, want code %q and a message", method, path, er, code)
	}
	fs, _ := er["fields"].(map[string]any)
	for _, f := range fields {
		if msg, _ := fs[f].(string); msg == "" {
			e.t.Errorf("%s %s: no message for field %q in %v", method, path, f, fs)
		}
	}
	return r
}

func (r resp) data() map[string]any {
	m, _ := r.body["data"].(map[string]any)
	return m
}

func (r resp) list() []any {
	l, _ := r.body["data"].([]any)
	return l
}

func (r resp) pagination() map[string]any {
	m, _ := r.body["pagination"].(map[string]any)
	return m
}

// num reads a JSON number as an int.
func num(v any) int {
	f, _ := v.(float64)
	return int(f)
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
