package app_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/humans-contacts/humans/app"
	"github.com/humans-contacts/humans/app/api"
	"github.com/humans-contacts/humans/sync"
)

func startHubForTest(t *testing.T) (*app.Service, *httptest.Server, string) {
	t.Helper()
	svc, err := app.Open(app.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	key, _, err := svc.CreateAPIKey(context.Background(), "sync", app.RoleUser)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(svc, api.Options{RateLimit: -1}))
	t.Cleanup(srv.Close)
	return svc, srv, key
}

// Pointing the book at another Hub starts a new mapping: the first sync
// with it matches and sends everything again, nothing of the old Hub's
// mapping is used.
func TestNewHubAddressStartsANewMapping(t *testing.T) {
	ctx := context.Background()
	hub1, srv1, key1 := startHubForTest(t)
	hub2, srv2, key2 := startHubForTest(t)
	svc, err := app.Open(app.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if _, err := svc.CreateHuman(ctx, &app.Human{FirstName: "Ada"}); err != nil {
		t.Fatal(err)
	}
	policy := "remote"
	if _, err := svc.UpdateHubConfig(app.HubConfigPatch{URL: &srv1.URL, APIKey: &key1, ConflictPolicy: &policy}); err != nil {
		t.Fatal(err)
	}
	job, err := svc.SyncNow(ctx, "", "")
	if err != nil || job.Pushed.Created != 1 {
		t.Fatalf("sync with hub 1: %+v, %v", job, err)
	}
	accs, err := svc.SyncAccounts(ctx)
	if err != nil || len(accs) != 1 || accs[0].Account.Policy != "remote" || accs[0].Status.LastSuccess.IsZero() {
		t.Fatalf("accounts: %+v, %v", accs, err)
	}
	if _, err := svc.UpdateHubConfig(app.HubConfigPatch{URL: &srv2.URL, APIKey: &key2}); err != nil {
		t.Fatal(err)
	}
	job, err = svc.SyncNow(ctx, "", "")
	if err != nil || job.Pushed.Created != 1 {
		t.Fatalf("sync with hub 2: %+v, %v", job, err)
	}
	if jobs, _ := svc.SyncJobs(ctx, "", 0); len(jobs) != 1 {
		t.Errorf("the new Hub's history has %d jobs, want 1", len(jobs))
	}
	for i, h := range []*app.Service{hub1, hub2} {
		if st, _ := h.Stats(ctx); st.Total != 1 {
			t.Errorf("hub %d has %d contacts, want 1", i+1, st.Total)
		}
	}
	if _, err := svc.SyncNow(ctx, "", "sideways"); err == nil {
		t.Error("direction sideways accepted")
	}
	if _, err := svc.SyncNow(ctx, "nope", ""); err == nil {
		t.Error("unknown account accepted")
	}
}

// A Hub that refuses the API key (revoked, mistyped) puts the account in
// the sign-in state the schedule leaves alone, with a message that
// carries no key; a new key clears it and the sync goes on.
func TestRefusedHubKeyWaitsForANewOne(t *testing.T) {
	ctx := context.Background()
	_, srv, key := startHubForTest(t)
	svc, err := app.Open(app.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if _, err := svc.CreateHuman(ctx, &app.Human{FirstName: "Ada"}); err != nil {
		t.Fatal(err)
	}
	wrong := "hk_wrong_key_0123456789"
	if _, err := svc.UpdateHubConfig(app.HubConfigPatch{URL: &srv.URL, APIKey: &wrong}); err != nil {
		t.Fatal(err)
	}
	job, err := svc.SyncNow(ctx, "", "")
	if !errors.Is(err, sync.ErrSignIn) {
		t.Fatalf("sync with a refused key: %+v, %v; want ErrSignIn", job, err)
	}
	st, err := svc.SyncStatus(ctx, "")
	if err != nil || !st.NeedsSignIn || strings.Contains(st.LastError, wrong) {
		t.Fatalf("status %+v, %v: want needs_sign_in without the key in the message", st, err)
	}
	if _, err := svc.UpdateHubConfig(app.HubConfigPatch{APIKey: &key}); err != nil {
		t.Fatal(err)
	}
	if st, _ := svc.SyncStatus(ctx, ""); st.NeedsSignIn {
		t.Fatalf("a new key left the account waiting for one: %+v", st)
	}
	if job, err := svc.SyncNow(ctx, "", ""); err != nil || job.Pushed.Created != 1 {
		t.Fatalf("sync with the right key: %+v, %v", job, err)
	}
}
