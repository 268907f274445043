package api

import (
	"strconv"
	"strings"
	"testing"

	"github.com/humans-contacts/humans/app"
)

func TestHubSyncEndpointsRunTheEngine(t *testing.T) {
	e := newEnv(t, Options{RateLimit: -1})
	// Nothing configured: the runs say so, the lists are empty.
	e.fails(409, "not_configured", "POST", "/api/hub/sync", e.user, nil)
	e.fails(409, "not_configured", "GET", "/api/hub/status", e.user, nil)
	if r := e.ok(200, "GET", "/api/hub/history", e.user, nil); len(r.body["data"].([]any)) != 0 {
		t.Errorf("history without a Hub: %s", r.raw)
	}
	e.fails(400, "bad_request", "GET", "/api/hub/history?limit=many", e.user, nil, "limit")
	e.fails(401, "unauthorized", "POST", "/api/hub/sync", "", nil)

	// The Hub: a second Humans.
	hub := newEnv(t, Options{RateLimit: -1})
	hub.ok(201, "POST", "/api/humans", hub.user, map[string]any{"first_name": "Remote", "job_title": "Hub title"})
	e.ok(201, "POST", "/api/humans", e.user, map[string]any{"first_name": "Local"})
	e.ok(200, "POST", "/api/hub/config", e.admin, map[string]any{"url": hub.srv.URL, "api_key": hub.user, "enabled": true})

	r := e.ok(200, "POST", "/api/hub/export", e.user, nil)
	job := r.body["data"].(map[string]any)
	if job["direction"] != "export" || job["export"].(map[string]any)["created"].(float64) != 1 || job["import"].(map[string]any)["created"].(float64) != 0 {
		t.Errorf("export: %s", r.raw)
	}
	r = e.ok(200, "POST", "/api/hub/sync", e.user, nil)
	job = r.body["data"].(map[string]any)
	if job["status"] != "done" || job["import"].(map[string]any)["created"].(float64) != 1 {
		t.Errorf("sync: %s", r.raw)
	}
	if st, _ := e.svc.Stats(ctx); st.Total != 2 {
		t.Errorf("local book has %d contacts, want 2", st.Total)
	}
	if st, _ := hub.svc.Stats(ctx); st.Total != 2 {
		t.Errorf("hub has %d contacts, want 2", st.Total)
	}
	if r := e.ok(200, "GET", "/api/hub/history?limit=1", e.user, nil); len(r.body["data"].([]any)) != 1 {
		t.Errorf("history limit 1: %s", r.raw)
	}
	st := e.ok(200, "GET", "/api/hub/status", e.user, nil).body["data"].(map[string]any)
	if st["state"] != "idle" || st["last_success"] == nil {
		t.Errorf("status: %v", st)
	}

	// The same through the endpoints of every account.
	accs := e.ok(200, "GET", "/api/sync/accounts", e.user, nil).list()
	if len(accs) != 1 || accs[0].(map[string]any)["name"] != "hub" || accs[0].(map[string]any)["kind"] != "hub" {
		t.Errorf("accounts: %v", accs)
	}
	if st := e.ok(200, "GET", "/api/sync/status?account=hub", e.user, nil).body["data"].(map[string]any); st["account"] != "hub" || st["last_success"] == nil {
		t.Errorf("status of account hub: %v", st)
	}
	r = e.ok(200, "POST", "/api/sync/run?account=hub&direction=import", e.user, nil)
	if job := r.body["data"].(map[string]any); job["direction"] != "import" || job["status"] != "done" {
		t.Errorf("run of account hub: %s", r.raw)
	}
	if r := e.ok(200, "GET", "/api/sync/history?account=hub&limit=2", e.user, nil); len(r.list()) != 2 {
		t.Errorf("history of account hub: %s", r.raw)
	}
	for _, ep := range []struct{ method, path string }{
		{"POST", "/api/sync/run?account=nope"}, {"GET", "/api/sync/status?account=nope"},
		{"GET", "/api/sync/history?account=nope"}, {"GET", "/api/sync/conflicts?account=nope"},
		{"POST", "/api/sync/conflicts/1/flip?account=nope"},
	} {
		e.fails(404, "not_found", ep.method, ep.path, e.user, nil)
	}
	e.fails(422, "validation_error", "POST", "/api/sync/run?account=hub&direction=sideways", e.user, nil, "direction")

	// Same field on both sides, remote policy: a conflict, flippable.
	e.ok(200, "POST", "/api/hub/config", e.admin, map[string]any{"conflict_policy": "remote"})
	local := findByName(t, e.svc, "Remote")
	remote := findByName(t, hub.svc, "Remote")
	e.ok(200, "PUT", "/api/humans/"+itoa64(local.ID), e.user, map[string]any{"job_title": "Local title"})
	hub.ok(200, "PUT", "/api/humans/"+itoa64(remote.ID), hub.user, map[string]any{"job_title": "Newer hub title"})
	r = e.ok(200, "POST", "/api/hub/sync", e.user, nil)
	if r.body["data"].(map[string]any)["conflicts"].(float64) != 1 {
		t.Fatalf("sync with a conflict: %s", r.raw)
	}
	cs := e.ok(200, "GET", "/api/hub/conflicts", e.user, nil).body["data"].([]any)
	c := cs[0].(map[string]any)
	if len(cs) != 1 || c["field"] != "job_title" || c["local"] != "Local title" || c["remote"] != "Newer hub title" || c["resolution"] != "remote" {
		t.Fatalf("conflicts: %v", cs)
	}
	if cs := e.ok(200, "GET", "/api/sync/conflicts?account=hub", e.user, nil).list(); len(cs) != 1 {
		t.Errorf("conflicts of account hub: %v", cs)
	}
	e.ok(200, "POST", "/api/sync/conflicts/"+itoa64(int64(c["id"].(float64)))+"/flip?account=hub", e.user, nil)
	e.fails(404, "not_found", "POST", "/api/hub/conflicts/999/flip", e.user, nil)
	e.ok(200, "POST", "/api/hub/sync", e.user, nil)
	if got := findByName(t, hub.svc, "Remote").JobTitle; got != "Local title" {
		t.Errorf("after the flip the hub has %q", got)
	}

	// The Hub gone: the run fails with 502, and the history keeps it.
	hub.srv.Close()
	e.fails(502, "sync_failed", "POST", "/api/hub/sync", e.user, nil)
	hist := e.ok(200, "GET", "/api/hub/history?limit=1", e.user, nil).body["data"].([]any)
	if hist[0].(map[string]any)["status"] != "failed" {
		t.Errorf("history after a failure: %v", hist)
	}
}

func findByName(t *testing.T, svc *app.Service, first string) *app.Human {
	t.Helper()
	p, err := svc.ListHumans(ctx, app.Query{PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range p.Humans {
		if h.FirstName == first {
			return h
		}
	}
	t.Fatalf("no contact named %s", first)
	return nil
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// A Hub that refuses the key: the run answers 409 sign_in_required (not
// a 502 to retry), and the status says so.
func TestSyncRunWithARefusedKey(t *testing.T) {
	e := newEnv(t, Options{RateLimit: -1})
	hub := newEnv(t, Options{RateLimit: -1})
	e.ok(200, "POST", "/api/hub/config", e.admin, map[string]any{"url": hub.srv.URL, "api_key": "hk_revoked_0123456789"})
	r := e.fails(409, "sign_in_required", "POST", "/api/sync/run?account=hub", e.user, nil)
	if msg := r.body["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "sign in again") || strings.Contains(msg, "hk_revoked") {
		t.Errorf("message %q", msg)
	}
	if st := e.ok(200, "GET", "/api/sync/status", e.user, nil).body["data"].(map[string]any); st["needs_sign_in"] != true {
		t.Errorf("status %v", st)
	}
}
