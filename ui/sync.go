package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
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

// The toolbar's sync button and the Sync dialog: the Hub's settings, its
// status with Sync now, the conflicts to review and flip, the remote
// deletions waiting for confirmation, and the job history. Both follow the engine's status (app.Service.SyncChanged).

// syncDialog is the Sync dialog's widgets, while it is open.
type syncDialog struct {
	url, apiKey, interval *widget.Entry
	direction, policy     *widget.Select
	enabled               *widget.Check
	save, syncNow         *widget.Button
	status                *widget.Label
	conflicts, history    *fyne.Container
	// deletions lists the remote deletions waiting for the person, with
	// confirmAll and keepAll.
	deletions           *fyne.Container
	confirmAll, keepAll *widget.Button
	deletionsTab        *container.TabItem
	tabs                *container.AppTabs
}

// Choices of the selects, as shown and as stored.
var (
	syncDirections = []string{"Both ways", "From the Hub only", "To the Hub only"}
	syncDirValues  = []string{"both", "import", "export"}
	syncPolicies   = []string{"The newest change wins", "This computer wins", "The Hub wins"}
	syncPolValues  = []string{"newest", "local", "remote"}
)

func choiceOf(values, labels []string, v string) string {
	for i, x := range values {
		if x == v {
			return labels[i]
		}
	}
	return labels[0]
}

func valueOf(values, labels []string, label string) string {
	for i, x := range labels {
		if x == label {
			return values[i]
		}
	}
	return values[0]
}

// newSyncButton makes the toolbar's button.
func (w *Window) newSyncButton() *widget.Button {
	b := widget.NewButtonWithIcon("Sync", theme.ViewRefreshIcon(), w.showSync)
	b.Importance = widget.LowImportance
	return b
}

// followSync shows the sync status now and at each change, until the
// window closes.
func (w *Window) followSync() {
	go func() {
		for {
			changed := w.svc.SyncChanged()
			w.do(w.refreshSync)
			select {
			case <-changed:
			case <-w.ctx.Done():
				return
			}
		}
	}()
}

// syncState is what the button and the dialog show of the Hub's sync.
type syncState struct {
	configured bool
	status     app.SyncStatus
	conflicts  []*app.SyncConflict
	jobs       []*app.SyncJob
	names      map[int64]string // contact names of the conflicts
	deletions  []*app.SyncPendingDeletion
}

// refreshSync reads the status (and, with the dialog open, the conflicts
// and history) and shows them.
func (w *Window) refreshSync() {
	w.refreshGoogle() // the Google accounts dialog follows the statuses too
	w.refreshActivity()
	withLists := w.sync != nil
	background(w, func(ctx context.Context) (syncState, error) {
		var st syncState
		status, err := w.svc.SyncStatus(ctx, "")
		if errors.Is(err, app.ErrSyncNotConfigured) {
			return st, nil
		}
		if err != nil {
			return st, err
		}
		st.configured, st.status = true, status
		if !withLists {
			return st, nil
		}
		if st.conflicts, err = w.svc.SyncConflicts(ctx, "", 50); err != nil {
			return st, err
		}
		if st.jobs, err = w.svc.SyncJobs(ctx, "", 10); err != nil {
			return st, err
		}
		if st.deletions, err = w.svc.SyncPendingDeletions(ctx, ""); err != nil {
			return st, err
		}
		st.names = make(map[int64]string)
		for _, c := range st.conflicts {
			if s, ok := w.svc.Summary(c.LocalID); ok {
				st.names[c.LocalID] = s.DisplayName
			}
		}
		return st, nil
	}, func(st syncState, err error) {
		if err != nil {
			st = syncState{configured: true, status: app.SyncStatus{LastError: err.Error()}}
		}
		w.showSyncButton(st)
		if w.sync != nil {
			w.showSyncState(w.sync, st, withLists)
		}
	})
}

// showSyncButton sets the toolbar button from the status.
func (w *Window) showSyncButton(st syncState) {
	b := w.syncButton
	b.Importance = widget.LowImportance
	switch s := st.status; {
	case !st.configured:
		b.SetText("Sync")
	case s.State == "running":
		b.SetText("Syncing…")
		if s.Total > 0 {
			b.SetText(fmt.Sprintf("Syncing %d/%d", s.Done, s.Total))
		}
	case s.NeedsSignIn:
		b.Importance = widget.WarningImportance
		b.SetText("Sync: sign in again")
	case s.PendingDeletions > 0:
		b.Importance = widget.WarningImportance
		b.SetText(fmt.Sprintf("Sync: %d deletions to confirm", s.PendingDeletions))
	case s.LastError != "" && s.LastErrorAt.After(s.LastSuccess):
		b.Importance = widget.WarningImportance
		b.SetText("Sync failed")
	case !s.LastSuccess.IsZero():
		b.SetText("Synced " + formatWhen(s.LastSuccess, time.Now()))
	default:
		b.SetText("Not synced yet")
	}
	b.Refresh()
}

// formatWhen writes t as "14:32" today, else its day and time.
func formatWhen(t, now time.Time) string {
	if day := formatDay(t, now); day != "today" {
		return day + " " + t.Local().Format("15:04")
	}
	return t.Local().Format("15:04")
}

// showSync opens the Sync dialog.
func (w *Window) showSync() {
	cfg, err := w.svc.HubConfig()
	if err != nil {
		w.fail("Reading the Hub settings", err)
		return
	}
	s := &syncDialog{
		url:       widget.NewEntry(),
		apiKey:    widget.NewPasswordEntry(),
		interval:  widget.NewEntry(),
		direction: widget.NewSelect(syncDirections, nil),
		policy:    widget.NewSelect(syncPolicies, nil),
		enabled:   widget.NewCheck("Sync on its own every", nil),
		status:    widget.NewLabel(""),
		conflicts: container.NewVBox(),
		history:   container.NewVBox(),
		deletions: container.NewVBox(),
	}
	s.confirmAll = widget.NewButtonWithIcon("Confirm: move to the trash", theme.DeleteIcon(), func() { w.settleDeletions(s, true) })
	s.keepAll = widget.NewButtonWithIcon("Keep them: send them to the Hub again", theme.ContentUndoIcon(), func() { w.settleDeletions(s, false) })
	s.confirmAll.Importance = widget.DangerImportance
	s.url.SetPlaceHolder("https://hub.example.com")
	s.url.SetText(cfg.URL)
	s.apiKey.SetPlaceHolder("the Hub's API key")
	s.apiKey.SetText(cfg.MaskedAPIKey())
	s.interval.SetText(strconv.Itoa(cfg.SyncIntervalMinutes))
	s.direction.SetSelected(choiceOf(syncDirValues, syncDirections, cfg.Direction))
	s.policy.SetSelected(choiceOf(syncPolValues, syncPolicies, cfg.ConflictPolicy))
	s.enabled.SetChecked(cfg.Enabled)
	s.status.Wrapping = fyne.TextWrapWord
	s.save = widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), func() { w.saveSyncSettings(s) })
	s.syncNow = widget.NewButtonWithIcon("Sync now", theme.ViewRefreshIcon(), func() { w.syncNowFrom(s) })
	s.syncNow.Importance = widget.HighImportance

	form := container.New(layout.NewFormLayout(),
		widget.NewLabel("Hub address"), s.url,
		widget.NewLabel("API key"), s.apiKey,
		widget.NewLabel("Direction"), s.direction,
		widget.NewLabel("When both changed"), s.policy,
		widget.NewLabel(""), container.NewHBox(s.enabled, sized(s.interval, 60), widget.NewLabel("minutes")),
	)
	settings := container.NewVBox(form, container.NewHBox(layout.NewSpacer(), s.save))
	googleButton := widget.NewButtonWithIcon("Google accounts…", theme.AccountIcon(), w.showGoogle)
	statusBox := container.NewVBox(container.NewBorder(nil, nil, nil, container.NewHBox(googleButton, s.syncNow), s.status))
	tabs := container.NewAppTabs(
		container.NewTabItem("Status", container.NewBorder(statusBox, nil, nil, nil,
			container.NewVScroll(s.history))),
		container.NewTabItem("Conflicts", container.NewVScroll(s.conflicts)),
		container.NewTabItem("Hub", settings),
	)
	s.deletionsTab = container.NewTabItem("Deletions", container.NewBorder(nil,
		container.NewHBox(layout.NewSpacer(), s.keepAll, s.confirmAll), nil, nil, container.NewVScroll(s.deletions)))
	tabs.Append(s.deletionsTab)
	s.tabs = tabs
	if cfg.URL == "" {
		tabs.SelectIndex(2)
	}
	w.sync = s
	w.refreshSync()
	d := dialog.NewCustom("Sync with the Hub", "Close", tabs, w.win)
	d.SetOnClosed(func() { w.sync = nil })
	d.Resize(fyne.NewSize(720, 480))
	d.Show()
}

// saveSyncSettings stores the Hub settings of the dialog.
func (w *Window) saveSyncSettings(s *syncDialog) {
	minutes, err := strconv.Atoi(strings.TrimSpace(s.interval.Text))
	if err != nil {
		w.fail("Saving the Hub settings", &app.ValidationError{Fields: map[string]string{"sync_interval_minutes": "is not a number of minutes"}})
		return
	}
	url, key, enabled := s.url.Text, s.apiKey.Text, s.enabled.Checked
	dir := valueOf(syncDirValues, syncDirections, s.direction.Selected)
	pol := valueOf(syncPolValues, syncPolicies, s.policy.Selected)
	patch := app.HubConfigPatch{URL: &url, APIKey: &key, Direction: &dir, ConflictPolicy: &pol,
		SyncIntervalMinutes: &minutes, Enabled: &enabled}
	s.save.Disable()
	background(w, func(context.Context) (app.HubConfig, error) { return w.svc.UpdateHubConfig(patch) },
		func(cfg app.HubConfig, err error) {
			s.save.Enable()
			if err != nil {
				w.fail("Saving the Hub settings", err)
				return
			}
			s.apiKey.SetText(cfg.MaskedAPIKey())
			w.refreshSync()
		})
}

// syncNowFrom runs a sync job now; the status follows it.
func (w *Window) syncNowFrom(s *syncDialog) {
	s.syncNow.Disable()
	background(w, func(ctx context.Context) (*app.SyncJob, error) { return w.svc.SyncNow(ctx, "", "") },
		func(job *app.SyncJob, err error) {
			s.syncNow.Enable()
			if err != nil && (job == nil || job.Error == "") {
				w.fail("Syncing", err)
			}
			w.refreshSync()
		})
}

// showSyncState fills the dialog.
func (w *Window) showSyncState(s *syncDialog, st syncState, withLists bool) {
	now := time.Now()
	switch status := st.status; {
	case !st.configured:
		s.status.SetText("No Hub is set up: give its address and an API key in the Hub tab.")
		s.syncNow.Disable()
	case status.State == "running":
		text := "Syncing"
		if status.Phase != "" {
			text += ": " + map[string]string{"pull": "receiving", "push": "sending", "deletions": "settling deletions"}[status.Phase]
		}
		if status.Total > 0 {
			text += fmt.Sprintf(" %d of %d changes", status.Done, status.Total)
		}
		s.status.SetText(text + "…")
		s.syncNow.Disable()
	default:
		var parts []string
		if !status.LastSuccess.IsZero() {
			parts = append(parts, "Last synced "+formatWhen(status.LastSuccess, now)+".")
		} else {
			parts = append(parts, "Not synced yet.")
		}
		if status.LastError != "" && status.LastErrorAt.After(status.LastSuccess) {
			parts = append(parts, "The last attempt ("+formatWhen(status.LastErrorAt, now)+") failed: "+status.LastError)
		}
		if status.NeedsSignIn {
			parts = append(parts, "The Hub refused this computer's access: set its API key again in the Hub tab; it is not synced meanwhile.")
		}
		if status.PendingDeletions > 0 {
			parts = append(parts, fmt.Sprintf("%d contacts deleted on the Hub wait for your confirmation (Deletions tab).", status.PendingDeletions))
		}
		s.status.SetText(strings.Join(parts, " "))
		s.syncNow.Enable()
	}
	if !withLists {
		return
	}
	showHistory(s.history, st.jobs, "the Hub", now)
	w.showConflicts(s.conflicts, "", "the Hub", st.conflicts, st.names, w.refreshSync)
	s.deletions.RemoveAll()
	if len(st.deletions) == 0 {
		s.deletions.Add(widget.NewLabel("No deletions wait: deletions made on the Hub are applied here unless too many come at once."))
		s.confirmAll.Disable()
		s.keepAll.Disable()
		s.deletionsTab.Text = "Deletions"
		s.tabs.Refresh()
		return
	}
	intro := widget.NewLabel(fmt.Sprintf("%d contacts were deleted on the Hub at once, more than a sync applies without asking. "+
		"Confirm to move them to the trash here too, or keep them: they stay here and the next sync sends them to the Hub again.", len(st.deletions)))
	intro.Wrapping = fyne.TextWrapWord
	s.deletions.Add(intro)
	for _, d := range st.deletions {
		name := d.Name
		if name == "" {
			name = fmt.Sprintf("Contact %d", d.LocalID)
		}
		how := "deleted on the Hub"
		if d.Absent {
			how = "missing from the Hub's list"
		}
		s.deletions.Add(widget.NewLabel(fmt.Sprintf("%s · %s · %s", name, how, formatWhen(d.Found, now))))
	}
	s.confirmAll.Enable()
	s.keepAll.Enable()
	s.deletionsTab.Text = fmt.Sprintf("Deletions (%d)", len(st.deletions))
	s.tabs.Refresh()
}

// settleDeletions confirms or keeps every waiting remote deletion.
func (w *Window) settleDeletions(s *syncDialog, confirm bool) {
	s.confirmAll.Disable()
	s.keepAll.Disable()
	settle, what := w.svc.KeepSyncDeletions, "Keeping the contacts deleted on the Hub"
	if confirm {
		settle, what = w.svc.ConfirmSyncDeletions, "Confirming the deletions"
	}
	background(w, func(ctx context.Context) (app.SyncDeletionsResult, error) { return settle(ctx, "", nil) },
		func(_ app.SyncDeletionsResult, err error) {
			if err != nil {
				w.fail(what, err)
			}
			w.refreshSync()
		})
}

// showHistory fills box with the jobs of a sync with remote.
func showHistory(box *fyne.Container, jobs []*app.SyncJob, remote string, now time.Time) {
	box.RemoveAll()
	if len(jobs) == 0 {
		box.Add(widget.NewLabel("No sync has run yet."))
	}
	for _, j := range jobs {
		l := widget.NewLabel(jobText(j, remote, now))
		l.Wrapping = fyne.TextWrapWord
		if j.Error != "" {
			l.Importance = widget.WarningImportance
		}
		box.Add(l)
	}
}

// showConflicts fills box with the conflicts of account (names: the
// contacts' names by id); flipped runs after a flip.
func (w *Window) showConflicts(box *fyne.Container, account, remote string, cs []*app.SyncConflict, names map[int64]string, flipped func()) {
	box.RemoveAll()
	if len(cs) == 0 {
		box.Add(widget.NewLabel("No conflicts: nothing was changed on both sides at once."))
	}
	for _, c := range cs {
		box.Add(w.conflictRow(account, remote, c, names[c.LocalID], flipped))
	}
}

// jobText is one line of the history of a sync with remote ("the Hub",
// "Google").
func jobText(j *app.SyncJob, remote string, now time.Time) string {
	counts := func(c app.SyncCounts) string {
		return fmt.Sprintf("%d new, %d changed, %d deleted", c.Created, c.Updated, c.Deleted)
	}
	text := fmt.Sprintf("%s · %s · from %s: %s · to %s: %s", formatWhen(j.StartedAt, now),
		choiceOf(syncDirValues, syncDirections, j.Direction), remote, counts(j.Pulled), remote, counts(j.Pushed))
	if j.Conflicts > 0 {
		text += fmt.Sprintf(" · %d conflicts", j.Conflicts)
	}
	if j.FinishedAt.IsZero() && j.Error == "" {
		text += " · did not finish"
	}
	if j.Error != "" {
		text += " · failed: " + j.Error
	}
	for _, n := range j.Notes {
		text += " · " + n
	}
	return text
}

// conflictRow shows one conflict of account (its remote called remote:
// "the Hub", "Google") with the button that flips it; flipped is called
// after a flip.
func (w *Window) conflictRow(account, remote string, c *app.SyncConflict, name string, flipped func()) fyne.CanvasObject {
	if name == "" {
		name = fmt.Sprintf("Contact %d", c.LocalID)
	}
	field := capitalise(strings.ReplaceAll(c.Field, "_", " "))
	if label := fieldLabels[c.Field]; label != "" {
		field = label
	}
	if c.Key != "" {
		field += " " + c.Key
	}
	text := fmt.Sprintf("%s · %s\nOn this computer: %s\nOn %s: %s", name, field, conflictValue(c.Local), remote, conflictValue(c.Remote))
	if c.Field == "deleted" {
		text = fmt.Sprintf("%s\nDeleted on one side while changed on the other.", name)
	}
	winner := map[string]string{"local": "this computer's", "remote": remote + "'s"}[c.Resolution]
	kept := widget.NewLabel(fmt.Sprintf("Kept %s", winner))
	if c.Flipped {
		kept.SetText(fmt.Sprintf("Kept %s (you chose)", winner))
	}
	other := map[string]string{"local": "Use " + remote + "'s", "remote": "Use this computer's"}[c.Resolution]
	flip := widget.NewButton(other, func() {
		background(w, func(ctx context.Context) (*app.SyncConflict, error) {
			return w.svc.FlipSyncConflict(ctx, account, c.ID)
		},
			func(_ *app.SyncConflict, err error) {
				if err != nil {
					w.fail("Changing the conflict's choice", err)
				}
				flipped()
			})
	})
	label := widget.NewLabel(text)
	label.Wrapping = fyne.TextWrapWord
	if c.Field == "photo" {
		// The photo that lost is kept nowhere: nothing to flip back to.
		label.SetText(fmt.Sprintf("%s\nPhoto changed on both sides; set another one on the contact to change it.", name))
		return container.NewBorder(nil, widget.NewSeparator(), nil, kept, label)
	}
	return container.NewBorder(nil, widget.NewSeparator(), nil, container.NewVBox(kept, flip), label)
}

// conflictValue shows a value of a conflict: text as it is, "(empty)"
// for nothing, anything else as compact JSON.
func conflictValue(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" || string(raw) == `""` {
		return "(empty)"
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}
