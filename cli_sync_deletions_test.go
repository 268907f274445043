package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/humans-contacts/humans/app"
	"github.com/humans-contacts/humans/app/api"
	"github.com/humans-contacts/humans/app/server"
)

// heldDeletionsSetup gives a book at dir and its Hub 20 synced contacts,
// then deletes 12 on the Hub and syncs: the deletions wait.
func heldDeletionsSetup(t *testing.T) (dir string, hub *app.Service) {
	t.Helper()
	ctx := context.Background()
	hub, err := app.Open(app.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hub.Close() })
	key, _, err := hub.CreateAPIKey(ctx, "laptop", app.RoleUser)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i := range 20 {
		h, err := hub.CreateHuman(ctx, &app.Human{FirstName: fmt.Sprintf("H%02d", i), LastName: "Hub"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, h.ID)
	}
	hubSrv := httptest.NewServer(api.New(hub, api.Options{RateLimit: -1}))
	t.Cleanup(hubSrv.Close)
	dir = t.TempDir()
	svc, err := app.Open(app.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	url := hubSrv.URL
	if _, err := svc.UpdateHubConfig(app.HubConfigPatch{URL: &url, APIKey: &key}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SyncNow(ctx, "", ""); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids[:12] {
		if err := hub.TrashHuman(ctx, id, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.SyncNow(ctx, "", ""); err != nil {
		t.Fatal(err)
	}
	return dir, hub
}

func checkDeletionCommands(t *testing.T, dir string) {
	t.Helper()
	code, out, errOut := runCLI(t, nil, "--data", dir, "sync", "status")
	if code != 0 || !strings.Contains(out, "12 contacts deleted remotely wait for your confirmation") {
		t.Fatalf("status: %d %q %q", code, out, errOut)
	}
	code, out, _ = runCLI(t, nil, "--data", dir, "sync", "deletions")
	if code != 0 || !strings.Contains(out, "H00") || !strings.Contains(out, "12 contacts deleted remotely wait") {
		t.Fatalf("deletions: %d %q", code, out)
	}
	// The first line after the header names a remote id.
	lines := strings.Split(out, "\n")
	rid := strings.Fields(lines[1])[0]
	if code, _, _ := runCLI(t, nil, "--data", dir, "sync", "deletions", "forget"); code != 2 {
		t.Errorf("deletions forget: exit %d, want 2", code)
	}
	if code, _, errOut := runCLI(t, nil, "--data", dir, "sync", "deletions", "confirm", "nope"); code != 1 || !strings.Contains(errOut, "nope") {
		t.Errorf("confirm nope: %d %q", code, errOut)
	}
	code, out, errOut = runCLI(t, nil, "--data", dir, "sync", "deletions", "confirm", rid)
	if code != 0 || !strings.Contains(out, "1 moved to the trash, 0 kept") {
		t.Fatalf("confirm %s: %d %q %q", rid, code, out, errOut)
	}
	code, out, _ = runCLI(t, nil, "--data", dir, "sync", "deletions", "keep")
	if code != 0 || !strings.Contains(out, "0 moved to the trash, 11 kept") {
		t.Fatalf("keep: %d %q", code, out)
	}
	if code, out, _ := runCLI(t, nil, "--data", dir, "sync", "deletions"); code != 0 || !strings.Contains(out, "no remote deletions wait") {
		t.Errorf("deletions after: %d %q", code, out)
	}
}

func TestSyncDeletionsCommands(t *testing.T) {
	dir, hub := heldDeletionsSetup(t)
	checkDeletionCommands(t, dir)
	if code, out, errOut := runCLI(t, nil, "--data", dir, "sync"); code != 0 || !strings.Contains(out, "there: 11 created") {
		t.Fatalf("sync after keep: %d %q %q", code, out, errOut)
	}
	if st, _ := hub.Stats(context.Background()); st.Total != 19 {
		t.Errorf("hub has %d contacts, want 19", st.Total)
	}
}

func TestSyncDeletionsCommandsReachTheRunningHumans(t *testing.T) {
	ctx := context.Background()
	dir, _ := heldDeletionsSetup(t)
	svc, err := app.Open(app.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	srv, err := server.New(svc, localServerOptions(svc, "127.0.0.1:0", slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	checkDeletionCommands(t, dir)
	if ds, err := svc.SyncPendingDeletions(ctx, ""); err != nil || len(ds) != 0 {
		t.Errorf("the running Humans still holds %d deletions (%v)", len(ds), err)
	}
}
