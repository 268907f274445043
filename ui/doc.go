// Package ui is the Fyne window of Humans. It reads and writes only through
// app.Service and never imports store.
//
// One file per screen: window.go assembles the window and owns the
// current view (search text, favourites filter, trash), list.go the
// virtualised contact list, detail.go the read-only card of the selected
// contact, editor.go the create and edit form, trash.go the trash actions,
// photo.go the contact photo, shortcuts.go the keyboard shortcuts,
// menu.go the main menu, and importexport.go the import (file, dry run,
// import with progress, result) and export (format, which contacts, file)
// dialogs. Pure helpers (birthday parsing, the secondary line of a row,
// mapping validation keys to form fields) live in format.go, those of
// import and export (file names, summaries, progress) in
// importexport_text.go, small widgets and icons in widgets.go.
//
// Threading: every service call runs on a goroutine of its own and its
// result is applied on the UI goroutine with fyne.Do; widgets are only
// touched there.
package ui
