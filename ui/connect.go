package ui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/humans-contacts/humans/app"
)

// PhoneServer is the local CardDAV server as the Connect a phone dialog
// sees it; app/server.Server is one.
type PhoneServer interface {
	// URL is the address to type into a phone; "" when not running.
	URL() string
	// Err is why the server does not run, nil while it does.
	Err() error
	// Restart applies changed settings.
	Restart(ctx context.Context) error
}

// Option changes how Run builds the window.
type Option func(*Window)

// WithServer gives the window the local server: the Connect a phone
// dialog shows its address, and a failure to start it is shown once the
// window is open.
func WithServer(s PhoneServer) Option {
	return func(w *Window) {
		w.server = s
		if s != nil && s.Err() != nil {
			err := s.Err()
			w.do(func() { w.fail("The CardDAV server for phones did not start", err) })
		}
	}
}

// connectDialog shows what to type into a phone: address, user name,
// password, and the LAN switch.
type connectDialog struct {
	url, user, password, status *widget.Label
	lan, groupCards             *widget.Check
	newPassword                 *widget.Button
	busy                        bool
}

// showConnect opens the Connect a phone dialog.
func (w *Window) showConnect() {
	c := &connectDialog{
		url:      widget.NewLabel(""),
		user:     widget.NewLabel(""),
		password: widget.NewLabel(""),
		status:   widget.NewLabel(""),
	}
	for _, l := range []*widget.Label{c.url, c.user, c.password} {
		l.Selectable = true
		l.TextStyle = fyne.TextStyle{Monospace: true}
	}
	c.status.Wrapping = fyne.TextWrapWord
	c.lan = widget.NewCheck("Let phones and other computers on this network connect", func(on bool) { w.setLAN(c, on) })
	c.groupCards = widget.NewCheck("Show groups as group cards (iPhone, iPad and Mac show no categories)", func(on bool) {
		if w.svc.Settings().Server.GroupCards == on {
			return
		}
		if err := w.svc.SetServerSettings(func(s *app.ServerSettings) { s.GroupCards = on }); err != nil {
			w.fail("Changing the group cards setting", err)
		}
	})
	c.newPassword = widget.NewButton("New password", func() {
		w.confirm("Make a new password?", "Phones and mail apps set up with the old one stop syncing until you type the new one.", "New password", func() {
			background(w, func(context.Context) (string, error) { return w.svc.ResetCardDAVPassword() },
				func(_ string, err error) {
					if err != nil {
						w.fail("Making a new password", err)
					}
					w.refreshConnect(c)
				})
		}, nil)
	})
	form := container.New(layout.NewFormLayout(),
		widget.NewLabel("Server address"), c.url,
		widget.NewLabel("User name"), c.user,
		widget.NewLabel("Password"), container.NewHBox(c.password, c.newPassword),
	)
	help := widget.NewLabel("In iOS: Settings, Contacts, Accounts, Add Account, Other, Add CardDAV Account. " +
		"On Android: DAVx5, Login with URL and user name. In Thunderbird: Address Book, New, CardDAV Address Book.")
	help.Wrapping = fyne.TextWrapWord
	content := container.NewVBox(form, c.lan, c.groupCards, c.status, widget.NewSeparator(), help)
	w.connect = c
	w.refreshConnect(c)
	d := dialog.NewCustom("Connect a phone", "Close", content, w.win)
	d.SetOnClosed(func() { w.connect = nil })
	d.Resize(fyne.NewSize(620, 380))
	d.Show()
}

// refreshConnect fills the dialog from the settings, the credentials and
// the server.
func (w *Window) refreshConnect(c *connectDialog) {
	st := w.svc.Settings().Server
	c.lan.SetChecked(st.LAN)
	c.groupCards.SetChecked(st.GroupCards)
	cred, err := w.svc.CardDAVCredentials()
	if err != nil {
		c.status.SetText("The credentials cannot be read: " + err.Error())
		return
	}
	c.user.SetText(cred.User)
	if cred.Chosen {
		c.password.SetText("(the one you set)")
	} else {
		c.password.SetText(cred.Password)
	}
	switch {
	case w.server == nil:
		c.url.SetText("")
		c.status.SetText("The server is not part of this window.")
	case w.server.Err() != nil:
		c.url.SetText("")
		c.status.SetText("The server is not running: " + w.server.Err().Error())
	case st.LAN:
		c.url.SetText(w.server.URL())
		c.status.SetText("Devices on this network can connect, with this user name and password.")
	default:
		c.url.SetText(w.server.URL())
		c.status.SetText("Only apps on this computer can connect. Turn on the switch for a phone.")
	}
	c.lan.Enable()
	if c.busy {
		c.lan.Disable()
	}
}

// setLAN saves the LAN switch and restarts the server on the new address.
func (w *Window) setLAN(c *connectDialog, on bool) {
	if c.busy || w.svc.Settings().Server.LAN == on {
		return
	}
	c.busy = true
	c.lan.Disable()
	c.status.SetText("Restarting the server…")
	background(w, func(ctx context.Context) (struct{}, error) {
		if err := w.svc.SetServerSettings(func(s *app.ServerSettings) { s.LAN = on }); err != nil {
			return struct{}{}, err
		}
		if w.server == nil {
			return struct{}{}, nil
		}
		if err := w.server.Restart(ctx); err != nil {
			return struct{}{}, fmt.Errorf("restarting the server: %w", err)
		}
		return struct{}{}, nil
	}, func(_ struct{}, err error) {
		c.busy = false
		if err != nil {
			w.fail("Changing network access", err)
		}
		w.refreshConnect(c)
	})
}
