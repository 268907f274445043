package app

import (
	"context"
	"errors"
	"strings"
	"testing"

	"google.golang.org/api/people/v1"

	"github.com/humans-contacts/humans/app/googleauth/googleauthtest"
	"github.com/humans-contacts/humans/store"
	"github.com/humans-contacts/humans/sync"
	"github.com/humans-contacts/humans/sync/google/googletest"
)

// googlePeople starts a fake People API that accepts only the access
// token the fake authorization server issues, and points the service at
// it.
func googlePeople(t *testing.T, g *googleauthtest.Server) *googletest.Server {
	t.Helper()
	return g.People(t, googletest.Options{Email: "ada@example.com", Name: "Ada Lovelace"})
}

func person(given, family, email string) *people.Person {
	return &people.Person{
		Names:          []*people.Name{{GivenName: given, FamilyName: family}},
		EmailAddresses: []*people.EmailAddress{{Value: email}},
	}
}

// Connect, import, sync both ways, lose the authorization, sign in again:
// a fake authorization server and a fake People API, the real provider,
// engine and store.
func TestGoogleEndToEnd(t *testing.T) {
	ctx := context.Background()
	g := googleEnv(t)
	p := googlePeople(t, g)
	grace := p.Add(person("Grace", "Hopper", "grace@example.com"))
	p.Add(person("Alan", "Turing", "alan@example.com"))

	svc, logs := openLogged(t)
	if _, err := svc.GoogleConnect(ctx, googleauthtest.Browser(nil), nil); err != nil {
		t.Fatal(err)
	}
	res, err := svc.GoogleImport(ctx, "ada@example.com")
	if err != nil || res.Created != 2 || res.Updated != 0 {
		t.Fatalf("import: %+v %v", res, err)
	}
	found, _ := svc.Search(ctx, "hopper", 5)
	if len(found) != 1 || found[0].Emails[0].Address != "grace@example.com" {
		t.Fatalf("imported: %+v", found)
	}
	// Nothing changed: the import again creates nothing.
	if res, err := svc.GoogleImport(ctx, "google:ada@example.com"); err != nil || res.Created != 0 || res.Updated != 0 {
		t.Fatalf("second import: %+v %v", res, err)
	}
	// A change here goes to Google with a two-way sync.
	title := "Rear Admiral"
	if _, err := svc.UpdateHuman(ctx, found[0].ID, HumanPatch{JobTitle: &title}, ""); err != nil {
		t.Fatal(err)
	}
	job, err := svc.SyncNow(ctx, "google:ada@example.com", "")
	if err != nil || job.Pushed.Updated != 1 {
		t.Fatalf("sync: %+v %v", job, err)
	}
	if pp, _ := p.Person(grace); len(pp.Organizations) == 0 || pp.Organizations[0].Title != "Rear Admiral" {
		t.Fatalf("at Google: %+v", pp.Organizations)
	}
	accs, _ := svc.GoogleAccounts(ctx)
	if len(accs) != 1 || accs[0].NeedsSignIn || accs[0].Status.LastSuccess.IsZero() {
		t.Fatalf("accounts %+v", accs)
	}

	// The person removes Humans' access in their Google account.
	g.RevokeAll()
	_, err = svc.GoogleImport(ctx, "ada@example.com")
	if !errors.Is(err, sync.ErrSignIn) {
		t.Fatalf("import after the revocation: %v", err)
	}
	accs, _ = svc.GoogleAccounts(ctx)
	if !accs[0].NeedsSignIn || !accs[0].Status.NeedsSignIn {
		t.Fatalf("no sign-in asked: %+v", accs)
	}
	// Signing in again keeps the mapping: nothing is created twice.
	if _, err := svc.GoogleConnect(ctx, googleauthtest.Browser(nil), nil); err != nil {
		t.Fatal(err)
	}
	accs, _ = svc.GoogleAccounts(ctx)
	if accs[0].NeedsSignIn || accs[0].Status.LastError != "" {
		t.Fatalf("after signing in again: %+v", accs)
	}
	p.Add(person("Katherine", "Johnson", "kj@example.com"))
	res, err = svc.GoogleImport(ctx, "ada@example.com")
	if err != nil || res.Created != 1 {
		t.Fatalf("import after signing in again: %+v %v", res, err)
	}
	if st, _ := svc.Stats(ctx); st.Total != 3 {
		t.Errorf("contacts %d", st.Total)
	}

	// Disconnecting keeps the contacts and forgets the mapping.
	if _, err := svc.GoogleDisconnect(ctx, "ada@example.com"); err != nil {
		t.Fatal(err)
	}
	if st, _ := svc.Stats(ctx); st.Total != 3 {
		t.Errorf("contacts after disconnecting: %d", st.Total)
	}
	svc.store.Write(ctx, func(tx *store.Tx) error {
		if l, _ := tx.SyncLinkByLocal("google:ada@example.com", found[0].ID); l != nil {
			t.Error("the mapping stayed")
		}
		return nil
	})
	if strings.Contains(logs.String(), "ya29.") || strings.Contains(logs.String(), "1//") {
		t.Errorf("a token reached the log:\n%s", logs.String())
	}
}

// A token missing here (the keyring was wiped) is a sign-in too.
func TestGoogleMissingTokenNeedsSignIn(t *testing.T) {
	ctx := context.Background()
	g := googleEnv(t)
	p := googlePeople(t, g)
	p.Add(person("Grace", "Hopper", "grace@example.com"))
	svc := openService(t, t.TempDir(), nil)
	if _, err := svc.GoogleConnect(ctx, googleauthtest.Browser(nil), nil); err != nil {
		t.Fatal(err)
	}
	tokens, _ := svc.googleTokens()
	tokens.Delete("google:ada@example.com")
	if accs, _ := svc.GoogleAccounts(ctx); !accs[0].NeedsSignIn {
		t.Fatal("no token, yet no sign-in asked")
	}
	if _, err := svc.GoogleImport(ctx, "ada@example.com"); !errors.Is(err, sync.ErrSignIn) {
		t.Fatalf("import: %v", err)
	}
	if st, _ := svc.SyncStatus(ctx, "google:ada@example.com"); !st.NeedsSignIn {
		t.Fatalf("the engine's state: %+v", st)
	}
	if _, err := svc.GoogleConnect(ctx, googleauthtest.Browser(nil), nil); err != nil {
		t.Fatal(err)
	}
	if res, err := svc.GoogleImport(ctx, "ada@example.com"); err != nil || res.Created != 1 {
		t.Fatalf("after connecting again: %+v %v", res, err)
	}
}
