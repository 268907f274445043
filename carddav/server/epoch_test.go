package server

import (
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/humans-contacts/humans/app"
)

// TestRestoreInvalidatesTokens: after a backup is restored, the change
// log's revisions are reused by new changes, so tokens given before must
// be refused (clients then sync from scratch), whether the restore
// happened while the server ran or while it was stopped.
func TestRestoreInvalidatesTokens(t *testing.T) {
	dir := t.TempDir()
	backup := filepath.Join(t.TempDir(), "backup.db")
	open := func() (*app.Service, *env) {
		svc, err := app.Open(app.Options{DataDir: dir, LockTimeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		cred, _ := svc.CardDAVCredentials()
		srv := httptest.NewServer(New(svc, Options{}))
		return svc, &env{t: t, svc: svc, srv: srv, user: cred.User, pass: cred.Password}
	}
	svc, e := open()
	for _, n := range []string{"One", "Two"} {
		if _, err := svc.CreateHuman(ctx, &app.Human{FirstName: n}); err != nil {
			t.Fatal(err)
		}
	}
	if err := svc.BackupFile(ctx, backup); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"Three", "Four", "Five"} {
		if _, err := svc.CreateHuman(ctx, &app.Human{FirstName: n}); err != nil {
			t.Fatal(err)
		}
	}
	_, body := e.expect(207, "REPORT", BookPath, syncBody("", ""))
	old := first(reToken, body)

	// Restored while the server runs.
	if _, err := svc.RestoreFile(ctx, backup); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"Six", "Seven", "Eight"} {
		if _, err := svc.CreateHuman(ctx, &app.Human{FirstName: n}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		code, _, b := e.call("REPORT", BookPath, syncBody(old, ""))
		if code == 403 && strings.Contains(b, "valid-sync-token") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a token from before the restore is still accepted: %d\n%s", code, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	_, body = e.expect(207, "REPORT", BookPath, syncBody("", ""))
	if n := strings.Count(body, "<d:getetag>"); n != 5 {
		t.Fatalf("a full sync after the restore lists %d cards, want 5", n)
	}
	mid := first(reToken, body)
	e.srv.Close()
	svc.Close()

	// Restored while the server was stopped (humans restore).
	svc2, err := app.Open(app.Options{DataDir: dir, LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc2.RestoreFile(ctx, backup); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"Nine", "Ten", "Eleven", "Twelve"} {
		if _, err := svc2.CreateHuman(ctx, &app.Human{FirstName: n}); err != nil {
			t.Fatal(err)
		}
	}
	svc2.Close()
	svc3, e3 := open()
	defer svc3.Close()
	defer e3.srv.Close()
	e3.expect(403, "REPORT", BookPath, syncBody(mid, ""))
	_, body = e3.expect(207, "REPORT", BookPath, syncBody("", ""))
	fresh := first(reToken, body)
	svc3.Close()
	// An ordinary restart keeps the tokens valid.
	svc4, e4 := open()
	defer svc4.Close()
	defer e4.srv.Close()
	_, body = e4.expect(207, "REPORT", BookPath, syncBody(fresh, ""))
	if first(reToken, body) != fresh || strings.Contains(body, "<d:getetag>") {
		t.Fatalf("a restart invalidated the token or reported changes:\n%s", body)
	}
}
