package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
)

// The window's shortcuts, as GNOME Contacts has them. Ctrl is Cmd on macOS.
var (
	shortcutNew      = &desktop.CustomShortcut{KeyName: fyne.KeyN, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutFind     = &desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutSave     = &desktop.CustomShortcut{KeyName: fyne.KeyReturn, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutSaveKP   = &desktop.CustomShortcut{KeyName: fyne.KeyEnter, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutSaveS    = &desktop.CustomShortcut{KeyName: fyne.KeyS, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutDelete   = &desktop.CustomShortcut{KeyName: fyne.KeyDelete, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutShortcut = []*desktop.CustomShortcut{shortcutNew, shortcutFind, shortcutSave, shortcutSaveKP, shortcutSaveS, shortcutDelete,
		shortcutImport, shortcutExport, shortcutQuit}
)

// registerShortcuts adds the window's shortcuts to its canvas, for when
// no text entry has the focus; entries forward them (see entry).
func (w *Window) registerShortcuts(c fyne.Canvas) {
	for _, s := range shortcutShortcut {
		c.AddShortcut(s, func(sh fyne.Shortcut) { w.handleShortcut(sh) })
	}
	c.SetOnTypedKey(func(ev *fyne.KeyEvent) { w.typedKey(ev) })
}

// typedKey handles the keys without a modifier the window reacts to, and
// reports whether ev was one: Escape, and F1 for the shortcut list.
func (w *Window) typedKey(ev *fyne.KeyEvent) bool {
	switch ev.Name {
	case fyne.KeyEscape:
		w.escape()
	case fyne.KeyF1:
		w.showHelp()
	default:
		return false
	}
	return true
}

// helpText lists the shortcuts.
const helpText = `Ctrl+N	New contact
Ctrl+F	Search
Ctrl+Return	Save the contact being edited (also Ctrl+S)
Escape	Cancel the edit, clear the search, or close the contact
Ctrl+Delete	Move the selected contact to the Trash
Ctrl+I	Import contacts from vCard, CSV or JSON files
Ctrl+E	Export contacts
Ctrl+Q	Quit
Return in the search	Open the first match
F1	This list`

// showHelp shows the shortcuts and the version.
func (w *Window) showHelp() {
	grid := container.New(layout.NewFormLayout())
	for _, line := range strings.Split(helpText, "\n") {
		key, what, _ := strings.Cut(line, "\t")
		grid.Add(widget.NewLabelWithStyle(key, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
		grid.Add(widget.NewLabel(what))
	}
	version := w.version
	if version == "" {
		version = "development build"
	}
	about := widget.NewLabel("Humans " + version + " – your contacts, on this computer.")
	about.Importance = widget.LowImportance
	dialog.ShowCustom("Keyboard shortcuts", "Close", container.NewVBox(grid, widget.NewSeparator(), about), w.win)
}

// handleShortcut runs the action of one of the window's shortcuts and
// reports whether s was one.
func (w *Window) handleShortcut(s fyne.Shortcut) bool {
	switch s.ShortcutName() {
	case shortcutNew.ShortcutName():
		w.newContact()
	case shortcutFind.ShortcutName():
		w.focusSearch()
	case shortcutSave.ShortcutName(), shortcutSaveKP.ShortcutName(), shortcutSaveS.ShortcutName():
		if w.editor != nil {
			w.editor.save()
		}
	case shortcutDelete.ShortcutName():
		if w.editor == nil {
			w.deleteSelected()
		}
	case shortcutImport.ShortcutName():
		w.importContacts()
	case shortcutExport.ShortcutName():
		w.exportContacts()
	case shortcutQuit.ShortcutName():
		w.quit()
	default:
		return false
	}
	return true
}

// escape cancels the edit, else clears the search, else the selection.
func (w *Window) escape() {
	switch {
	case w.editor != nil:
		w.editor.cancel()
	case w.search.Text != "":
		w.search.SetText("")
		w.win.Canvas().Unfocus()
	case w.selected != 0:
		w.clearSelection()
	}
}

// focusSearch moves the focus to the search entry with its text selected,
// so typing replaces it.
func (w *Window) focusSearch() {
	w.win.Canvas().Focus(w.search)
	w.search.TypedShortcut(&fyne.ShortcutSelectAll{})
}

// entry is a text entry that passes the window's shortcuts and Escape on
// to the window: a focused widget.Entry swallows every shortcut it does
// not know. Ctrl+Delete stays the entry's (delete the next word).
type entry struct {
	widget.Entry
	w *Window
}

func newEntry(w *Window) *entry {
	e := &entry{w: w}
	e.ExtendBaseWidget(e)
	return e
}

func newMultiLineEntry(w *Window) *entry {
	e := newEntry(w)
	e.MultiLine = true
	e.Wrapping = fyne.TextWrapWord
	return e
}

// TypedShortcut forwards the window's shortcuts, except Ctrl+Delete.
func (e *entry) TypedShortcut(s fyne.Shortcut) {
	if e.w != nil && s.ShortcutName() != shortcutDelete.ShortcutName() && e.w.handleShortcut(s) {
		return
	}
	e.Entry.TypedShortcut(s)
}

// TypedKey sends Escape and F1 to the window.
func (e *entry) TypedKey(ev *fyne.KeyEvent) {
	if e.w != nil && (ev.Name == fyne.KeyEscape || ev.Name == fyne.KeyF1) && e.w.typedKey(ev) {
		return
	}
	e.Entry.TypedKey(ev)
}
