package ui

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/humans-contacts/humans/app"
	"github.com/humans-contacts/humans/app/api"
)

// startHub runs another Humans, with its REST API, as the Hub.
func startHub(t *testing.T) (*app.Service, string, string) {
	t.Helper()
	hub := openService(t, t.TempDir())
	key, _, err := hub.CreateAPIKey(context.Background(), "laptop", app.RoleUser)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(hub, api.Options{RateLimit: -1}))
	t.Cleanup(srv.Close)
	return hub, srv.URL, key
}

func TestSyncDialogSetsUpTheHubSyncsAndFlipsAConflict(t *testing.T) {
	ctx := context.Background()
	hub, url, key := startHub(t)
	ada, err := hub.CreateHuman(ctx, &app.Human{FirstName: "Ada", LastName: "Lovelace", JobTitle: "Analyst"})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t)
	h.waitFor("the sync button", func() bool { return h.w.syncButton.Text == "Sync" })

	// Nothing set up: the dialog opens on the Hub tab and says so.
	h.w.showSync()
	s := h.w.sync
	h.waitFor("the status", func() bool { return strings.Contains(s.status.Text, "No Hub is set up") })
	if !s.syncNow.Disabled() {
		t.Fatal("Sync now is offered without a Hub")
	}
	// A wrong address is refused with what is wrong.
	s.url.SetText("not a url")
	s.save.OnTapped()
	h.waitFor("the refusal", func() bool { return len(h.errors) == 1 })
	if !strings.Contains(h.errors[0], "not an http or https address") {
		t.Fatalf("error %q", h.errors[0])
	}
	s.url.SetText(url)
	s.apiKey.SetText(key)
	s.save.OnTapped()
	h.waitFor("the saved settings", func() bool { return strings.HasPrefix(s.apiKey.Text, "****") })
	if cfg, _ := h.svc.HubConfig(); cfg.URL != url || cfg.APIKey != key {
		t.Fatalf("saved %+v", cfg)
	}
	h.waitFor("Sync now", func() bool { return !s.syncNow.Disabled() && strings.Contains(s.status.Text, "Not synced yet") })

	s.syncNow.OnTapped()
	h.waitFor("the first sync", func() bool { return strings.Contains(s.status.Text, "Last synced") })
	if len(h.errors) != 1 {
		t.Fatalf("errors: %v", h.errors)
	}
	found, _ := h.svc.Search(ctx, "lovelace", 5)
	if len(found) != 1 || found[0].JobTitle != "Analyst" {
		t.Fatalf("pulled: %+v", found)
	}
	local := found[0]
	h.waitFor("the history", func() bool {
		texts := texts(s.history)
		return len(texts) == 1 && strings.Contains(texts[0], "from the Hub: 1 new")
	})
	if !strings.HasPrefix(h.w.syncButton.Text, "Synced ") {
		t.Fatalf("button %q", h.w.syncButton.Text)
	}

	// Both sides change the job title; the Hub's change is the newest.
	title := "Engineer"
	if _, err := h.svc.UpdateHuman(ctx, local.ID, app.HumanPatch{JobTitle: &title}, ""); err != nil {
		t.Fatal(err)
	}
	other := "Mathematician"
	if _, err := hub.UpdateHuman(ctx, ada.ID, app.HumanPatch{JobTitle: &other}, ""); err != nil {
		t.Fatal(err)
	}
	s.syncNow.OnTapped()
	h.waitFor("the conflict", func() bool {
		all := strings.Join(texts(s.conflicts), "\n")
		return strings.Contains(all, "Ada Lovelace · Job title") && strings.Contains(all, "On this computer: Engineer") &&
			strings.Contains(all, "On the Hub: Mathematician") && strings.Contains(all, "Kept the Hub's")
	})
	// The conflict shows while the job still pushes: wait for its end.
	h.waitFor("the sync's end", func() bool { return !s.syncNow.Disabled() })
	got, _ := h.svc.Human(ctx, local.ID)
	if got.JobTitle != "Mathematician" {
		t.Fatalf("newest wins: job title %q", got.JobTitle)
	}
	// The person prefers this computer's value.
	flipButton(t, s).OnTapped()
	h.waitFor("the flip", func() bool {
		got, _ := h.svc.Human(ctx, local.ID)
		return got.JobTitle == "Engineer"
	})
	s.syncNow.OnTapped()
	h.waitFor("the flip sent to the Hub", func() bool {
		got, _ := hub.Human(ctx, ada.ID)
		return got.JobTitle == "Engineer"
	})
}

// texts lists the text of every label and button inside o, in order.
func texts(o fyne.CanvasObject) []string {
	var out []string
	switch x := o.(type) {
	case *widget.Label:
		out = append(out, x.Text)
	case *widget.Button:
		out = append(out, x.Text)
	case *fyne.Container:
		for _, c := range x.Objects {
			out = append(out, texts(c)...)
		}
	}
	return out
}

// flipButton finds the conflict's button.
func flipButton(t *testing.T, s *syncDialog) *widget.Button {
	t.Helper()
	var find func(o fyne.CanvasObject) *widget.Button
	find = func(o fyne.CanvasObject) *widget.Button {
		switch x := o.(type) {
		case *widget.Button:
			if strings.HasPrefix(x.Text, "Use ") {
				return x
			}
		case *fyne.Container:
			for _, c := range x.Objects {
				if b := find(c); b != nil {
					return b
				}
			}
		}
		return nil
	}
	b := find(s.conflicts)
	if b == nil {
		t.Fatal("no flip button")
	}
	return b
}

func TestSyncDialogShowsWaitingDeletionsAndConfirmsThem(t *testing.T) {
	ctx := context.Background()
	hub, url, key := startHub(t)
	var ids []int64
	for i := range 20 {
		x, err := hub.CreateHuman(ctx, &app.Human{FirstName: "Hub", LastName: string(rune('A' + i))})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, x.ID)
	}
	h := newHarness(t)
	if _, err := h.svc.UpdateHubConfig(app.HubConfigPatch{URL: &url, APIKey: &key}); err != nil {
		t.Fatal(err)
	}
	h.w.showSync()
	s := h.w.sync
	h.waitFor("Sync now", func() bool { return !s.syncNow.Disabled() })
	s.syncNow.OnTapped()
	h.waitFor("the first sync", func() bool { return strings.Contains(s.status.Text, "Last synced") })
	if !s.confirmAll.Disabled() || !strings.Contains(strings.Join(texts(s.deletions), "\n"), "No deletions wait") {
		t.Fatalf("deletions before any: %v", texts(s.deletions))
	}
	for _, id := range ids[:12] {
		if err := hub.TrashHuman(ctx, id, ""); err != nil {
			t.Fatal(err)
		}
	}
	s.syncNow.OnTapped()
	h.waitFor("the waiting deletions", func() bool {
		return len(texts(s.deletions)) == 13 && !s.confirmAll.Disabled() &&
			strings.Contains(s.status.Text, "12 contacts deleted on the Hub wait for your confirmation")
	})
	if h.w.syncButton.Text != "Sync: 12 deletions to confirm" || s.deletionsTab.Text != "Deletions (12)" {
		t.Errorf("button %q, tab %q", h.w.syncButton.Text, s.deletionsTab.Text)
	}
	if st, _ := h.svc.Stats(ctx); st.Total != 20 {
		t.Fatalf("%d contacts before confirming, want 20", st.Total)
	}
	s.confirmAll.OnTapped()
	h.waitFor("the confirmation", func() bool {
		st, _ := h.svc.Stats(ctx)
		return st.Total == 8 && s.confirmAll.Disabled() && s.deletionsTab.Text == "Deletions"
	})
	if len(h.errors) != 0 {
		t.Errorf("errors: %v", h.errors)
	}
}
