package ui

import (
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
	peoplev1 "google.golang.org/api/people/v1"

	"github.com/humans-contacts/humans/app"
	"github.com/humans-contacts/humans/app/googleauth"
	"github.com/humans-contacts/humans/app/googleauth/googleauthtest"
	"github.com/humans-contacts/humans/sync/google/googletest"
)

// fakeGoogle points the service at a fake authorization server and a
// fake People API that accepts only the token the first issues; tokens
// go to the encrypted file.
func fakeGoogle(t *testing.T) *googletest.Server {
	t.Helper()
	return googleauthtest.Use(t).People(t, googletest.Options{})
}

// buttonIn finds the button labelled text inside o.
func buttonIn(o fyne.CanvasObject, text string) *widget.Button {
	switch x := o.(type) {
	case *widget.Button:
		if x.Text == text {
			return x
		}
	case *fyne.Container:
		for _, c := range x.Objects {
			if b := buttonIn(c, text); b != nil {
				return b
			}
		}
	}
	return nil
}

func TestGoogleDialogSetsUpConnectsAndDisconnects(t *testing.T) {
	g := googleauthtest.Use(t)
	people := g.People(t, googletest.Options{})
	people.Add(&peoplev1.Person{Names: []*peoplev1.Name{{GivenName: "Grace", FamilyName: "Hopper"}}})
	// The client is set up in the dialog, not by the environment.
	t.Setenv(googleauth.EnvClientID, "")
	t.Setenv(googleauth.EnvClientSecret, "")
	orig := openBrowser
	openBrowser = googleauthtest.Browser(nil)
	t.Cleanup(func() { openBrowser = orig })

	h := newHarness(t)
	h.w.showGoogle()
	d := h.w.google
	h.waitFor("the set-up hint", func() bool { return strings.Contains(d.clientText.Text, "Set up the Google OAuth client first") })
	if !d.connect.Disabled() || d.tabs.SelectedIndex() != 1 {
		t.Fatal("Connect offered without a client, or the set-up closed")
	}
	if !strings.Contains(strings.Join(texts(d.accounts), " "), "No Google account is connected") {
		t.Errorf("accounts: %q", texts(d.accounts))
	}
	shot(t, h, "google-setup")
	// A secret in the id box is refused with what is wrong.
	d.clientID.SetText(googleauthtest.ClientSecret)
	d.secret.SetText(googleauthtest.ClientSecret)
	d.saveClient.OnTapped()
	h.waitFor("the refusal", func() bool { return len(h.errors) == 1 })
	if !strings.Contains(h.errors[0], "apps.googleusercontent.com") {
		t.Fatalf("error %q", h.errors[0])
	}
	d.clientID.SetText(googleauthtest.ClientID)
	d.saveClient.OnTapped()
	h.waitFor("the saved client", func() bool { return strings.Contains(d.clientText.Text, "OAuth client "+googleauthtest.ClientID) })
	if d.connect.Disabled() || d.secret.Text != "" || d.tabs.SelectedIndex() != 0 {
		t.Fatal("Connect not offered after the set-up, or the secret left in its box")
	}

	d.connect.OnTapped()
	h.waitFor("the connection", func() bool { return strings.Contains(d.connectStatus.Text, "Connected ada@example.com") })
	h.waitFor("the account's row", func() bool {
		all := strings.Join(texts(d.accounts), "\n")
		return strings.Contains(all, "Ada Lovelace · ada@example.com") && strings.Contains(all, "Not synced yet.")
	})
	if buttonIn(d.accounts, "Sign in again") != nil {
		t.Fatal("a fresh account asks to sign in")
	}
	buttonIn(d.accounts, "Sync now").OnTapped()
	h.waitFor("the sync", func() bool { return strings.Contains(strings.Join(texts(d.accounts), "\n"), "Last synced") })
	if found, _ := h.svc.Search(h.w.ctx, "hopper", 5); len(found) != 1 {
		t.Fatalf("synced: %+v", found)
	}
	shot(t, h, "google-accounts")

	// The token is gone here: the account asks to sign in again, and
	// the badge does it.
	f := &googleauth.File{Path: filepath.Join(h.svc.DataDir(), app.GoogleTokenFileName), KeyPath: filepath.Join(h.svc.DataDir(), app.GoogleKeyFileName)}
	if err := f.Delete("google:ada@example.com"); err != nil {
		t.Fatal(err)
	}
	h.w.refreshGoogle()
	h.waitFor("the sign-in badge", func() bool { return buttonIn(d.accounts, "Sign in again") != nil })
	if !strings.Contains(strings.Join(texts(d.accounts), "\n"), "connect it again") {
		t.Errorf("rows %q", texts(d.accounts))
	}
	shot(t, h, "google-sign-in")
	buttonIn(d.accounts, "Sign in again").OnTapped()
	h.waitFor("the badge gone", func() bool {
		return buttonIn(d.accounts, "Sign in again") == nil && buttonIn(d.accounts, "Disconnect") != nil
	})
	if accs, _ := h.svc.GoogleAccounts(h.w.ctx); len(accs) != 1 {
		t.Fatalf("accounts %+v", accs)
	}

	buttonIn(d.accounts, "Disconnect").OnTapped()
	h.waitFor("the account gone", func() bool {
		return strings.Contains(strings.Join(texts(d.accounts), " "), "No Google account is connected")
	})
	if len(h.confirms) != 1 || !strings.Contains(h.confirms[0], "Disconnect ada@example.com?") || !strings.Contains(h.confirms[0], "contacts stay") {
		t.Errorf("confirms %q", h.confirms)
	}
	// The token of the first connection was lost here (deleted above);
	// the one of the second is revoked.
	if _, _, revokes := g.Stats(); revokes != 1 || g.LiveRefreshTokens() != 1 {
		t.Errorf("revokes %d, live tokens %d", revokes, g.LiveRefreshTokens())
	}
}

func TestGoogleConnectCanBeCancelled(t *testing.T) {
	googleauthtest.Use(t)
	orig := openBrowser
	opened := make(chan string, 1)
	openBrowser = func(u string) error { opened <- u; return nil } // the person never answers
	t.Cleanup(func() { openBrowser = orig })

	h := newHarness(t)
	h.w.showGoogle()
	d := h.w.google
	h.waitFor("Connect", func() bool { return !d.connect.Disabled() })
	d.connect.OnTapped()
	h.waitFor("the wait", func() bool { return strings.Contains(d.connectStatus.Text, "Waiting for Google") })
	shown := <-opened
	if d.authURL != shown || shown == "" || d.copyURL.Hidden || !d.connect.Disabled() || d.cancelConnect.Hidden {
		t.Fatalf("status %q, address %q, shown %q", d.connectStatus.Text, d.authURL, shown)
	}
	d.copyURL.OnTapped()
	if got := fyne.CurrentApp().Clipboard().Content(); got != shown {
		t.Errorf("clipboard %q", got)
	}
	d.cancelConnect.OnTapped()
	h.waitFor("the cancel", func() bool { return strings.Contains(d.connectStatus.Text, "cancelled") })
	if d.connect.Disabled() || !d.cancelConnect.Hidden || !d.copyURL.Hidden {
		t.Error("buttons after cancelling")
	}
	if accs, _ := h.svc.GoogleAccounts(h.w.ctx); len(accs) != 0 {
		t.Errorf("accounts %+v", accs)
	}
}

// shot keeps a picture of the window in $HUMANS_SCREENSHOTS, when set.
func shot(t *testing.T, h *harness, name string) {
	t.Helper()
	dir := os.Getenv("HUMANS_SCREENSHOTS")
	if dir == "" {
		return
	}
	f, err := os.Create(filepath.Join(dir, name+".png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, h.win.Canvas().Capture()); err != nil {
		t.Fatal(err)
	}
}

// Google deleted many contacts at once: the row says they wait, and the
// person deletes them here or keeps them.
func TestGoogleDialogSettlesHeldDeletions(t *testing.T) {
	people := fakeGoogle(t)
	var rns []string
	for i := range 12 {
		rns = append(rns, people.Add(&peoplev1.Person{Names: []*peoplev1.Name{{GivenName: "Person", FamilyName: fmt.Sprint("Number", i)}}}))
	}
	orig := openBrowser
	openBrowser = googleauthtest.Browser(nil)
	t.Cleanup(func() { openBrowser = orig })

	h := newHarness(t)
	ctx := h.w.ctx
	if _, err := h.svc.GoogleConnect(ctx, openBrowser, nil); err != nil {
		t.Fatal(err)
	}
	if res, err := h.svc.GoogleImport(ctx, "ada@example.com"); err != nil || res.Created != 12 {
		t.Fatalf("import %+v %v", res, err)
	}
	for _, rn := range rns {
		people.Remove(rn)
	}
	if _, err := h.svc.GoogleImport(ctx, "ada@example.com"); err != nil {
		t.Fatal(err)
	}
	h.w.showGoogle()
	d := h.w.google
	h.waitFor("the held deletions", func() bool {
		return strings.Contains(strings.Join(texts(d.accounts), "\n"), "12 contacts deleted in Google wait for your confirmation")
	})
	if st, _ := h.svc.Stats(ctx); st.Total != 12 {
		t.Fatalf("contacts deleted unasked: %d left", st.Total)
	}
	shot(t, h, "google-deletions")
	buttonIn(d.accounts, "Keep them").OnTapped()
	h.waitFor("the deletions settled", func() bool {
		return buttonIn(d.accounts, "Keep them") == nil && strings.Contains(strings.Join(texts(d.accounts), "\n"), "ada@example.com")
	})
	if st, _ := h.svc.Stats(ctx); st.Total != 12 {
		t.Fatalf("kept contacts: %d", st.Total)
	}
	if accs, _ := h.svc.GoogleAccounts(ctx); accs[0].Status.PendingDeletions != 0 {
		t.Errorf("still pending: %+v", accs[0].Status)
	}
}

// A Google account's history and conflicts: the History button of its
// row shows them, and a conflict is flipped from there.
func TestGoogleAccountHistoryAndConflicts(t *testing.T) {
	people := fakeGoogle(t)
	rn := people.Add(&peoplev1.Person{Names: []*peoplev1.Name{{GivenName: "Grace", FamilyName: "Hopper"}},
		Organizations: []*peoplev1.Organization{{Name: "Navy", Title: "Engineer"}}})
	orig := openBrowser
	openBrowser = googleauthtest.Browser(nil)
	t.Cleanup(func() { openBrowser = orig })

	h := newHarness(t)
	ctx := h.w.ctx
	if _, err := h.svc.GoogleConnect(ctx, openBrowser, nil); err != nil {
		t.Fatal(err)
	}
	if res, err := h.svc.GoogleImport(ctx, "ada@example.com"); err != nil || res.Created != 1 {
		t.Fatalf("import %+v %v", res, err)
	}
	found, _ := h.svc.Search(ctx, "hopper", 1)
	if len(found) != 1 {
		t.Fatalf("imported: %+v", found)
	}
	// The job title changed on both sides: a conflict, Google's newer.
	title := "Professor"
	if _, err := h.svc.UpdateHuman(ctx, found[0].ID, app.HumanPatch{JobTitle: &title}, ""); err != nil {
		t.Fatal(err)
	}
	people.Edit(rn, func(p *peoplev1.Person) { p.Organizations[0].Title = "Rear Admiral" })
	if job, err := h.svc.SyncNow(ctx, "google:ada@example.com", ""); err != nil || job.Conflicts != 1 {
		t.Fatalf("sync: %+v %v", job, err)
	}

	h.w.showGoogle()
	d := h.w.google
	h.waitFor("the account's row", func() bool { return buttonIn(d.accounts, "History") != nil })
	buttonIn(d.accounts, "History").OnTapped()
	a := h.w.activity
	if a == nil {
		t.Fatal("no history dialog")
	}
	h.waitFor("the history and the conflict", func() bool {
		return strings.Contains(strings.Join(texts(a.history), "\n"), "from Google: 1 new") &&
			strings.Contains(strings.Join(texts(a.conflicts), "\n"), "On Google: Rear Admiral")
	})
	a.tabs.SelectIndex(1)
	shot(t, h, "google-history")
	if a.conflictsTab.Text != "Conflicts (1)" {
		t.Errorf("tab %q", a.conflictsTab.Text)
	}
	flip := buttonIn(a.conflicts, "Use this computer's")
	if flip == nil {
		t.Fatalf("no flip button in %q", texts(a.conflicts))
	}
	flip.OnTapped()
	h.waitFor("the flip", func() bool {
		return strings.Contains(strings.Join(texts(a.conflicts), "\n"), "(you chose)")
	})
	if got, _ := h.svc.Human(ctx, found[0].ID); got.JobTitle != "Professor" {
		t.Errorf("after the flip the job title is %q", got.JobTitle)
	}
}
