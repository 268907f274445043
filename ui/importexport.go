package ui

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/humans-contacts/humans/app"
)

// Import (Ctrl+I): pick a file, see what a dry run says would happen,
// then import with a progress bar and a Cancel button; Export (Ctrl+E):
// pick a format and which contacts, then a file. The service does the
// work off the UI goroutine; the texts come from importexport_text.go.

// --- file pickers ------------------------------------------------------------

// pickImportFile asks for a contacts file and hands its path to then.
func (w *Window) pickImportFile(then func(path string)) {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			w.fail("Opening the file", err)
			return
		}
		if r == nil {
			return // cancelled
		}
		u := r.URI()
		r.Close()
		if u.Scheme() != "file" {
			w.fail("Opening the file", fmt.Errorf("%s is not a local file", u))
			return
		}
		w.lastDir = filepath.Dir(u.Path())
		then(u.Path())
	}, w.win)
	d.SetTitleText("Import contacts")
	d.SetConfirmText("Choose")
	d.SetFilter(storage.NewExtensionFileFilter(importExtensions))
	w.startIn(d)
	d.Resize(w.dialogSize(900, 620))
	d.Show()
}

// pickExportFile asks where to write, proposing name, and hands the path
// to then.
func (w *Window) pickExportFile(name string, then func(path string)) {
	d := dialog.NewFileSave(func(wc fyne.URIWriteCloser, err error) {
		if err != nil {
			w.fail("Choosing the file", err)
			return
		}
		if wc == nil {
			return // cancelled
		}
		// The dialog has created (or emptied) the file; the export writes
		// a temporary file beside it and renames it over, so the file is
		// never seen half written.
		u := wc.URI()
		wc.Close()
		if u.Scheme() != "file" {
			w.fail("Exporting", fmt.Errorf("%s is not a local file", u))
			return
		}
		w.lastDir = filepath.Dir(u.Path())
		then(u.Path())
	}, w.win)
	d.SetTitleText("Export contacts")
	d.SetFileName(name)
	w.startIn(d)
	d.Resize(w.dialogSize(900, 620))
	d.Show()
}

// startIn opens a file dialog in the folder last used.
func (w *Window) startIn(d *dialog.FileDialog) {
	if w.lastDir == "" {
		return
	}
	if l, err := storage.ListerForURI(storage.NewFileURI(w.lastDir)); err == nil {
		d.SetLocation(l)
	}
}

// dialogSize is width×height, or less on a smaller window.
func (w *Window) dialogSize(width, height float32) fyne.Size {
	s := w.win.Canvas().Size()
	if s.Width > 0 && s.Height > 0 {
		width, height = min(width, s.Width-40), min(height, s.Height-40)
	}
	return fyne.NewSize(width, height)
}

// --- import ------------------------------------------------------------------

// importPhase is where an import is.
type importPhase int

const (
	importChecking importPhase = iota // the dry run runs
	importConfirm                     // its answer waits for Import or Cancel
	importRunning                     // the import runs
	importFinished                    // done, failed or cancelled: the result is shown
)

// importFlow is one import, from the dry run to the result.
type importFlow struct {
	w     *Window
	paths []string
	phase importPhase
	// run counts the service calls, so that a late progress report of an
	// earlier one is ignored.
	run    int
	cancel context.CancelFunc

	preview app.ImportResult // the dry run's answer
	result  app.ImportResult // the import's
	err     error            // why the last run stopped

	dlg          *dialog.CustomDialog
	files        *widget.Label
	summary      *widget.Label
	created      *widget.Label
	report       *fyne.Container // the lists of problems and actions
	bar          *widget.ProgressBar
	barUnknown   *widget.ProgressBarInfinite
	status       *widget.Label
	addButton    *widget.Button
	cancelButton *widget.Button
	importButton *widget.Button

	// The result dialog, once shown.
	resultDlg     *dialog.CustomDialog
	resultSummary *widget.Label

	// pending is the latest progress report not yet shown; reports come
	// from the importing goroutine and are coalesced into one fyne.Do.
	pending atomic.Pointer[importUpdate]
}

// importUpdate is a progress report, prepared off the UI goroutine.
type importUpdate struct {
	run      int
	fraction float64
	known    bool
	text     string
}

// importContacts starts an import (Ctrl+I): a file first, or the import
// under way again if there is one.
func (w *Window) importContacts() {
	if w.imports != nil {
		w.imports.dlg.Show()
		return
	}
	w.pickImportFile(func(path string) { w.importFiles([]string{path}) })
}

// importFiles opens the import dialog on paths and starts the dry run.
func (w *Window) importFiles(paths []string) {
	if w.imports != nil {
		w.imports.addFiles(paths)
		return
	}
	f := &importFlow{w: w}
	w.imports = f
	f.build()
	f.dlg.Show()
	f.addFiles(paths)
}

func (f *importFlow) build() {
	f.files = widget.NewLabel("")
	f.files.Wrapping = fyne.TextWrapWord
	f.files.TextStyle.Bold = true
	f.summary = widget.NewLabel("")
	f.summary.Wrapping = fyne.TextWrapWord
	f.created = widget.NewLabel("")
	f.created.Wrapping = fyne.TextWrapWord
	f.created.Importance = widget.LowImportance
	f.report = container.NewStack()
	f.bar = widget.NewProgressBar()
	f.barUnknown = widget.NewProgressBarInfinite()
	f.barUnknown.Hide()
	f.status = widget.NewLabel("")
	f.status.Truncation = fyne.TextTruncateEllipsis
	f.status.Importance = widget.LowImportance

	f.addButton = widget.NewButtonWithIcon("Add file…", theme.ContentAddIcon(), func() {
		f.w.pickImportFile(func(path string) { f.addFiles([]string{path}) })
	})
	f.cancelButton = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), f.cancelled)
	f.importButton = widget.NewButtonWithIcon("Import", theme.DownloadIcon(), f.start)
	f.importButton.Importance = widget.HighImportance

	top := container.NewVBox(f.files, f.summary, f.created)
	bottom := container.NewVBox(container.NewStack(f.bar, f.barUnknown), f.status)
	content := container.NewBorder(top, bottom, nil, nil, f.report)
	f.dlg = dialog.NewCustomWithoutButtons("Import contacts", content, f.w.win)
	f.dlg.SetButtons([]fyne.CanvasObject{f.addButton, f.cancelButton, f.importButton})
	f.dlg.Resize(f.w.dialogSize(680, 520))
}

// addFiles adds paths (those not there yet) and checks them all again.
func (f *importFlow) addFiles(paths []string) {
	if f.phase == importRunning || f.phase == importFinished {
		return
	}
	for _, p := range paths {
		if !slices.Contains(f.paths, p) {
			f.paths = append(f.paths, p)
		}
	}
	names := make([]string, len(f.paths))
	for i, p := range f.paths {
		names[i] = filepath.Base(p)
	}
	f.files.SetText(strings.Join(names, ", "))
	f.check()
}

// check runs the dry run.
func (f *importFlow) check() {
	f.phase = importChecking
	f.summary.SetText("Checking what the import would do…")
	f.created.SetText("")
	f.created.Hide()
	f.setReport(nil)
	f.showBar()
	f.addButton.Disable()
	f.importButton.Disable()
	f.runImport(true)
}

// start runs the import itself (the Import button).
func (f *importFlow) start() {
	if f.phase != importConfirm {
		return
	}
	f.phase = importRunning
	f.summary.SetText("Importing " + importSummaryLower(f.preview) + "…")
	f.setReport(nil)
	f.created.Hide()
	f.showBar()
	f.addButton.Disable()
	f.importButton.Disable()
	f.runImport(false)
}

// importSummaryLower is the dry run's count as the import announces it.
func importSummaryLower(r app.ImportResult) string {
	n := r.Created + r.Updated
	return plural(n, "contact", "contacts", "nothing")
}

func (f *importFlow) showBar() {
	f.bar.SetValue(0)
	f.bar.Show()
	f.barUnknown.Hide()
	f.status.SetText("")
	f.status.Show()
}

// runImport runs ImportFiles off the UI goroutine, reporting progress.
func (f *importFlow) runImport(dryRun bool) {
	w := f.w
	f.run++
	run := f.run
	if f.cancel != nil {
		f.cancel()
	}
	ctx, cancel := context.WithCancel(w.ctx)
	f.cancel = cancel
	paths := slices.Clone(f.paths)
	go func() {
		defer cancel()
		sizes := make([]int64, len(paths))
		for i, p := range paths {
			if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
				sizes[i] = st.Size()
			}
		}
		meter := newImportMeter(paths, sizes)
		progress := func(p app.ImportProgress) {
			u := &importUpdate{run: run, text: progressText(p, dryRun)}
			u.fraction, u.known = meter.fraction(p)
			if f.pending.Swap(u) == nil {
				w.do(func() {
					if u := f.pending.Swap(nil); u != nil && w.ctx.Err() == nil {
						f.showProgress(u)
					}
				})
			}
		}
		res, err := w.svc.ImportFiles(ctx, paths, app.ImportOptions{DryRun: dryRun, Progress: progress})
		if w.ctx.Err() != nil {
			return // the window closed
		}
		w.do(func() {
			if w.ctx.Err() != nil || run != f.run {
				return
			}
			f.finished(dryRun, res, err)
		})
	}()
}

func (f *importFlow) showProgress(u *importUpdate) {
	if u.run != f.run || (f.phase != importChecking && f.phase != importRunning) {
		return
	}
	if u.known {
		f.barUnknown.Hide()
		f.bar.Show()
		f.bar.SetValue(u.fraction)
	} else {
		f.bar.Hide()
		f.barUnknown.Show()
	}
	f.status.SetText(u.text)
}

// finished takes the answer of a dry run or of the import.
func (f *importFlow) finished(dryRun bool, res app.ImportResult, err error) {
	f.err = err
	if !dryRun {
		f.result = res
		f.showResult()
		return
	}
	f.preview = res
	f.phase = importConfirm
	f.bar.Hide()
	f.barUnknown.Hide()
	f.status.Hide()
	f.addButton.Enable()
	if err != nil {
		f.summary.SetText("Could not read the file: " + importErrorText(err))
		f.importButton.Disable()
		return
	}
	f.summary.SetText(importSummary(res))
	if t := importCreatedText(res); t != "" {
		f.created.SetText(t)
		f.created.Show()
	}
	f.setReport(&res)
	if res.Created+res.Updated > 0 {
		f.importButton.Enable()
	}
}

// importErrorText is err without the package prefixes the service adds.
func importErrorText(err error) string {
	msg := err.Error()
	for _, p := range []string{"app: import: ", "app: import ", "interchange: "} {
		msg = strings.ReplaceAll(msg, p, "")
	}
	return msg
}

// setReport shows the problems and actions of r (none when nil).
func (f *importFlow) setReport(r *app.ImportResult) {
	if r == nil {
		f.report.Objects = nil
		f.report.Refresh()
		return
	}
	f.report.Objects = []fyne.CanvasObject{reportView(*r)}
	f.report.Refresh()
}

// reportView is a tab of problems (if any) and one of what happens to
// each record.
func reportView(r app.ImportResult) fyne.CanvasObject {
	var tabs []*container.TabItem
	if lines := problemLines(r); len(lines) > 0 {
		tabs = append(tabs, container.NewTabItemWithIcon(fmt.Sprintf("Problems (%s)", formatCount(r.Failed)), theme.WarningIcon(), linesView(lines)))
	}
	if lines := actionLines(r); len(lines) > 0 {
		tabs = append(tabs, container.NewTabItem("Records", linesView(lines)))
	}
	if len(tabs) == 0 {
		return container.NewStack()
	}
	return container.NewAppTabs(tabs...)
}

// linesView lists lines in a virtualised list of one-line rows; the
// selected line is shown whole underneath.
func linesView(lines []string) fyne.CanvasObject {
	full := widget.NewLabel("")
	full.Wrapping = fyne.TextWrapWord
	full.Hide()
	l := widget.NewList(
		func() int { return len(lines) },
		func() fyne.CanvasObject {
			lbl := widget.NewLabel("")
			lbl.Truncation = fyne.TextTruncateEllipsis
			return lbl
		},
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(lines[i]) },
	)
	l.OnSelected = func(i widget.ListItemID) {
		full.SetText(lines[i])
		full.Show()
	}
	return container.NewBorder(nil, full, nil, nil, l)
}

// cancelled is the Cancel button: it stops what runs; before the import
// it also closes the dialog.
func (f *importFlow) cancelled() {
	if f.cancel != nil {
		f.cancel()
	}
	if f.phase == importRunning {
		f.cancelButton.Disable()
		f.status.SetText("Cancelling…")
		return
	}
	f.close()
}

func (f *importFlow) close() {
	f.run++ // what still arrives is moot
	f.dlg.Hide()
	if f.w.imports == f {
		f.w.imports = nil
	}
}

// showResult replaces the import dialog with the result: the counts and
// the problems.
func (f *importFlow) showResult() {
	f.phase = importFinished
	f.close()
	res := f.result
	title := "Import finished"
	text := importSummary(res)
	switch {
	case errors.Is(f.err, context.Canceled):
		title = "Import cancelled"
		text = "Cancelled. Before it stopped: " + text
	case f.err != nil:
		title = "Import failed"
		text = "The import stopped: " + importErrorText(f.err) + "\nBefore it stopped: " + text
	}
	f.resultSummary = widget.NewLabel(text)
	f.resultSummary.Wrapping = fyne.TextWrapWord
	top := container.NewVBox(f.resultSummary)
	if t := importCreatedText(res); t != "" {
		created := widget.NewLabel(t)
		created.Wrapping = fyne.TextWrapWord
		created.Importance = widget.LowImportance
		top.Add(created)
	}
	var center fyne.CanvasObject = container.NewStack()
	if lines := problemLines(res); len(lines) > 0 {
		top.Add(widget.NewLabelWithStyle("Problems", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		center = linesView(lines)
	}
	f.resultDlg = dialog.NewCustom(title, "Close", container.NewBorder(top, nil, nil, nil, center), f.w.win)
	if len(res.Problems) > 0 {
		f.resultDlg.Resize(f.w.dialogSize(680, 480))
	} else {
		f.resultDlg.Resize(fyne.NewSize(440, 0))
	}
	f.resultDlg.Show()
}

// --- export ------------------------------------------------------------------

// exportScope is which contacts an export writes.
type exportScope int

const (
	scopeAll exportScope = iota
	scopeSelected
	scopeList
	scopeGroup
)

// exportFlow is the export dialog.
type exportFlow struct {
	w      *Window
	dlg    *dialog.CustomDialog
	format *widget.Select
	scope  *widget.RadioGroup
	group  *widget.Select
	button *widget.Button

	scopes      []exportScope // the options of scope, in order
	groups      []*app.Group
	listIDs     []int64 // the ids the list showed when the dialog opened
	selected    int64
	selectedFor string // the selected contact's name

	// running is the export under way, and done what it said last.
	running   context.CancelFunc
	progress  dialog.Dialog
	done      string
	lastCount int
}

// exportContacts opens the export dialog (Ctrl+E) once the groups are
// read.
func (w *Window) exportContacts() {
	if w.exports != nil {
		if w.exports.running == nil {
			w.exports.dlg.Show()
		}
		return
	}
	background(w, func(ctx context.Context) ([]*app.Group, error) {
		return w.svc.Groups(ctx)
	}, func(groups []*app.Group, err error) {
		if err != nil {
			w.fail("Reading the groups", err)
			return
		}
		if w.exports != nil {
			return
		}
		w.exports = w.newExportFlow(groups)
		w.exports.dlg.Show()
	})
}

func (w *Window) newExportFlow(groups []*app.Group) *exportFlow {
	f := &exportFlow{w: w, groups: groups, listIDs: slices.Clone(w.list.ids)}
	if w.selected != 0 && w.detail.human != nil && w.detail.human.ID == w.selected {
		f.selected = w.selected
		f.selectedFor = w.detail.human.Name()
	}

	f.format = widget.NewSelect(exportChoiceLabels(), func(string) { f.update() })
	f.format.SetSelectedIndex(w.lastExportFormat())

	// Only the scopes that mean something now are offered.
	var labels []string
	add := func(s exportScope, label string) {
		f.scopes = append(f.scopes, s)
		labels = append(labels, label)
	}
	add(scopeAll, "All contacts")
	if f.selected != 0 {
		add(scopeSelected, "The selected contact ("+f.selectedFor+")")
	}
	if w.view != (viewState{}) && len(f.listIDs) > 0 {
		add(scopeList, "The "+plural(len(f.listIDs), "contact", "contacts", "")+" in the list")
	}
	if len(groups) > 0 {
		add(scopeGroup, "The members of a group:")
	}
	f.scope = widget.NewRadioGroup(labels, func(string) { f.update() })
	f.scope.Required = true
	f.scope.SetSelected(labels[0])

	names := make([]string, len(groups))
	for i, g := range groups {
		names[i] = g.Name
	}
	f.group = widget.NewSelect(names, func(string) {
		if f.scopeOf() != scopeGroup {
			f.scope.SetSelected(labels[slices.Index(f.scopes, scopeGroup)])
		}
		f.update()
	})
	f.group.PlaceHolder = "(choose a group)"

	f.button = widget.NewButtonWithIcon("Export…", theme.DocumentSaveIcon(), f.choose)
	f.button.Importance = widget.HighImportance
	cancel := widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), f.close)

	form := widget.NewForm(
		widget.NewFormItem("Format", f.format),
		widget.NewFormItem("Contacts", f.scope),
	)
	if len(groups) > 0 {
		form.Append("Group", f.group)
	}
	f.dlg = dialog.NewCustomWithoutButtons("Export contacts", form, w.win)
	f.dlg.SetButtons([]fyne.CanvasObject{cancel, f.button})
	f.dlg.Resize(fyne.NewSize(520, 0))
	f.update()
	return f
}

// prefExportFormat is the preference holding the label of the format
// last exported to.
const prefExportFormat = "export.format"

// lastExportFormat is the index in exportChoices of the format last
// exported to, or 0.
func (w *Window) lastExportFormat() int {
	label := w.prefs.String(prefExportFormat)
	for i, c := range exportChoices {
		if c.label == label {
			return i
		}
	}
	return 0
}

func (f *exportFlow) close() {
	f.dlg.Hide()
	if f.w.exports == f {
		f.w.exports = nil
	}
}

func (f *exportFlow) choice() exportChoice {
	i := f.format.SelectedIndex()
	if i < 0 {
		i = 0
	}
	return exportChoices[i]
}

func (f *exportFlow) scopeOf() exportScope {
	for i, o := range f.scope.Options {
		if o == f.scope.Selected {
			return f.scopes[i]
		}
	}
	return scopeAll
}

// update enables what the chosen format and scope allow: the whole book
// is always all of it; a group export needs a group.
func (f *exportFlow) update() {
	if f.button == nil {
		return
	}
	if f.choice().unified() {
		f.scope.Disable()
		f.group.Disable()
		f.button.Enable()
		return
	}
	f.scope.Enable()
	f.group.Enable()
	if f.scopeOf() == scopeGroup && f.group.SelectedIndex() < 0 {
		f.button.Disable()
	} else {
		f.button.Enable()
	}
}

// job is what the dialog asks for: the request, and a name to base the
// file name on.
func (f *exportFlow) job() (exportChoice, app.ExportRequest, string) {
	c := f.choice()
	req := c.request()
	if c.unified() {
		return c, req, ""
	}
	switch f.scopeOf() {
	case scopeSelected:
		req.IDs = []int64{f.selected}
		return c, req, f.selectedFor
	case scopeList:
		req.IDs = f.listIDs
	case scopeGroup:
		if i := f.group.SelectedIndex(); i >= 0 {
			req.GroupID = f.groups[i].ID
			return c, req, f.groups[i].Name
		}
	}
	return c, req, ""
}

// choose asks for the file (the Export… button).
func (f *exportFlow) choose() {
	c, _, base := f.job()
	f.w.pickExportFile(exportFileName(c, base), f.exportTo)
}

// exportTo writes the export to path off the UI goroutine, with a
// progress dialog that can cancel it, and reports how it went.
func (f *exportFlow) exportTo(path string) {
	w := f.w
	c, req, _ := f.job()
	w.prefs.SetString(prefExportFormat, c.label)
	f.dlg.Hide()
	ctx, cancel := context.WithCancel(w.ctx)
	f.running = cancel
	bar := widget.NewProgressBarInfinite()
	f.progress = dialog.NewCustom("Exporting…", "Cancel", container.NewVBox(
		widget.NewLabel("Writing "+filepath.Base(path)), bar), w.win)
	f.progress.SetOnClosed(cancel)
	f.progress.Show()
	background(w, func(context.Context) (int, error) {
		defer cancel()
		return writeExport(ctx, w.svc, c, req, path)
	}, func(n int, err error) {
		f.running = nil
		f.progress.Hide()
		bar.Stop()
		if w.exports == f {
			w.exports = nil
		}
		if err != nil {
			w.fail("Exporting", err)
			return
		}
		f.lastCount = n
		f.done = exportDoneText(n, c.unified(), path)
		w.inform("Export finished", f.done)
	})
}

// writeExport writes what c and req select to path: to a temporary file
// in the same folder first, renamed over path once complete. It returns
// how many contacts it wrote.
func writeExport(ctx context.Context, svc *app.Service, c exportChoice, req app.ExportRequest, path string) (n int, err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			// The save dialog created path empty; don't leave it so.
			if st, serr := os.Stat(path); serr == nil && st.Size() == 0 {
				os.Remove(path)
			}
		}
	}()
	bw := bufio.NewWriterSize(tmp, 256<<10)
	if c.unified() {
		st, err := svc.Stats(ctx)
		if err != nil {
			return 0, err
		}
		n = st.Total + st.Trashed
		err = svc.ExportUnified(ctx, bw)
		if err != nil {
			return 0, err
		}
	} else if n, err = svc.Export(ctx, req, bw); err != nil {
		return 0, err
	}
	if err = bw.Flush(); err != nil {
		return 0, err
	}
	if err = tmp.Sync(); err != nil {
		return 0, err
	}
	if err = tmp.Close(); err != nil {
		return 0, err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return 0, err
	}
	return n, nil
}
