package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/humans-contacts/humans/app"
)

// writeFile writes content to name in a new temporary directory.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func vcards(cards ...string) string {
	var b strings.Builder
	for _, c := range cards {
		b.WriteString("BEGIN:VCARD\r\nVERSION:3.0\r\n")
		for _, line := range strings.Split(c, "\n") {
			b.WriteString(line + "\r\n")
		}
		b.WriteString("END:VCARD\r\n")
	}
	return b.String()
}

// people.vcf: Jean matches an existing contact by e-mail, Zoë is new (with
// a new company and group), the third card has nothing to call it by.
var peopleVCF = vcards(
	"FN:Jean Dupont\nN:Dupont;Jean;;;\nEMAIL:jean@example.org\nTEL:+33 6 12 34 56 78",
	"FN:Zoë Núñez\nN:Núñez;Zoë;;;\nEMAIL:zoe@example.org\nORG:Acme\nCATEGORIES:Clients",
	"NOTE:a card with nothing to call it by",
)

func (h *harness) startImport(paths ...string) *importFlow {
	h.t.Helper()
	h.w.importFiles(paths)
	f := h.w.imports
	if f == nil {
		h.t.Fatal("no import dialog")
	}
	h.waitFor("the dry run", func() bool { return f.phase == importConfirm })
	return f
}

func TestImportShowsDryRunThenImports(t *testing.T) {
	h := newHarness(t)
	h.create(&app.Human{FirstName: "Jean", LastName: "Dupont", Emails: []app.Email{{Address: "jean@example.org"}}})
	h.waitFor("the contact", h.listLen(1))
	before := h.svc.Revision()

	f := h.startImport(writeFile(t, "people.vcf", peopleVCF))
	if want := "1 would be created, 1 updated, 0 skipped, 1 failed"; f.summary.Text != want {
		t.Errorf("dry run summary = %q, want %q", f.summary.Text, want)
	}
	for _, want := range []string{"Would create 1 company: Acme", "Would create 1 group: Clients"} {
		if !strings.Contains(f.created.Text, want) || !f.created.Visible() {
			t.Errorf("created text %q lacks %q", f.created.Text, want)
		}
	}
	problems := problemLines(f.preview)
	if len(problems) != 1 || !strings.HasPrefix(problems[0], "people.vcf, record 3") {
		t.Errorf("problems = %q", problems)
	}
	if f.files.Text != "people.vcf" || f.importButton.Disabled() || f.bar.Visible() {
		t.Errorf("dialog: files %q, import disabled %v, bar shown %v", f.files.Text, f.importButton.Disabled(), f.bar.Visible())
	}
	if h.svc.Revision() != before {
		t.Fatal("the dry run wrote to the store")
	}

	test.Tap(f.importButton)
	if f.phase != importRunning || !f.importButton.Disabled() {
		t.Fatalf("after Import: phase %v", f.phase)
	}
	h.waitFor("the result", func() bool { return f.resultSummary != nil })
	if want := "1 created, 1 updated, 0 skipped, 1 failed"; f.resultSummary.Text != want {
		t.Errorf("result = %q, want %q", f.resultSummary.Text, want)
	}
	if h.w.imports != nil {
		t.Error("the import dialog stayed")
	}
	// The list follows the store by itself.
	h.waitFor("the imported contact in the list", h.listLen(2))
	if got := strings.Join(h.listNames(), ", "); got != "Jean Dupont, Zoë Núñez" {
		t.Errorf("list = %s", got)
	}
	ids, _ := h.svc.HumanIDs(context.Background(), app.Query{Q: "zoe"})
	if len(ids) != 1 {
		t.Fatalf("Zoë stored %d times", len(ids))
	}
	if zoe := mustHuman(t, h.svc, ids[0]); zoe.CompanyID == 0 || len(zoe.GroupIDs) != 1 {
		t.Errorf("Zoë's company %d, groups %v", zoe.CompanyID, zoe.GroupIDs)
	}
}

func TestImportBrokenCardsListedAsProblems(t *testing.T) {
	h := newHarness(t)
	broken := vcards("FN:Good One", "FN:Bad Param\nTEL;TYPE=\"cell:+1 555 0100", "FN:Good Two")
	f := h.startImport(writeFile(t, "broken.vcf", broken))
	if f.preview.Created != 2 || f.preview.Failed != 1 {
		t.Fatalf("dry run: %+v", f.preview.ImportResultCounts)
	}
	test.Tap(f.importButton)
	h.waitFor("the result", func() bool { return f.resultSummary != nil })
	lines := problemLines(f.result)
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "broken.vcf, record 2") {
		t.Errorf("problems = %q", lines)
	}
	h.waitFor("two contacts", h.listLen(2))
}

func TestImportSeveralFilesAndCancel(t *testing.T) {
	h := newHarness(t)
	f := h.startImport(writeFile(t, "a.vcf", vcards("FN:Ann One")))
	if f.preview.Created != 1 {
		t.Fatalf("first file: %+v", f.preview.ImportResultCounts)
	}
	// A second file, as "Add file…" adds it: both are checked together.
	csv := "First Name,Last Name,E-mail 1 - Value\nBen,Two,ben@example.org\nCid,Three,cid@example.org\n"
	h.w.importFiles([]string{writeFile(t, "b.csv", csv)})
	h.waitFor("the second dry run", func() bool { return f.phase == importConfirm && f.preview.Created == 3 })
	if f.files.Text != "a.vcf, b.csv" {
		t.Errorf("files = %q", f.files.Text)
	}
	test.Tap(f.cancelButton)
	if h.w.imports != nil {
		t.Fatal("Cancel kept the dialog")
	}
	h.idle()
	if n := h.w.list.Length(); n != 0 {
		t.Errorf("%d contacts after Cancel", n)
	}
}

func TestImportUnreadableFile(t *testing.T) {
	h := newHarness(t)
	f := h.startImport(writeFile(t, "bad.json", `[{"first_name": "Ann"`))
	if !strings.HasPrefix(f.summary.Text, "Could not read the file:") || !f.importButton.Disabled() {
		t.Errorf("summary %q, import disabled %v", f.summary.Text, f.importButton.Disabled())
	}
	if f.addButton.Disabled() {
		t.Error("another file cannot be added")
	}
}

func TestImportShowsProgress(t *testing.T) {
	h := newHarness(t)
	cards := make([]string, 1200)
	for i := range cards {
		cards[i] = fmt.Sprintf("FN:Person %04d\nEMAIL:p%d@example.org", i, i)
	}
	h.w.importFiles([]string{writeFile(t, "many.vcf", vcards(cards...))})
	f := h.w.imports
	h.waitFor("a progress report", func() bool { return strings.Contains(f.status.Text, "records read") })
	if !strings.HasPrefix(f.status.Text, "Checking many.vcf…") || f.bar.Value <= 0 {
		t.Errorf("status %q, bar %v", f.status.Text, f.bar.Value)
	}
	h.waitFor("the dry run", func() bool { return f.phase == importConfirm })
	test.Tap(f.importButton)
	h.waitFor("a progress report", func() bool { return strings.HasPrefix(f.status.Text, "Importing many.vcf") })
	h.waitFor("the result", func() bool { return f.resultSummary != nil })
	if f.result.Created != 1200 {
		t.Errorf("created %d", f.result.Created)
	}
}

func TestImportCancelWhileRunning(t *testing.T) {
	h := newHarness(t)
	f := h.startImport(writeFile(t, "a.vcf", vcards("FN:Ann One", "FN:Ben Two")))
	test.Tap(f.importButton)
	test.Tap(f.cancelButton)
	h.waitFor("the result", func() bool { return f.resultSummary != nil })
	// Small enough to finish before the cancel lands, or cancelled: either
	// way the result says which.
	if f.err != nil && !strings.HasPrefix(f.resultSummary.Text, "Cancelled.") {
		t.Errorf("cancelled import says %q", f.resultSummary.Text)
	}
}

// bookForExport fills h's book through the service: three contacts, one
// with a company and a group.
func bookForExport(t *testing.T, h *harness) *app.Group {
	t.Helper()
	ctx := context.Background()
	co, err := h.svc.CreateCompany(ctx, &app.Company{Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	g, err := h.svc.CreateGroup(ctx, &app.Group{Name: "Climbing"})
	if err != nil {
		t.Fatal(err)
	}
	h.create(&app.Human{FirstName: "Zoë", LastName: "Durand", CompanyID: co.ID, GroupIDs: []int64{g.ID},
		Emails: []app.Email{{Address: "zoe@example.org"}}, Phones: []app.Phone{{Number: "+33 6 12 34 56 78"}}})
	h.create(&app.Human{FirstName: "Ben", LastName: "Zola", Emails: []app.Email{{Address: "ben@example.org"}}})
	h.create(&app.Human{FirstName: "Ann", LastName: "Smith", Notes: "Likes tea"})
	h.waitFor("three contacts", h.listLen(3))
	return g
}

func (h *harness) openExport() *exportFlow {
	h.t.Helper()
	h.w.handleShortcut(shortcutExport)
	h.waitFor("the export dialog", func() bool { return h.w.exports != nil })
	return h.w.exports
}

// export writes f's export to a file named name in a new directory and
// returns its path once done.
func (h *harness) export(f *exportFlow, name string) string {
	h.t.Helper()
	dir := h.t.TempDir()
	path := filepath.Join(dir, name)
	// As the save dialog leaves it: created, empty.
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		h.t.Fatal(err)
	}
	f.exportTo(path)
	h.waitFor("the export", func() bool { return f.done != "" })
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		h.t.Errorf("the export left %d files in its folder", len(entries))
	}
	return path
}

func TestExportEveryFormatImportsBack(t *testing.T) {
	h := newHarness(t)
	bookForExport(t, h)
	var informed []string
	h.w.inform = func(_, msg string) { informed = append(informed, msg) }
	for i, c := range exportChoices {
		t.Run(c.label, func(t *testing.T) {
			f := h.openExport()
			f.format.SetSelectedIndex(i)
			ch, _, base := f.job()
			name := exportFileName(ch, base)
			path := h.export(f, name)
			if f.lastCount != 3 {
				t.Errorf("exported %d contacts, want 3", f.lastCount)
			}
			if want := exportDoneText(3, c.unified(), path); informed[len(informed)-1] != want {
				t.Errorf("told %q, want %q", informed[len(informed)-1], want)
			}
			if h.w.exports != nil {
				t.Error("the export dialog stayed")
			}
			data, _ := os.ReadFile(path)
			if c.version != "" && !strings.Contains(string(data), "VERSION:"+c.version) {
				t.Errorf("no VERSION:%s in the file", c.version)
			}
			other := openService(t, t.TempDir())
			res, err := other.ImportFiles(context.Background(), []string{path}, app.ImportOptions{})
			if err != nil || res.Created != 3 || res.Failed != 0 {
				t.Errorf("importing %s back: %+v %v", name, res.ImportResultCounts, err)
			}
		})
	}
	if got := h.w.lastExportFormat(); got != len(exportChoices)-1 {
		t.Errorf("the last format used is %d", got)
	}
}

func TestExportScopes(t *testing.T) {
	h := newHarness(t)
	g := bookForExport(t, h)

	// Nothing selected, no search: only all contacts and the group.
	f := h.openExport()
	if len(f.scope.Options) != 2 {
		t.Fatalf("scopes offered: %q", f.scope.Options)
	}
	f.scope.SetSelected(f.scope.Options[1])
	if !f.button.Disabled() {
		t.Error("a group export without a group can start")
	}
	f.group.SetSelected("Climbing")
	if _, req, base := f.job(); req.GroupID != g.ID || base != "Climbing" {
		t.Errorf("group job: %+v %q", req, base)
	}
	f.format.SetSelectedIndex(2) // vCard 3.0
	h.export(f, "Climbing.vcf")
	if f.lastCount != 1 {
		t.Errorf("group export wrote %d", f.lastCount)
	}

	// The search results.
	test.Type(h.w.search, "zo")
	h.waitFor("the search", func() bool { return h.w.view.text == "zo" && h.listLen(2)() })
	h.selectRow(0)
	f = h.openExport()
	if len(f.scope.Options) != 4 {
		t.Fatalf("scopes offered: %q", f.scope.Options)
	}
	if f.format.SelectedIndex() != 2 {
		t.Error("the last format was not kept")
	}
	f.scope.SetSelected("The 2 contacts in the list")
	h.export(f, "list.vcf")
	if f.lastCount != 2 {
		t.Errorf("list export wrote %d", f.lastCount)
	}

	// The selected contact, with its name as the file name.
	f = h.openExport()
	f.scope.SetSelected(f.scope.Options[1])
	c, req, base := f.job()
	if len(req.IDs) != 1 || req.IDs[0] != h.w.selected {
		t.Fatalf("selected job: %+v", req)
	}
	if name := exportFileName(c, base); name != h.w.detail.human.Name()+".vcf" {
		t.Errorf("file name %q", name)
	}
	h.export(f, "one.vcf")
	if f.lastCount != 1 {
		t.Errorf("selected export wrote %d", f.lastCount)
	}

	// The whole book ignores the scope.
	f = h.openExport()
	f.format.SetSelectedIndex(len(exportChoices) - 1)
	if !f.scope.Disabled() {
		t.Error("the scope stays enabled for the whole book")
	}
	f.close()
}

func TestMainMenuAndShortcuts(t *testing.T) {
	h := newHarness(t)
	m := h.win.MainMenu()
	if m == nil || len(m.Items) != 2 {
		t.Fatalf("main menu = %+v", m)
	}
	var labels []string
	for _, it := range m.Items[0].Items {
		if it.Shortcut != nil {
			labels = append(labels, it.Label+" "+it.Shortcut.ShortcutName())
		}
	}
	got := strings.Join(labels, "; ")
	for _, want := range []string{"Import… " + shortcutImport.ShortcutName(), "Export… " + shortcutExport.ShortcutName(), "Quit"} {
		if !strings.Contains(got, want) {
			t.Errorf("File menu %q lacks %q", got, want)
		}
	}
	if m.Items[1].Label != "Help" || m.Items[1].Items[0].Label != "Keyboard shortcuts" {
		t.Errorf("Help menu = %+v", m.Items[1])
	}
	// Ctrl+E typed in the search reaches the window.
	h.w.search.TypedShortcut(shortcutExport)
	h.waitFor("the export dialog", func() bool { return h.w.exports != nil })
	if !strings.Contains(helpText, "Ctrl+I") || !strings.Contains(helpText, "Ctrl+E") {
		t.Error("the shortcut list lacks import and export")
	}
}

func TestWriteExportFailureLeavesNoFile(t *testing.T) {
	h := newHarness(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "out.json")
	os.WriteFile(path, nil, 0o600)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	bookForExport(t, h)
	if _, err := writeExport(ctx, h.svc, exportChoices[0], exportChoices[0].request(), path); err == nil {
		t.Fatal("a cancelled export succeeded")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a failed export left %d files", len(entries))
	}
}

func TestQuitDuringImportAsks(t *testing.T) {
	h := newHarness(t)
	f := h.startImport(writeFile(t, "a.vcf", vcards("FN:Ann One")))
	test.Tap(f.importButton)
	h.answer = false
	h.w.quit()
	if len(h.confirms) != 1 || !strings.HasPrefix(h.confirms[0], "Stop the import?") {
		t.Errorf("asked %q", h.confirms)
	}
	h.waitFor("the result", func() bool { return f.resultSummary != nil })
	if h.w.ctx.Err() != nil {
		t.Error("answering no closed the window")
	}
}
