package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/humans-contacts/humans/app"
)

// The Google accounts dialog: the connected accounts with their sync
// state ("sign in again" when Google no longer takes their token), Sync
// now and Disconnect for each, Connect (the browser login, run off the
// UI goroutine), and the OAuth client's setup. Everything it does is a
// call of app.Service.

// openBrowser opens Google's consent page; tests replace it.
var openBrowser = app.OpenBrowser

// googleDialog is the dialog's widgets, while it is open.
type googleDialog struct {
	accounts      *fyne.Container
	connect       *widget.Button
	cancelConnect *widget.Button
	connectStatus *widget.Label
	copyURL       *widget.Button // copies the consent page's address
	authURL       string
	content       *fyne.Container // refreshed to lay out rows shown or hidden
	clientID      *widget.Entry
	secret        *widget.Entry
	saveClient    *widget.Button
	clientText    *widget.Label
	tabs          *container.AppTabs // Accounts, Set up
	stopConnect   context.CancelFunc // the running login's, or nil
	configured    bool
	setupShown    bool // the Set up tab was opened for a missing client
	lastAccounts  []app.GoogleAccount
}

// googleState is what the dialog shows.
type googleState struct {
	client   app.GoogleClient
	accounts []app.GoogleAccount
}

// showGoogle opens the Google accounts dialog.
func (w *Window) showGoogle() {
	g := &googleDialog{
		accounts:      container.NewVBox(),
		connectStatus: widget.NewLabel(""),
		clientID:      widget.NewEntry(),
		secret:        widget.NewPasswordEntry(),
		clientText:    widget.NewLabel(""),
	}
	g.connectStatus.Truncation = fyne.TextTruncateEllipsis
	g.connectStatus.Hide()
	g.clientText.Truncation = fyne.TextTruncateEllipsis
	g.copyURL = widget.NewButtonWithIcon("Copy the address", theme.ContentCopyIcon(), func() {
		fyne.CurrentApp().Clipboard().SetContent(g.authURL)
	})
	g.copyURL.Hide()
	g.clientID.SetPlaceHolder("…apps.googleusercontent.com")
	g.secret.SetPlaceHolder("the client secret")
	g.connect = widget.NewButtonWithIcon("Connect a Google account", theme.ContentAddIcon(), func() { w.connectGoogle(g) })
	g.connect.Importance = widget.HighImportance
	g.cancelConnect = widget.NewButton("Cancel", func() {
		if g.stopConnect != nil {
			g.stopConnect()
		}
	})
	g.cancelConnect.Hide()
	g.saveClient = widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), func() { w.saveGoogleClient(g) })

	help := widget.NewLabel(app.GoogleSetupHelp)
	help.Wrapping = fyne.TextWrapWord
	form := container.New(layout.NewFormLayout(),
		widget.NewLabel("Client ID"), g.clientID,
		widget.NewLabel("Client secret"), g.secret)
	setupBox := container.NewVBox(help, form, container.NewHBox(layout.NewSpacer(), g.saveClient))

	top := container.NewVBox(
		container.NewBorder(nil, nil, nil, container.NewHBox(g.cancelConnect, g.connect), g.clientText),
		container.NewBorder(nil, nil, nil, g.copyURL, g.connectStatus),
		widget.NewSeparator(),
	)
	g.content = container.NewBorder(top, nil, nil, nil, container.NewVScroll(g.accounts))
	g.tabs = container.NewAppTabs(
		container.NewTabItem("Accounts", g.content),
		container.NewTabItem("Set up", container.NewVScroll(setupBox)),
	)
	w.google = g
	w.refreshGoogle()
	d := dialog.NewCustom("Google accounts", "Close", g.tabs, w.win)
	d.SetOnClosed(func() {
		if g.stopConnect != nil {
			g.stopConnect()
		}
		w.google = nil
	})
	d.Resize(fyne.NewSize(720, 560))
	d.Show()
}

// refreshGoogle reads the client and the accounts and shows them.
func (w *Window) refreshGoogle() {
	g := w.google
	if g == nil {
		return
	}
	background(w, func(ctx context.Context) (googleState, error) {
		var st googleState
		var err error
		if st.client, err = w.svc.GoogleClientInfo(); err != nil {
			return st, err
		}
		st.accounts, err = w.svc.GoogleAccounts(ctx)
		return st, err
	}, func(st googleState, err error) {
		if w.google != g {
			return
		}
		if err != nil {
			w.fail("Reading the Google accounts", err)
			return
		}
		w.showGoogleState(g, st)
	})
}

func (w *Window) showGoogleState(g *googleDialog, st googleState) {
	g.configured = st.client.ClientID != "" && st.client.SecretSet
	if g.configured {
		g.clientText.SetText(fmt.Sprintf("OAuth client %s (secret %s).", st.client.ClientID, st.client.MaskedSecret))
		if g.stopConnect == nil {
			g.connect.Enable()
		}
	} else {
		g.clientText.SetText("Set up the Google OAuth client first (the Set up tab).")
		g.connect.Disable()
		if !g.setupShown {
			g.setupShown = true
			g.tabs.SelectIndex(1)
		}
	}
	if g.clientID.Text == "" {
		g.clientID.SetText(st.client.ClientID)
	}
	g.lastAccounts = st.accounts
	g.accounts.RemoveAll()
	if len(st.accounts) == 0 {
		l := widget.NewLabel("No Google account is connected.")
		l.Importance = widget.LowImportance
		g.accounts.Add(l)
	}
	now := time.Now()
	for _, a := range st.accounts {
		g.accounts.Add(w.googleRow(g, a, now))
	}
	// Once laid out at their width, wrapped labels know their height:
	// lay out again.
	g.content.Refresh()
}

// googleAccountText is what a row says of an account's state.
func googleAccountText(a app.GoogleAccount, now time.Time) string {
	st := a.Status
	var parts []string
	switch {
	case st.State == "running":
		text := "Syncing…"
		if st.Total > 0 {
			text = fmt.Sprintf("Syncing %d of %d…", st.Done, st.Total)
		}
		parts = append(parts, text)
	case !st.LastSuccess.IsZero():
		parts = append(parts, "Last synced "+formatWhen(st.LastSuccess, now)+".")
	default:
		parts = append(parts, "Not synced yet.")
	}
	if st.PendingDeletions > 0 {
		parts = append(parts, fmt.Sprintf("%d contacts deleted in Google wait for your confirmation before they are deleted here.", st.PendingDeletions))
	}
	if a.NeedsSignIn {
		parts = append(parts, "Google no longer accepts this account's sign-in: connect it again.")
	} else if st.LastError != "" && st.LastErrorAt.After(st.LastSuccess) {
		parts = append(parts, "The last attempt ("+formatWhen(st.LastErrorAt, now)+") failed: "+st.LastError)
	}
	return strings.Join(parts, " ")
}

// googleRow shows one account with its buttons.
func (w *Window) googleRow(g *googleDialog, a app.GoogleAccount, now time.Time) fyne.CanvasObject {
	title := a.Email
	if a.Name != "" {
		title = a.Name + " · " + a.Email
	}
	head := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	state := widget.NewLabel(googleAccountText(a, now))
	state.Wrapping = fyne.TextWrapWord
	if a.NeedsSignIn || (a.Status.LastError != "" && a.Status.LastErrorAt.After(a.Status.LastSuccess)) {
		state.Importance = widget.WarningImportance
	}
	syncNow := widget.NewButtonWithIcon("Sync now", theme.ViewRefreshIcon(), nil)
	syncNow.OnTapped = func() {
		syncNow.Disable()
		background(w, func(ctx context.Context) (*app.SyncJob, error) { return w.svc.SyncNow(ctx, a.ID, "") },
			func(job *app.SyncJob, err error) {
				syncNow.Enable()
				if err != nil && (job == nil || job.Error == "") {
					w.fail("Syncing "+a.Email, err)
				}
				w.refreshGoogle()
			})
	}
	if a.Status.State == "running" {
		syncNow.Disable()
	}
	disconnect := widget.NewButtonWithIcon("Disconnect", theme.DeleteIcon(), func() { w.disconnectGoogle(a) })
	disconnect.Importance = widget.DangerImportance
	activity := widget.NewButtonWithIcon("History", theme.HistoryIcon(), func() {
		w.showActivity(a.ID, "Sync with "+a.Email, "Google")
	})
	buttons := container.NewHBox(syncNow, activity, disconnect)
	if a.NeedsSignIn {
		badge := widget.NewButtonWithIcon("Sign in again", theme.WarningIcon(), func() { w.connectGoogle(g) })
		badge.Importance = widget.WarningImportance
		if !g.configured || g.stopConnect != nil {
			badge.Disable()
		}
		buttons = container.NewHBox(badge, syncNow, activity, disconnect)
	}
	body := container.NewVBox(head, state)
	if n := a.Status.PendingDeletions; n > 0 {
		confirm := widget.NewButton("Delete them here", func() {
			w.confirm(fmt.Sprintf("Delete %d contacts?", n),
				fmt.Sprintf("They were deleted in %s. They go to the Trash here, except those you changed since.", a.Email),
				"Delete", func() { w.settleGoogleDeletions(a, true) }, nil)
		})
		confirm.Importance = widget.DangerImportance
		keep := widget.NewButton("Keep them", func() { w.settleGoogleDeletions(a, false) })
		body.Add(container.NewHBox(confirm, keep))
	}
	return container.NewBorder(nil, widget.NewSeparator(), nil, buttons, body)
}

// settleGoogleDeletions confirms or refuses the account's held
// deletions.
func (w *Window) settleGoogleDeletions(a app.GoogleAccount, confirm bool) {
	settle, what := w.svc.KeepSyncDeletions, "Keeping the contacts deleted in "+a.Email
	if confirm {
		settle, what = w.svc.ConfirmSyncDeletions, "Deleting the contacts deleted in "+a.Email
	}
	background(w, func(ctx context.Context) (app.SyncDeletionsResult, error) { return settle(ctx, a.ID, nil) },
		func(_ app.SyncDeletionsResult, err error) {
			if err != nil {
				w.fail(what, err)
			}
			w.refreshGoogle()
		})
}

// connectGoogle runs the browser login off the UI goroutine; the dialog
// says what it waits for and offers to cancel.
func (w *Window) connectGoogle(g *googleDialog) {
	if g.stopConnect != nil {
		return
	}
	ctx, cancel := context.WithCancel(w.ctx)
	g.stopConnect = cancel
	g.connect.Disable()
	g.cancelConnect.Show()
	g.connectStatus.SetText("Opening Google's consent page in your browser…")
	g.connectStatus.Show()
	g.content.Refresh()
	show := func(u string) {
		w.do(func() {
			if w.google == g && g.stopConnect != nil {
				g.authURL = u
				g.connectStatus.SetText("Waiting for Google: allow access in the browser (none opened? copy the address into one).")
				g.copyURL.Show()
				g.content.Refresh()
			}
		})
	}
	go func() {
		email, err := w.svc.GoogleConnect(ctx, openBrowser, show)
		w.do(func() {
			cancel()
			g.stopConnect = nil
			if w.ctx.Err() != nil || w.google != g {
				return
			}
			g.cancelConnect.Hide()
			g.copyURL.Hide()
			g.connect.Enable()
			switch {
			case err == nil:
				g.connectStatus.SetText("Connected " + email + ". Sync now brings its contacts here.")
			case ctx.Err() != nil:
				g.connectStatus.SetText("Connecting was cancelled; nothing was connected.")
			default:
				g.connectStatus.SetText("Not connected: " + err.Error())
				g.connectStatus.Importance = widget.WarningImportance
				g.connectStatus.Refresh()
			}
			g.content.Refresh()
			w.refreshGoogle()
		})
	}()
}

// disconnectGoogle asks, then disconnects the account.
func (w *Window) disconnectGoogle(a app.GoogleAccount) {
	w.confirm("Disconnect "+a.Email+"?",
		"Humans stops syncing with this Google account, forgets how its contacts match, and asks Google to revoke its access. The contacts stay on this computer.",
		"Disconnect", func() {
			background(w, func(ctx context.Context) (*app.GoogleDisconnected, error) { return w.svc.GoogleDisconnect(ctx, a.ID) },
				func(res *app.GoogleDisconnected, err error) {
					if err != nil && res == nil {
						w.fail("Disconnecting "+a.Email, err)
					} else if res.RevokeError != "" {
						w.inform("Disconnected "+a.Email, "Humans forgot the account, but Google did not revoke its access ("+
							res.RevokeError+"). Remove Humans at https://myaccount.google.com/permissions.")
					}
					w.refreshGoogle()
				})
		}, nil)
}

// saveGoogleClient saves the OAuth client of the setup form.
func (w *Window) saveGoogleClient(g *googleDialog) {
	id, secret := g.clientID.Text, g.secret.Text
	g.saveClient.Disable()
	background(w, func(context.Context) (app.GoogleClient, error) { return w.svc.GoogleSetup(id, secret) },
		func(c app.GoogleClient, err error) {
			g.saveClient.Enable()
			if err != nil {
				w.fail("Saving the Google OAuth client", err)
				return
			}
			g.secret.SetText("")
			g.tabs.SelectIndex(0)
			w.refreshGoogle()
		})
}
