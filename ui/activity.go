package ui

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"

	"github.com/humans-contacts/humans/app"
)

// activityDialog shows the history and the conflicts of one sync account
// other than the Hub's (whose are in the Sync dialog): a Google account.
type activityDialog struct {
	account, remote string
	history         *fyne.Container
	conflicts       *fyne.Container
	conflictsTab    *container.TabItem
	tabs            *container.AppTabs
}

// accountActivity is what the dialog shows.
type accountActivity struct {
	jobs      []*app.SyncJob
	conflicts []*app.SyncConflict
	names     map[int64]string
}

// showActivity opens the history and conflicts of account; title names
// it, remote is how the lines call its other side ("Google").
func (w *Window) showActivity(account, title, remote string) {
	a := &activityDialog{account: account, remote: remote, history: container.NewVBox(), conflicts: container.NewVBox()}
	a.conflictsTab = container.NewTabItem("Conflicts", container.NewVScroll(a.conflicts))
	a.tabs = container.NewAppTabs(container.NewTabItem("History", container.NewVScroll(a.history)), a.conflictsTab)
	w.activity = a
	w.refreshActivity()
	d := dialog.NewCustom(title, "Close", a.tabs, w.win)
	d.SetOnClosed(func() {
		if w.activity == a {
			w.activity = nil
		}
	})
	d.Resize(fyne.NewSize(720, 460))
	d.Show()
}

// refreshActivity reads the open activity dialog's lists again (after a
// flip, at each change of a sync status).
func (w *Window) refreshActivity() {
	a := w.activity
	if a == nil {
		return
	}
	background(w, func(ctx context.Context) (accountActivity, error) {
		var act accountActivity
		var err error
		if act.jobs, err = w.svc.SyncJobs(ctx, a.account, 20); err != nil {
			return act, err
		}
		if act.conflicts, err = w.svc.SyncConflicts(ctx, a.account, 50); err != nil {
			return act, err
		}
		act.names = make(map[int64]string)
		for _, c := range act.conflicts {
			if s, ok := w.svc.Summary(c.LocalID); ok {
				act.names[c.LocalID] = s.DisplayName
			}
		}
		return act, nil
	}, func(act accountActivity, err error) {
		if w.activity != a {
			return
		}
		if err != nil {
			w.fail("Reading the sync history", err)
			return
		}
		w.showActivityLists(a, act)
	})
}

func (w *Window) showActivityLists(a *activityDialog, act accountActivity) {
	showHistory(a.history, act.jobs, a.remote, time.Now())
	w.showConflicts(a.conflicts, a.account, a.remote, act.conflicts, act.names, w.refreshActivity)
	a.conflictsTab.Text = "Conflicts"
	if n := len(act.conflicts); n > 0 {
		a.conflictsTab.Text = fmt.Sprintf("Conflicts (%d)", n)
	}
	a.tabs.Refresh()
}
