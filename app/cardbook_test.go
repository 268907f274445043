package app

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCredentialsGeneratedOnceAndChecked(t *testing.T) {
	dir := t.TempDir()
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	svc := openService(t, dir, func() time.Time { return clock })
	c, err := svc.CardDAVCredentials()
	if err != nil {
		t.Fatal(err)
	}
	if c.User != DefaultCardDAVUser || len(c.Password) != 23 || c.Chosen {
		t.Fatalf("fresh credentials %+v", c)
	}
	again, err := CardDAVCredentialsIn(dir)
	if err != nil || again != c {
		t.Fatalf("second read %+v %v, want %+v", again, err, c)
	}
	fi, err := os.Stat(filepath.Join(dir, CredentialsFileName))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file mode: %v %v", fi, err)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, CredentialsFileName))
	if !strings.Contains(string(raw), "$argon2id$") {
		t.Fatalf("no argon2id hash in %s", raw)
	}
	if err := svc.CheckCardDAVLogin(c.User, c.Password, "10.0.0.2"); err != nil {
		t.Fatalf("right password: %v", err)
	}
	// The fast path (memory) must still refuse a wrong one.
	if err := svc.CheckCardDAVLogin(c.User, c.Password+"x", "10.0.0.2"); !errors.Is(err, ErrBadLogin) {
		t.Fatalf("wrong password: %v", err)
	}
	if err := svc.CheckCardDAVLogin("someone", c.Password, "10.0.0.2"); !errors.Is(err, ErrBadLogin) {
		t.Fatalf("wrong user: %v", err)
	}

	// A chosen password: only its hash is kept; the old one stops working.
	if err := svc.SetCardDAVPassword("short"); err == nil {
		t.Fatal("a 5-character password was accepted")
	}
	if err := SetCardDAVPasswordIn(dir, "correct horse battery\n"); err != nil {
		t.Fatal(err)
	}
	raw, _ = os.ReadFile(filepath.Join(dir, CredentialsFileName))
	if strings.Contains(string(raw), "correct horse") || strings.Contains(string(raw), c.Password) {
		t.Fatalf("a password is readable in %s", raw)
	}
	got, _ := svc.CardDAVCredentials()
	if !got.Chosen || got.Password != "" {
		t.Fatalf("after set: %+v", got)
	}
	if err := svc.CheckCardDAVLogin(c.User, c.Password, "10.0.0.3"); !errors.Is(err, ErrBadLogin) {
		t.Fatalf("the old password still works: %v", err)
	}
	if err := svc.CheckCardDAVLogin(c.User, "correct horse battery", "10.0.0.3"); err != nil {
		t.Fatalf("the new password: %v", err)
	}
	pw, err := svc.ResetCardDAVPassword()
	if err != nil || pw == c.Password {
		t.Fatalf("reset: %q %v", pw, err)
	}
	if err := svc.CheckCardDAVLogin(c.User, pw, "10.0.0.3"); err != nil {
		t.Fatalf("the reset password: %v", err)
	}
}

func TestLoginRateLimit(t *testing.T) {
	dir := t.TempDir()
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	svc := openService(t, dir, func() time.Time { return clock })
	c, _ := svc.CardDAVCredentials()
	for i := range loginFreeFailures {
		if err := svc.CheckCardDAVLogin(c.User, "guess", "192.0.2.1"); !errors.Is(err, ErrBadLogin) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	// Now even the right password waits, from that address only.
	var rl *RateLimitedError
	if err := svc.CheckCardDAVLogin(c.User, c.Password, "192.0.2.1"); !errors.As(err, &rl) || rl.RetryAfter != time.Second {
		t.Fatalf("after %d failures: %v", loginFreeFailures, err)
	}
	if err := svc.CheckCardDAVLogin(c.User, c.Password, "192.0.2.99"); err != nil {
		t.Fatalf("another address: %v", err)
	}
	clock = clock.Add(2 * time.Second)
	if err := svc.CheckCardDAVLogin(c.User, "guess", "192.0.2.1"); !errors.Is(err, ErrBadLogin) {
		t.Fatal(err)
	}
	if err := svc.CheckCardDAVLogin(c.User, c.Password, "192.0.2.1"); !errors.As(err, &rl) || rl.RetryAfter != 2*time.Second {
		t.Fatalf("the delay doubles: %v", err)
	}
	clock = clock.Add(3 * time.Second)
	if err := svc.CheckCardDAVLogin(c.User, c.Password, "192.0.2.1"); err != nil {
		t.Fatalf("after the delay: %v", err)
	}
	if err := svc.CheckCardDAVLogin(c.User, "guess", "192.0.2.1"); !errors.Is(err, ErrBadLogin) {
		t.Fatalf("a success clears the count: %v", err)
	}
}

const adaCard = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:ada-1\r\nFN:Ada Lovelace\r\nN:Lovelace;Ada;;;\r\nORG:Analytical Engines\r\nCATEGORIES:Friends\r\nEMAIL;TYPE=INTERNET:ada@example.org\r\nX-PHONE-APP:kept\r\nEND:VCARD\r\n"

func TestPutCard(t *testing.T) {
	svc := openService(t, t.TempDir(), nil)
	h, created, err := svc.PutCard(ctx, "ABC.vcf", []byte(adaCard), PutCardOptions{MustNotExist: true})
	if err != nil || !created {
		t.Fatalf("put: %v %v", created, err)
	}
	if h.CompanyID == 0 || len(h.GroupIDs) != 1 || h.Emails[0].Address != "ada@example.org" {
		t.Fatalf("stored %+v", h)
	}
	b, err := svc.EncodeCard(ctx, h, "3.0", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"UID:ada-1", "ORG:Analytical Engines", "CATEGORIES:Friends", "X-PHONE-APP:kept"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("served card lacks %q:\n%s", want, b)
		}
	}
	rev := svc.Revision()
	var ce *CardError
	if _, _, err := svc.PutCard(ctx, "ABC.vcf", []byte("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x"), PutCardOptions{}); !errors.As(err, &ce) {
		t.Fatalf("truncated card: %v", err)
	}
	if _, _, err := svc.PutCard(ctx, "ABC.vcf", []byte("hello"), PutCardOptions{}); !errors.As(err, &ce) {
		t.Fatalf("not a card: %v", err)
	}
	group := "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:g\r\nFN:Team\r\nN:Team;;;;\r\nX-ADDRESSBOOKSERVER-KIND:group\r\nEND:VCARD\r\n"
	if _, _, err := svc.PutCard(ctx, "g.vcf", []byte(group), PutCardOptions{}); !errors.Is(err, ErrGroupCard) {
		t.Fatalf("group card: %v", err)
	}
	if svc.Revision() != rev {
		t.Fatal("a refused card changed the store")
	}
	got, err := svc.CardByName(ctx, "ABC.vcf")
	if err != nil || got.ID != h.ID {
		t.Fatalf("CardByName: %v %v", got, err)
	}
}
