package main

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/humans-contacts/humans/app"
	"github.com/humans-contacts/humans/app/api"
)

func TestSyncCommandWithAHub(t *testing.T) {
	ctx := context.Background()
	// The Hub: a second Humans serving its REST API.
	hubSvc, err := app.Open(app.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer hubSvc.Close()
	key, _, err := hubSvc.CreateAPIKey(ctx, "sync", app.RoleUser)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hubSvc.CreateHuman(ctx, &app.Human{FirstName: "Remote", LastName: "Person"}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(hubSvc, api.Options{RateLimit: -1}))
	defer srv.Close()

	dir := t.TempDir()
	code, _, errOut := runCLI(t, nil, "sync", "status", "--data", dir)
	if code != 1 || !strings.Contains(errOut, "no Hub is configured") {
		t.Fatalf("status without a Hub: %d %q", code, errOut)
	}
	svc, err := app.Open(app.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	url, enabled := srv.URL, true
	if _, err := svc.UpdateHubConfig(app.HubConfigPatch{URL: &url, APIKey: &key, Enabled: &enabled}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateHuman(ctx, &app.Human{FirstName: "Local", LastName: "Person"}); err != nil {
		t.Fatal(err)
	}
	svc.Close()

	code, out, errOut := runCLI(t, nil, "sync", "--data", dir)
	if code != 0 || !strings.Contains(out, "here:  1 created") || !strings.Contains(out, "there: 1 created") {
		t.Fatalf("sync now: %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = runCLI(t, nil, "sync", "status", "--data", dir)
	if code != 0 || !strings.Contains(out, "state:        idle") || strings.Contains(out, "last success: never") {
		t.Errorf("status after a sync:\n%s", out)
	}
	code, out, _ = runCLI(t, nil, "sync", "history", "--data", dir)
	if code != 0 || !strings.Contains(out, "job 1, both") {
		t.Errorf("history:\n%s", out)
	}
	code, out, _ = runCLI(t, nil, "sync", "conflicts", "--data", dir)
	if code != 0 || !strings.Contains(out, "no conflicts") {
		t.Errorf("conflicts:\n%s", out)
	}
	if code, _, _ := runCLI(t, nil, "sync", "flip", "x", "--data", dir); code != 2 {
		t.Errorf("flip x: exit %d, want 2", code)
	}
	if code, _, _ := runCLI(t, nil, "sync", "status", "--direction", "import", "--data", dir); code != 2 {
		t.Errorf("status --direction: exit %d, want 2", code)
	}

	// The Hub down: the job fails, says why, and the history keeps it.
	srv.Close()
	code, out, errOut = runCLI(t, nil, "sync", "--data", dir)
	if code != 1 || !strings.Contains(out, "FAILED") {
		t.Errorf("sync with the Hub down: %d\n%s\n%s", code, out, errOut)
	}
	if _, out, _ := runCLI(t, nil, "sync", "status", "--data", dir); !strings.Contains(out, "last error:") {
		t.Errorf("status after a failure:\n%s", out)
	}
}
