package main

import (
	"context"
	"strings"
	"testing"

	"github.com/humans-contacts/humans/app"
)

func TestAPIKeyCommands(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{app.DataDirEnv: dir}

	code, out, errOut := runCLI(t, env, "apikey", "list")
	if code != 0 || out != "" || !strings.Contains(errOut, "no API keys") {
		t.Fatalf("list on a fresh directory: %d %q %q", code, out, errOut)
	}
	code, out, errOut = runCLI(t, env, "apikey", "create", "laptop script", "--role", "admin")
	key := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(key, "hk_") || strings.Count(out, "\n") != 1 || !strings.Contains(errOut, "not shown again") {
		t.Fatalf("create: %d %q %q", code, out, errOut)
	}
	code, out, _ = runCLI(t, env, "--data", dir, "apikey", "create", "reader")
	if code != 0 || strings.TrimSpace(out) == key {
		t.Fatalf("second create: %d %q", code, out)
	}
	code, out, _ = runCLI(t, env, "apikey", "list")
	if code != 0 || !strings.Contains(out, "laptop script") || !strings.Contains(out, "admin") ||
		!strings.Contains(out, "reader") || !strings.Contains(out, "user") || strings.Contains(out, key) {
		t.Fatalf("list: %d %q", code, out)
	}

	// The key printed is one the service accepts, with its role.
	check := func(wantErr bool) {
		t.Helper()
		svc, err := app.Open(app.Options{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer svc.Close()
		k, err := svc.AuthenticateAPIKey(context.Background(), key)
		if wantErr != (err != nil) || (err == nil && k.Role != app.RoleAdmin) {
			t.Errorf("AuthenticateAPIKey: %+v, %v", k, err)
		}
	}
	check(false)
	if code, out, errOut = runCLI(t, env, "apikey", "revoke", "1"); code != 0 || !strings.Contains(out, "revoked") {
		t.Fatalf("revoke: %d %q %q", code, out, errOut)
	}
	check(true)
	if code, _, errOut = runCLI(t, env, "apikey", "revoke", "1"); code != 1 || !strings.Contains(errOut, "not found") {
		t.Errorf("revoking twice: %d %q", code, errOut)
	}

	for _, args := range [][]string{
		{"apikey"},
		{"apikey", "make", "x"},
		{"apikey", "create"},
		{"apikey", "create", "a", "b"},
		{"apikey", "create", "x", "--role", "root"},
		{"apikey", "revoke", "abc"},
		{"apikey", "list", "extra"},
	} {
		if code, _, errOut := runCLI(t, env, args...); code != 2 || !strings.Contains(errOut, "apikey") {
			t.Errorf("%q: exit %d, stderr %q; want a usage error", args, code, errOut)
		}
	}
}
