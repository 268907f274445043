package ui

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// fakeServer is a server that records restarts; it "listens" where the
// settings say.
type fakeServer struct {
	h        *harness
	restarts int
	err      error
}

func (f *fakeServer) URL() string {
	if f.err != nil {
		return ""
	}
	if f.h.svc.Settings().Server.LAN {
		return "http://192.168.1.20:8765/"
	}
	return "http://127.0.0.1:8765/"
}
func (f *fakeServer) Err() error { return f.err }
func (f *fakeServer) Restart(context.Context) error {
	f.restarts++
	return f.err
}

func TestConnectDialogShowsCredentialsAndTogglesLAN(t *testing.T) {
	h := newHarness(t)
	srv := &fakeServer{h: h}
	WithServer(srv)(h.w)
	h.w.showConnect()
	c := h.w.connect
	if c == nil {
		t.Fatal("no dialog")
	}
	cred, err := h.svc.CardDAVCredentials()
	if err != nil {
		t.Fatal(err)
	}
	if c.url.Text != "http://127.0.0.1:8765/" || c.user.Text != cred.User || c.password.Text != cred.Password || c.lan.Checked {
		t.Fatalf("dialog: %q %q %q lan=%v", c.url.Text, c.user.Text, c.password.Text, c.lan.Checked)
	}
	if !strings.Contains(c.status.Text, "Only apps on this computer") {
		t.Errorf("status %q", c.status.Text)
	}
	c.lan.SetChecked(true)
	h.waitFor("the restart", func() bool { return !c.busy })
	if !h.svc.Settings().Server.LAN || srv.restarts != 1 || c.url.Text != "http://192.168.1.20:8765/" {
		t.Fatalf("after LAN on: lan=%v restarts=%d url=%q", h.svc.Settings().Server.LAN, srv.restarts, c.url.Text)
	}
	c.groupCards.SetChecked(true)
	if !h.svc.Settings().Server.GroupCards {
		t.Fatal("the group cards switch did not save")
	}
	// A new password replaces the one shown (the confirm answers yes).
	c.newPassword.OnTapped()
	h.waitFor("the new password", func() bool { return c.password.Text != cred.Password })
	now, _ := h.svc.CardDAVCredentials()
	if c.password.Text != now.Password {
		t.Fatalf("shown %q, stored %q", c.password.Text, now.Password)
	}
}

func TestServerFailureIsShown(t *testing.T) {
	h := newHarness(t)
	srv := &fakeServer{h: h, err: errors.New("server: cannot listen on 127.0.0.1:8765: the port is in use by another program")}
	WithServer(srv)(h.w)
	h.waitFor("the error", func() bool { return len(h.errors) == 1 })
	if !strings.Contains(h.errors[0], "port is in use") {
		t.Fatalf("errors %q", h.errors)
	}
	h.w.showConnect()
	if c := h.w.connect; c.url.Text != "" || !strings.Contains(c.status.Text, "not running") {
		t.Fatalf("dialog with a failed server: %q %q", c.url.Text, c.status.Text)
	}
}
