package api

import (
	"fmt"
	"testing"
)

func TestHeldRemoteDeletionsEndpoints(t *testing.T) {
	e := newEnv(t, Options{RateLimit: -1})
	hub := newEnv(t, Options{RateLimit: -1})
	var hubIDs []string
	for i := range 20 {
		r := hub.ok(201, "POST", "/api/humans", hub.user, map[string]any{"first_name": fmt.Sprintf("H%02d", i)})
		hubIDs = append(hubIDs, itoa64(int64(r.body["data"].(map[string]any)["id"].(float64))))
	}
	e.ok(200, "POST", "/api/hub/config", e.admin, map[string]any{"url": hub.srv.URL, "api_key": hub.user, "enabled": true})
	e.ok(200, "POST", "/api/hub/sync", e.user, nil)
	if st, _ := e.svc.Stats(ctx); st.Total != 20 {
		t.Fatalf("%d contacts after the first sync, want 20", st.Total)
	}
	// 12 of 20 deleted on the Hub: they wait.
	for _, id := range hubIDs[:12] {
		hub.ok(200, "DELETE", "/api/humans/"+id, hub.user, nil)
	}
	r := e.ok(200, "POST", "/api/hub/sync", e.user, nil)
	if d := r.body["data"].(map[string]any)["import"].(map[string]any)["deleted"].(float64); d != 0 {
		t.Fatalf("held deletions applied: %s", r.raw)
	}
	st := e.ok(200, "GET", "/api/hub/status", e.user, nil).body["data"].(map[string]any)
	if st["pending_deletions"].(float64) != 12 || st["needs_sign_in"] != false {
		t.Errorf("status %v", st)
	}
	list := e.ok(200, "GET", "/api/sync/deletions", e.user, nil).body["data"].([]any)
	if len(list) != 12 {
		t.Fatalf("%d waiting deletions, want 12", len(list))
	}
	first := list[0].(map[string]any)
	if first["account"] != "hub" || first["name"] == "" || first["human_id"].(float64) == 0 {
		t.Errorf("deletion %v", first)
	}

	e.fails(401, "unauthorized", "GET", "/api/sync/deletions", "", nil)
	e.fails(404, "not_found", "GET", "/api/sync/deletions?account=nope", e.user, nil)
	e.fails(400, "bad_request", "POST", "/api/sync/deletions/confirm", e.user, map[string]any{"remote_ids": 5}, "remote_ids")
	e.fails(422, "validation_error", "POST", "/api/sync/deletions/confirm", e.user, map[string]any{"remote_ids": []string{"nope"}}, "remote_id")

	r = e.ok(200, "POST", "/api/sync/deletions/confirm", e.user, map[string]any{"account": "hub", "remote_ids": []any{first["remote_id"]}})
	if res := r.body["data"].(map[string]any); res["deleted"].(float64) != 1 || res["kept"].(float64) != 0 {
		t.Errorf("confirm: %s", r.raw)
	}
	if h, err := e.svc.Human(ctx, int64(first["human_id"].(float64))); err != nil || h.DeletedAt == nil {
		t.Errorf("confirmed contact not in the trash (%v)", err)
	}
	r = e.ok(200, "POST", "/api/sync/deletions/keep", e.user, nil)
	if res := r.body["data"].(map[string]any); res["kept"].(float64) != 11 {
		t.Errorf("keep: %s", r.raw)
	}
	if list := e.ok(200, "GET", "/api/sync/deletions", e.user, nil).body["data"].([]any); len(list) != 0 {
		t.Errorf("%d still waiting", len(list))
	}
	// The kept ones go back to the Hub.
	r = e.ok(200, "POST", "/api/hub/sync", e.user, nil)
	if n := r.body["data"].(map[string]any)["export"].(map[string]any)["created"].(float64); n != 11 {
		t.Errorf("created %v on the Hub, want 11 (under new UIDs, the old ones are in its trash): %s", n, r.raw)
	}
	if st, _ := hub.svc.Stats(ctx); st.Total != 19 {
		t.Errorf("hub has %d contacts, want 19 (8 + 11 kept)", st.Total)
	}
	if st, _ := e.svc.Stats(ctx); st.Total != 19 {
		t.Errorf("book has %d contacts, want 19", st.Total)
	}
}
