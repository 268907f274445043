package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/humans-contacts/humans/app"
	"github.com/humans-contacts/humans/assets"
)

// AppID is the Fyne application id (preferences, the desktop file).
const AppID = "app.humans.contacts"

// searchDelay is how long the search waits for the typing to pause.
const searchDelay = 150 * time.Millisecond

// Run opens the window on svc and returns when it is closed.
func Run(svc *app.Service, version string, opts ...Option) error {
	a := fyneapp.NewWithID(AppID)
	a.SetIcon(assets.IconResource())
	win := a.NewWindow("Humans")
	win.SetIcon(assets.IconResource())
	w := New(a, win, svc)
	w.version = version
	for _, o := range opts {
		o(w)
	}
	win.Resize(fyne.NewSize(1100, 720))
	win.SetMaster()
	win.ShowAndRun()
	w.close()
	return nil
}

// RunAlreadyRunning shows a small window saying that another Humans holds
// the data directory, for a person who started the app a second time
// from a launcher (where nothing shows a message on stderr).
func RunAlreadyRunning(dataDir string) {
	a := fyneapp.NewWithID(AppID)
	a.SetIcon(assets.IconResource())
	win := a.NewWindow("Humans")
	win.SetContent(alreadyRunningContent(dataDir, a.Quit))
	win.SetFixedSize(true)
	win.ShowAndRun()
}

// alreadyRunningContent is the message of RunAlreadyRunning.
func alreadyRunningContent(dataDir string, ok func()) fyne.CanvasObject {
	msg := widget.NewLabel("Humans is already running.\nSwitch to its window; the contacts in\n" + dataDir + "\nare open there.")
	return container.NewVBox(msg, container.NewCenter(widget.NewButton("OK", ok)))
}

// Window is the main window: the contact list on the left, the selected
// contact (or the editor) on the right.
type Window struct {
	win     fyne.Window
	svc     *app.Service
	version string

	// ctx ends when the window closes; every service call uses it.
	ctx    context.Context
	cancel context.CancelFunc
	// do runs a function on the UI goroutine: fyne.Do, or a queue the
	// tests drain.
	do        func(func())
	closeOnce sync.Once
	unsub     func()

	// confirm asks a yes/no question; ok runs on yes, no (if set) on no.
	// Tests replace it.
	confirm func(title, message, yes string, ok, no func())
	// showError tells the person about a failure, inform about a success.
	// Tests replace them.
	showError func(err error)
	inform    func(title, message string)

	server  PhoneServer    // the local CardDAV server, if any (connect.go)
	connect *connectDialog // the Connect a phone dialog, while open

	syncButton *widget.Button  // the toolbar's sync status (sync.go)
	sync       *syncDialog     // the Sync dialog, while open
	google     *googleDialog   // the Google accounts dialog, while open
	activity   *activityDialog // an account's history and conflicts, while open

	imports *importFlow // the import dialog, while one is open
	exports *exportFlow // the export dialog, while one is open
	lastDir string      // the folder last imported from or exported to
	// prefs keeps what the window remembers between runs (the export
	// format).
	prefs fyne.Preferences

	view      viewState
	loading   bool // a query is running
	dirty     bool // the view changed or the book did while it ran
	bookEmpty bool
	debounce  *time.Timer
	// selectFirstLoaded selects the first row when the running query
	// answers (Return in the search before it ran).
	selectFirstLoaded bool
	// reveal scrolls the list to the selected contact when a query next
	// shows it (after saving a new contact).
	reveal bool

	list        *contactList
	search      *entry
	newButton   *widget.Button
	favButton   *widget.Button
	trashButton *widget.Button
	emptyTrash  *widget.Button
	status      *widget.Label
	emptyLabel  *widget.Label
	emptyIcon   *widget.Icon
	bottom      *fyne.Container // the status line and Empty Trash
	emptyState  fyne.CanvasObject
	right       *fyne.Container // holds the empty state, the detail or the editor
	content     fyne.CanvasObject

	refreshing   bool // the contact on the right is being read again
	refreshAgain bool // and changed again meanwhile

	selected int64       // the id of the contact on the right; 0 for none
	detail   *detailPane // the contact shown, when not editing
	editor   *editor     // the open editor, or nil
}

// New builds the window's content on win, subscribes to the service's
// changes (until win closes) and starts loading the list. a is the app
// win belongs to (test.NewTempApp in tests).
func New(a fyne.App, win fyne.Window, svc *app.Service) *Window {
	return newWindow(a, win, svc, fyne.Do)
}

func newWindow(a fyne.App, win fyne.Window, svc *app.Service, do func(func())) *Window {
	ctx, cancel := context.WithCancel(context.Background())
	w := &Window{win: win, svc: svc, ctx: ctx, cancel: cancel, do: do, prefs: a.Preferences()}
	w.confirm = w.confirmDialog
	w.showError = func(err error) { dialog.ShowError(err, w.win) }
	w.inform = func(title, message string) { dialog.ShowInformation(title, message, w.win) }
	w.build()
	win.SetContent(w.content)
	win.SetMainMenu(w.mainMenu())
	w.registerShortcuts(win.Canvas())
	win.SetOnClosed(w.close)
	// Closing the window with unsaved changes, or during an import, asks
	// first.
	win.SetCloseIntercept(w.quit)

	events, unsub := svc.Subscribe()
	w.unsub = unsub
	go func() {
		for ev := range events {
			w.do(func() { w.storeChanged(ev) })
		}
	}()
	w.reload()
	w.followSync()
	return w
}

// Content is the window's content, for embedding and tests.
func (w *Window) Content() fyne.CanvasObject { return w.content }

// close ends the subscription and cancels what is still running.
func (w *Window) close() {
	w.closeOnce.Do(func() {
		if w.debounce != nil {
			w.debounce.Stop()
		}
		w.unsub()
		w.cancel()
	})
}

func (w *Window) build() {
	w.list = newContactList(w.svc, w.selectContact)
	w.list.retention = func() int { return w.svc.Settings().TrashRetentionDays }

	w.search = newEntry(w)
	w.search.SetPlaceHolder("Search name, company, e-mail, phone…")
	w.search.ActionItem = widget.NewIcon(theme.SearchIcon())
	w.search.OnChanged = func(string) { w.searchChanged() }
	w.search.OnSubmitted = func(string) { w.selectFirst() }

	w.newButton = widget.NewButtonWithIcon("New contact", theme.ContentAddIcon(), w.newContact)
	w.newButton.Importance = widget.HighImportance
	w.favButton = widget.NewButtonWithIcon("Favourites", starOutlineIcon(), w.toggleFavourites)
	w.trashButton = widget.NewButtonWithIcon("Trash", theme.DeleteIcon(), w.toggleTrash)
	w.emptyTrash = widget.NewButtonWithIcon("Empty Trash", theme.DeleteIcon(), w.emptyTheTrash)
	w.emptyTrash.Importance = widget.DangerImportance
	w.emptyTrash.Hide()
	w.syncButton = w.newSyncButton()
	w.status = widget.NewLabel("Loading…")
	w.status.Importance = widget.LowImportance
	w.status.Truncation = fyne.TextTruncateEllipsis
	w.updateToolbar()

	toolbar := container.NewBorder(nil, nil, w.newButton, container.NewHBox(w.syncButton, w.favButton, w.trashButton))
	top := container.NewVBox(toolbar, w.search)
	w.bottom = container.NewBorder(nil, nil, nil, w.emptyTrash, w.status)
	left := container.NewBorder(top, w.bottom, nil, nil, w.list.list)

	w.emptyLabel = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{})
	w.emptyLabel.Wrapping = fyne.TextWrapWord
	w.emptyLabel.Importance = widget.LowImportance
	w.emptyIcon = widget.NewIcon(theme.AccountIcon())
	w.emptyState = container.NewCenter(container.NewVBox(
		container.NewCenter(w.emptyIcon),
		sized(w.emptyLabel, 360),
	))
	w.right = container.NewStack(w.emptyState)
	w.detail = newDetailPane(w)

	split := container.NewHSplit(left, w.right)
	split.Offset = 0.34
	w.content = split
}

// updateToolbar shows which filters are on.
func (w *Window) updateToolbar() {
	w.favButton.Importance = widget.MediumImportance
	w.favButton.SetIcon(starOutlineIcon())
	if w.view.favourites {
		w.favButton.Importance = widget.HighImportance
		w.favButton.SetIcon(starIcon())
	}
	w.trashButton.Importance = widget.MediumImportance
	if w.view.trash {
		w.trashButton.Importance = widget.HighImportance
		w.favButton.Disable()
		w.emptyTrash.Show()
	} else {
		w.favButton.Enable()
		w.emptyTrash.Hide()
	}
	w.favButton.Refresh()
	w.trashButton.Refresh()
	if w.bottom != nil {
		w.bottom.Refresh()
	}
}

// background runs work off the UI goroutine and hands its result to
// apply on the UI goroutine. apply is skipped once the window is closed.
func background[T any](w *Window, work func(ctx context.Context) (T, error), apply func(T, error)) {
	ctx := w.ctx
	go func() {
		v, err := work(ctx)
		if ctx.Err() != nil {
			return
		}
		w.do(func() {
			if w.ctx.Err() != nil {
				return
			}
			apply(v, err)
		})
	}()
}

// fail tells the person that an operation failed. Validation errors are
// shown next to their fields by the editor, never here.
func (w *Window) fail(what string, err error) {
	if err == nil || errors.Is(err, context.Canceled) {
		return
	}
	msg := err.Error()
	var verr *app.ValidationError
	switch {
	case errors.As(err, &verr):
		var parts []string
		for _, key := range sortedKeys(verr.Fields) {
			label := fieldLabels[key]
			if label == "" {
				label = capitalise(strings.ReplaceAll(key, "_", " "))
			}
			parts = append(parts, errorText(label, verr.Fields[key]))
		}
		msg = strings.Join(parts, "; ")
	case errors.Is(err, app.ErrNotFound):
		msg = "This contact no longer exists."
	case errors.Is(err, app.ErrConflict):
		msg = "This contact was changed elsewhere in the meantime. Look at it again and retry."
	}
	w.showError(fmt.Errorf("%s: %s", what, msg))
}

func (w *Window) confirmDialog(title, message, yes string, ok, no func()) {
	d := dialog.NewConfirm(title, message, func(b bool) {
		switch {
		case b && ok != nil:
			ok()
		case !b && no != nil:
			no()
		}
	}, w.win)
	d.SetConfirmText(yes)
	d.SetDismissText("Cancel")
	d.Show()
}

// --- the list -------------------------------------------------------------

// reload runs the view's query off the UI goroutine and shows its ids.
// One query runs at a time; a change during it runs one more.
func (w *Window) reload() {
	if w.loading {
		w.dirty = true
		return
	}
	w.loading, w.dirty = true, false
	view := w.view
	background(w, func(ctx context.Context) ([]int64, error) {
		return w.svc.HumanIDs(ctx, view.query())
	}, func(ids []int64, err error) {
		w.loading = false
		if view != w.view {
			// The person changed the view meanwhile: this answer is moot.
			w.reload()
			return
		}
		switch {
		case err != nil:
			w.status.SetText("Could not read the contacts")
			w.fail("Reading the contacts", err)
		default:
			// Shown even if the book changed meanwhile, so that a long
			// stream of changes (an import, a sync) cannot starve the list.
			w.showIDs(ids)
		}
		if w.dirty {
			w.reload()
		}
	})
}

// showIDs puts ids in the list, keeping the selected contact selected.
func (w *Window) showIDs(ids []int64) {
	w.list.trash = w.view.trash
	if w.list.setIDs(ids, w.selected) && w.reveal {
		w.list.list.ScrollTo(w.list.indexOf(w.selected))
	}
	if w.list.indexOf(w.selected) >= 0 {
		w.reveal = false
	}
	if w.selectFirstLoaded {
		w.selectFirstLoaded = false
		if len(ids) > 0 && ids[0] != w.selected {
			w.list.list.Select(0)
		}
	}
	w.status.SetText(statusText(len(ids), w.view))
	if w.view == (viewState{}) {
		w.bookEmpty = len(ids) == 0
	} else if len(ids) > 0 && !w.view.trash {
		w.bookEmpty = false
	}
	w.updateEmptyState()
}

func (w *Window) updateEmptyState() {
	w.emptyLabel.SetText(emptyStateText(w.list.Length(), w.bookEmpty, w.view))
	if w.view.trash {
		w.emptyIcon.SetResource(theme.DeleteIcon())
	} else {
		w.emptyIcon.SetResource(theme.AccountIcon())
	}
	if w.view.trash && w.list.Length() > 0 {
		w.emptyTrash.Enable()
	} else {
		w.emptyTrash.Disable()
	}
}

// searchChanged restarts the pause the search waits for.
func (w *Window) searchChanged() {
	if w.debounce != nil {
		w.debounce.Stop()
	}
	w.debounce = time.AfterFunc(searchDelay, func() {
		w.do(func() {
			if w.view.text == w.search.Text {
				return
			}
			w.view.text = w.search.Text
			w.reveal = true
			w.reload()
		})
	})
}

// selectFirst shows the first contact of the list (Return in the search).
func (w *Window) selectFirst() {
	if w.view.text != w.search.Text || w.loading {
		// The search has not run yet: run it now, and select when its
		// answer comes.
		if w.debounce != nil {
			w.debounce.Stop()
		}
		w.selectFirstLoaded = true
		if w.view.text != w.search.Text {
			w.view.text = w.search.Text
			w.reload()
		}
		return
	}
	if w.list.Length() > 0 {
		w.list.list.Select(0)
	}
}

func (w *Window) toggleFavourites() {
	w.leaveEditor(func() {
		w.view.favourites = !w.view.favourites
		w.reveal = true
		w.updateToolbar()
		w.reload()
	}, nil)
}

func (w *Window) toggleTrash() {
	w.leaveEditor(func() {
		w.view.trash = !w.view.trash
		w.clearSelection()
		w.updateToolbar()
		w.reload()
	}, nil)
}

// --- the right pane --------------------------------------------------------

func (w *Window) setRight(o fyne.CanvasObject) {
	w.right.Objects = []fyne.CanvasObject{o}
	w.right.Refresh()
}

// selectContact is the person choosing a row.
func (w *Window) selectContact(id int64) {
	if id == w.selected && w.editor == nil {
		return
	}
	previous := w.selected
	w.leaveEditor(func() { w.showContact(id) }, func() {
		// Stay in the editor; put the highlight back.
		if previous != 0 {
			w.list.selectID(previous)
		} else {
			w.list.unselect()
		}
	})
}

// showContact loads contact id and shows it on the right.
func (w *Window) showContact(id int64) {
	w.selected = id
	w.list.selectID(id)
	background(w, func(ctx context.Context) (detailData, error) {
		return loadDetail(ctx, w.svc, id)
	}, func(d detailData, err error) {
		if w.selected != id || w.editor != nil {
			return
		}
		if err != nil {
			w.clearSelection()
			w.fail("Opening the contact", err)
			return
		}
		w.detail.show(d, w.view.trash)
		w.setRight(w.detail.content)
	})
}

// clearSelection empties the right pane.
func (w *Window) clearSelection() {
	w.selected = 0
	w.detail.clear()
	w.list.unselect()
	w.updateEmptyState()
	w.setRight(w.emptyState)
}

// storeChanged follows a change made anywhere (this window, a phone over
// CardDAV, a sync): the list is queried again and the contact on the
// right is read again.
func (w *Window) storeChanged(app.Event) {
	w.reload()
	w.refreshSelected()
}

// refreshSelected reads the contact on the right again and shows it if it
// changed, or closes it if it is gone. One read runs at a time; a change
// during it runs one more.
func (w *Window) refreshSelected() {
	if w.selected == 0 {
		return
	}
	if w.refreshing {
		w.refreshAgain = true
		return
	}
	w.refreshing, w.refreshAgain = true, false
	id := w.selected
	background(w, func(ctx context.Context) (detailData, error) {
		return loadDetail(ctx, w.svc, id)
	}, func(d detailData, err error) {
		w.refreshing = false
		if w.refreshAgain {
			defer w.refreshSelected()
		}
		if w.selected != id {
			return
		}
		gone := errors.Is(err, app.ErrNotFound) || (err == nil && (d.human.DeletedAt != nil) != w.view.trash)
		if w.editor != nil {
			if w.editor.base != nil && w.editor.base.ID == id {
				switch {
				case gone:
					w.editor.changedElsewhere("This contact was deleted elsewhere.")
				case err == nil && d.human.ETag != w.editor.base.ETag:
					w.editor.changedElsewhere("This contact was changed elsewhere since you began editing.")
				}
			}
			return
		}
		switch {
		case gone:
			w.clearSelection()
		case err != nil:
			// Keep what is shown; the next change tries again.
		case w.detail.human == nil || d.human.ETag != w.detail.human.ETag || d.groupsChanged(w.detail.data):
			w.detail.show(d, w.view.trash)
			w.setRight(w.detail.content)
		}
	})
}

// --- actions -------------------------------------------------------------

// newContact opens the editor on a new contact (Ctrl+N).
func (w *Window) newContact() {
	if w.editor != nil && w.editor.base == nil {
		w.editor.focusFirst()
		return
	}
	w.leaveEditor(func() {
		if w.view.trash {
			w.view.trash = false
			w.updateToolbar()
			w.reload()
		}
		w.openEditor(nil)
	}, nil)
}

// editSelected opens the editor on the contact shown.
func (w *Window) editSelected() {
	if w.detail.human == nil || w.view.trash {
		return
	}
	w.openEditor(w.detail.human)
}

// openEditor loads the companies and groups the form offers and opens
// it on h, or on a new contact when h is nil.
func (w *Window) openEditor(h *app.Human) {
	background(w, loadChoices(w.svc), func(c choices, err error) {
		if err != nil {
			w.fail("Opening the editor", err)
			return
		}
		if w.editor != nil {
			return
		}
		if h == nil {
			w.selected = 0
			w.list.unselect()
		}
		w.editor = newEditor(w, h, c)
		w.setRight(w.editor.content)
		w.editor.focusFirst()
	})
}

// closeEditor drops the editor and shows what was selected.
func (w *Window) closeEditor() {
	if w.editor == nil {
		return
	}
	w.editor = nil
	w.win.Canvas().Unfocus()
	if w.selected != 0 && w.detail.human != nil && w.detail.human.ID == w.selected {
		w.setRight(w.detail.content)
		w.list.selectID(w.selected)
		return
	}
	if w.selected != 0 {
		w.showContact(w.selected)
		return
	}
	w.clearSelection()
}

// saved is the editor reporting a stored contact: show it.
func (w *Window) saved(h *app.Human) {
	w.editor = nil
	w.win.Canvas().Unfocus()
	w.selected = h.ID
	w.reveal = true
	w.detail.human = nil
	w.showContact(h.ID)
	w.reload()
}

// leaveEditor runs next, after asking whether to discard the editor's
// changes if it has any; no runs if the person keeps editing.
func (w *Window) leaveEditor(next, no func()) {
	if w.editor == nil {
		next()
		return
	}
	if !w.editor.dirty {
		w.closeEditor()
		next()
		return
	}
	w.confirm("Discard changes?", "Your changes to "+w.editor.name()+" have not been saved.", "Discard",
		func() {
			w.closeEditor()
			next()
		}, no)
}

// toggleFavouriteSelected flips the star of the contact shown.
func (w *Window) toggleFavouriteSelected() {
	h := w.detail.human
	if h == nil {
		return
	}
	background(w, func(ctx context.Context) (bool, error) {
		return w.svc.ToggleFavorite(ctx, h.ID)
	}, func(_ bool, err error) {
		if err != nil {
			w.fail("Changing the favourite", err)
		}
		// The change event refreshes the list and the card.
	})
}

// deleteSelected moves the contact shown to the trash, or in the trash
// view deletes it for good, after asking (Ctrl+Delete).
func (w *Window) deleteSelected() {
	h := w.detail.human
	if h == nil || w.selected != h.ID {
		return
	}
	if w.view.trash {
		w.deleteForever(h)
		return
	}
	days := w.svc.Settings().TrashRetentionDays
	w.confirm("Move to Trash?",
		fmt.Sprintf("You can restore it from the Trash for %d days.", days),
		"Move to Trash", func() {
			background(w, func(ctx context.Context) (struct{}, error) {
				return struct{}{}, w.svc.TrashHuman(ctx, h.ID, h.ETag)
			}, func(_ struct{}, err error) {
				if err != nil {
					w.fail("Moving to the Trash", err)
					return
				}
				if w.selected == h.ID {
					w.clearSelection()
				}
				w.reload()
			})
		}, nil)
}
