package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
)

// The main menu: File (new contact, import, export, quit) and Help.
// Fyne shows it as the window's menu bar, or in the macOS menu bar.

var (
	shortcutImport = &desktop.CustomShortcut{KeyName: fyne.KeyI, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutExport = &desktop.CustomShortcut{KeyName: fyne.KeyE, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutQuit   = &desktop.CustomShortcut{KeyName: fyne.KeyQ, Modifier: fyne.KeyModifierShortcutDefault}
	// shortcutHelp is shown in the menu only: F1 has no modifier, so the
	// window's key handler runs it (see typedKey).
	shortcutHelp = &desktop.CustomShortcut{KeyName: fyne.KeyF1}
)

func (w *Window) mainMenu() *fyne.MainMenu {
	item := func(label string, icon fyne.Resource, s fyne.Shortcut, action func()) *fyne.MenuItem {
		i := fyne.NewMenuItemWithIcon(label, icon, action)
		i.Shortcut = s
		return i
	}
	quit := item("Quit", nil, shortcutQuit, w.quit)
	quit.IsQuit = true
	return fyne.NewMainMenu(
		fyne.NewMenu("File",
			item("New contact", theme.ContentAddIcon(), shortcutNew, w.newContact),
			fyne.NewMenuItemSeparator(),
			item("Import…", theme.DownloadIcon(), shortcutImport, w.importContacts),
			item("Export…", theme.UploadIcon(), shortcutExport, w.exportContacts),
			fyne.NewMenuItemSeparator(),
			item("Connect a phone…", theme.ComputerIcon(), nil, w.showConnect),
			item("Sync with the Hub…", theme.ViewRefreshIcon(), nil, w.showSync),
			item("Google accounts…", theme.AccountIcon(), nil, w.showGoogle),
			fyne.NewMenuItemSeparator(),
			quit,
		),
		fyne.NewMenu("Help",
			item("Keyboard shortcuts", theme.HelpIcon(), shortcutHelp, w.showHelp),
		),
	)
}

// quit closes the window (Ctrl+Q, the close button), after asking when
// an edit is unsaved or an import is running.
func (w *Window) quit() {
	if f := w.imports; f != nil && f.phase == importRunning {
		w.confirm("Stop the import?", "The contacts imported so far are kept.", "Quit", func() {
			f.cancelled()
			w.leaveEditor(w.win.Close, nil)
		}, nil)
		return
	}
	w.leaveEditor(w.win.Close, nil)
}
