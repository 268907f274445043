package ui

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/humans-contacts/humans/app"
)

// harness is a window on a real service in a temporary directory. The
// window's fyne.Do is a queue that the test drains on its own goroutine,
// which thereby plays Fyne's UI goroutine: every widget is touched from
// one goroutine, and the test waits for a result by running what the
// background work hands back, with a deadline and no sleeps.
type harness struct {
	t     testing.TB
	svc   *app.Service
	win   fyne.Window
	w     *Window
	queue chan func()
	done  chan struct{}

	closed   bool
	answer   bool     // what the confirm dialogs answer
	confirms []string // the questions asked: "title: message"
	errors   []string // the errors shown
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	return newHarnessOn(t, openService(t, t.TempDir()))
}

func openService(t testing.TB, dir string) *app.Service {
	t.Helper()
	svc, err := app.Open(app.Options{DataDir: dir})
	if err != nil {
		t.Fatalf("opening the service: %v", err)
	}
	t.Cleanup(func() {
		if err := svc.Close(); err != nil {
			t.Errorf("closing the service: %v", err)
		}
	})
	return svc
}

func newHarnessOn(t testing.TB, svc *app.Service) *harness {
	t.Helper()
	a := test.NewTempApp(t)
	h := &harness{t: t, svc: svc, queue: make(chan func(), 4096), done: make(chan struct{}), answer: true}
	h.win = a.NewWindow("Humans")
	h.w = newWindow(a, h.win, svc, h.do)
	h.w.confirm = func(title, message, _ string, ok, no func()) {
		h.confirms = append(h.confirms, title+": "+message)
		if h.answer && ok != nil {
			ok()
		} else if !h.answer && no != nil {
			no()
		}
	}
	h.w.showError = func(err error) { h.errors = append(h.errors, err.Error()) }
	h.win.Resize(fyne.NewSize(1100, 720))
	t.Cleanup(h.close)
	h.waitFor("the first load", func() bool { return h.w.status.Text != "Loading…" && !h.w.loading })
	return h
}

// close closes the window once (the test driver panics on a second
// Close) and stops the queue.
func (h *harness) close() {
	if h.closed {
		return
	}
	h.closed = true
	h.win.Close()
	close(h.done)
}

func (h *harness) do(f func()) {
	select {
	case h.queue <- f:
	case <-h.done:
	}
}

// waitFor runs what the window's background work hands back until cond
// holds, failing the test after a few seconds.
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.NewTimer(5 * time.Second)
	defer deadline.Stop()
	for !cond() {
		select {
		case f := <-h.queue:
			f()
		case <-deadline.C:
			h.t.Fatalf("timed out waiting for %s (errors shown: %q)", what, h.errors)
		}
	}
}

// idle runs what is queued until nothing more arrives for a moment: for
// checking that something did not happen.
func (h *harness) idle() {
	h.t.Helper()
	for {
		select {
		case f := <-h.queue:
			f()
		case <-time.After(200 * time.Millisecond):
			if !h.w.loading {
				return
			}
		}
	}
}

func (h *harness) create(c *app.Human) *app.Human {
	h.t.Helper()
	out, err := h.svc.CreateHuman(context.Background(), c)
	if err != nil {
		h.t.Fatalf("creating %q: %v", c.FirstName, err)
	}
	return out
}

// listNames are the names of the rows of the list, in order.
func (h *harness) listNames() []string {
	var out []string
	for _, id := range h.w.list.ids {
		s, _ := h.svc.Summary(id)
		out = append(out, s.DisplayName)
	}
	return out
}

func (h *harness) listLen(n int) func() bool {
	return func() bool { return h.w.list.Length() == n && !h.w.loading }
}

// selectRow selects row i as a click would, and waits for its card.
func (h *harness) selectRow(i int) {
	h.t.Helper()
	id := h.w.list.ids[i]
	h.w.list.list.Select(i)
	h.waitFor("the card of the selected contact", func() bool {
		return h.w.detail.human != nil && h.w.detail.human.ID == id
	})
}

func (h *harness) openNewEditor() *editor {
	h.t.Helper()
	test.Tap(h.w.newButton)
	h.waitFor("the editor", func() bool { return h.w.editor != nil })
	return h.w.editor
}

func TestCreateContactThroughEditor(t *testing.T) {
	h := newHarness(t)
	if got := h.w.emptyLabel.Text; got != "No contacts yet – press Ctrl+N to add one" {
		t.Errorf("empty state = %q", got)
	}
	e := h.openNewEditor()
	test.Type(e.firstName, "Zoë")
	test.Type(e.lastName, "Durand")
	test.Type(e.jobTitle, "Engineer")
	test.Type(e.emails.rows[0].text, "zoe@example.com")
	test.Type(e.phones.rows[0].number, "+33 6 12 34 56 78")
	test.Type(e.birthday, "--03-12")
	test.Tap(e.addresses.addBtn)
	test.Type(e.addresses.rows[0].city, "Lyon")
	if !e.dirty {
		t.Error("typing did not mark the editor changed")
	}
	test.Tap(e.saveButton)
	h.waitFor("the saved contact in the list", func() bool { return h.w.editor == nil && h.w.list.Length() == 1 })

	ids, err := h.svc.HumanIDs(context.Background(), app.Query{})
	if err != nil || len(ids) != 1 {
		t.Fatalf("store ids = %v, %v; want one contact", ids, err)
	}
	got, err := h.svc.Human(context.Background(), ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if got.FirstName != "Zoë" || got.LastName != "Durand" || got.JobTitle != "Engineer" {
		t.Errorf("stored names = %q %q %q", got.FirstName, got.LastName, got.JobTitle)
	}
	if len(got.Emails) != 1 || got.Emails[0].Address != "zoe@example.com" || got.Emails[0].Type != "home" {
		t.Errorf("stored e-mails = %+v", got.Emails)
	}
	if len(got.Phones) != 1 || got.Phones[0].Number == "" {
		t.Errorf("stored phones = %+v", got.Phones)
	}
	if len(got.Addresses) != 1 || got.Addresses[0].City != "Lyon" {
		t.Errorf("stored addresses = %+v", got.Addresses)
	}
	if got.Birthday == nil || *got.Birthday != (app.Birthday{Month: 3, Day: 12}) {
		t.Errorf("stored birthday = %+v", got.Birthday)
	}
	if got.Source != "manual" {
		t.Errorf("source = %q, want manual", got.Source)
	}
	if names := h.listNames(); len(names) != 1 || names[0] != "Zoë Durand" {
		t.Errorf("list = %q", names)
	}
	h.waitFor("the card of the new contact", func() bool {
		return h.w.detail.human != nil && h.w.detail.human.ID == ids[0]
	})
	if h.w.selected != ids[0] {
		t.Errorf("selected = %d, want %d", h.w.selected, ids[0])
	}
	if h.w.status.Text != "1 contact" {
		t.Errorf("status = %q", h.w.status.Text)
	}
	// The row shows the name and, with no company, the job title.
	row := newContactRow()
	h.w.list.UpdateItem(0, row)
	if row.name.Text != "Zoë Durand" || row.second.Text != "Engineer" {
		t.Errorf("row = %q / %q", row.name.Text, row.second.Text)
	}
}

func TestValidationErrorShownNextToField(t *testing.T) {
	h := newHarness(t)
	e := h.openNewEditor()
	test.Type(e.firstName, "Ann")
	test.Type(e.emails.rows[0].text, "not-an-email")
	test.Type(e.birthday, "1990-02-30")
	test.Tap(e.saveButton)
	// The birthday is read by the window: its error comes at once and
	// nothing is sent.
	if l := e.errs["birthday"]; !l.Visible() || !strings.Contains(l.Text, "no day 30") {
		t.Fatalf("birthday error = %q (visible %v)", l.Text, l.Visible())
	}
	if e.emails.rows[0].err.Visible() {
		t.Fatal("e-mail error shown before the service answered")
	}

	e.birthday.SetText("")
	test.Tap(e.saveButton)
	row := e.emails.rows[0]
	h.waitFor("the e-mail error", func() bool { return row.err.Visible() })
	if !strings.Contains(row.err.Text, "not an e-mail address") {
		t.Errorf("e-mail error = %q", row.err.Text)
	}
	if e.errs["birthday"].Visible() || e.general.Visible() {
		t.Errorf("other errors shown: birthday %q, general %q", e.errs["birthday"].Text, e.general.Text)
	}
	if h.w.editor != e {
		t.Error("the editor closed on a validation error")
	}
	ids, _ := h.svc.HumanIDs(context.Background(), app.Query{})
	if len(ids) != 0 {
		t.Errorf("%d contacts stored, want none", len(ids))
	}

	// Fixing the address saves.
	row.text.SetText("ann@example.com")
	test.Tap(e.saveButton)
	h.waitFor("the save", func() bool { return h.w.editor == nil })
	if row.err.Visible() {
		t.Error("the e-mail error stayed")
	}
}

func TestEmptyContactShowsGeneralError(t *testing.T) {
	h := newHarness(t)
	e := h.openNewEditor()
	test.Tap(e.saveButton)
	h.waitFor("the error", func() bool { return e.general.Visible() })
	if !strings.Contains(e.general.Text, "needs a name") {
		t.Errorf("general error = %q", e.general.Text)
	}
}

func TestSearchNarrowsList(t *testing.T) {
	h := newHarness(t)
	h.create(&app.Human{FirstName: "Zoë", LastName: "Durand"})
	h.create(&app.Human{FirstName: "Adam", LastName: "Smith"})
	h.create(&app.Human{FirstName: "Bob", LastName: "Zola"})
	h.waitFor("three contacts", h.listLen(3))
	if names := h.listNames(); strings.Join(names, ",") != "Adam Smith,Bob Zola,Zoë Durand" {
		t.Errorf("list by name = %q", names)
	}

	test.Type(h.w.search, "zoe")
	h.waitFor("the search", func() bool { return h.w.view.text == "zoe" && h.listLen(1)() })
	if names := h.listNames(); names[0] != "Zoë Durand" {
		t.Errorf("search found %q", names)
	}
	if h.w.status.Text != "1 match" {
		t.Errorf("status = %q", h.w.status.Text)
	}

	// One letter is too short to search: the whole list.
	h.w.search.SetText("z")
	h.waitFor("the full list", func() bool { return h.w.view.text == "z" && h.listLen(3)() })

	// Escape clears the search.
	h.w.search.SetText("smith")
	h.waitFor("the search", func() bool { return h.w.view.text == "smith" && h.listLen(1)() })
	h.w.search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if h.w.search.Text != "" {
		t.Errorf("Escape left %q in the search", h.w.search.Text)
	}
	h.waitFor("the full list", func() bool { return h.w.view.text == "" && h.listLen(3)() })
}

func TestFavouriteFilter(t *testing.T) {
	h := newHarness(t)
	ann := h.create(&app.Human{FirstName: "Ann"})
	h.create(&app.Human{FirstName: "Ben"})
	h.waitFor("two contacts", h.listLen(2))

	// Star Ann from her card.
	h.selectRow(0)
	if h.w.detail.human.ID != ann.ID {
		t.Fatalf("row 0 is %d, want Ann", h.w.detail.human.ID)
	}
	test.Tap(h.w.detail.favButton)
	h.waitFor("the star", func() bool { return h.w.detail.human.IsFavorite })
	if h.w.detail.favButton.Text != "Favourite" {
		t.Errorf("favourite button = %q", h.w.detail.favButton.Text)
	}
	row := newContactRow()
	h.w.list.UpdateItem(0, row)
	if row.star.Resource == nil {
		t.Error("the row of a favourite has no star")
	}

	test.Tap(h.w.favButton)
	h.waitFor("the favourites", func() bool { return h.w.view.favourites && h.listLen(1)() })
	if names := h.listNames(); names[0] != "Ann" {
		t.Errorf("favourites = %q", names)
	}
	if h.w.status.Text != "1 favourite" {
		t.Errorf("status = %q", h.w.status.Text)
	}
	if h.w.selected != ann.ID {
		t.Error("the selection was lost")
	}
	test.Tap(h.w.favButton)
	h.waitFor("everyone", func() bool { return !h.w.view.favourites && h.listLen(2)() })
}

func TestDeleteTrashRestore(t *testing.T) {
	h := newHarness(t)
	ann := h.create(&app.Human{FirstName: "Ann"})
	h.create(&app.Human{FirstName: "Ben"})
	h.waitFor("two contacts", h.listLen(2))
	h.selectRow(0)

	// Ctrl+Delete asks, then moves Ann to the trash.
	h.w.handleShortcut(shortcutDelete)
	h.waitFor("the trash", func() bool { return h.listLen(1)() && h.w.selected == 0 })
	if len(h.confirms) != 1 || h.confirms[0] != "Move to Trash?: You can restore it from the Trash for 30 days." {
		t.Errorf("asked %q", h.confirms)
	}
	got, err := h.svc.Human(context.Background(), ann.ID)
	if err != nil || got.DeletedAt == nil {
		t.Fatalf("Ann after delete: %+v, %v", got, err)
	}

	test.Tap(h.w.trashButton)
	h.waitFor("the trash view", func() bool { return h.w.view.trash && h.listLen(1)() })
	if h.w.status.Text != "1 contact in the Trash" {
		t.Errorf("status = %q", h.w.status.Text)
	}
	row := newContactRow()
	h.w.list.UpdateItem(0, row)
	if !strings.HasPrefix(row.second.Text, "Deleted today") {
		t.Errorf("trash row = %q", row.second.Text)
	}
	h.selectRow(0)
	if h.w.detail.restoreButton == nil || h.w.detail.editButton != nil {
		t.Fatal("the card in the trash has no Restore, or has Edit")
	}
	test.Tap(h.w.detail.restoreButton)
	h.waitFor("the restore", func() bool { return h.listLen(0)() && h.w.selected == 0 })
	if h.w.emptyLabel.Text != "The Trash is empty" {
		t.Errorf("empty state = %q", h.w.emptyLabel.Text)
	}

	test.Tap(h.w.trashButton)
	h.waitFor("the book", func() bool { return !h.w.view.trash && h.listLen(2)() })
	got, err = h.svc.Human(context.Background(), ann.ID)
	if err != nil || got.DeletedAt != nil {
		t.Fatalf("Ann after restore: %+v, %v", got, err)
	}
}

func TestDeleteForeverAndEmptyTrash(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	for _, n := range []string{"Ann", "Ben", "Cy"} {
		c := h.create(&app.Human{FirstName: n})
		if err := h.svc.TrashHuman(ctx, c.ID, ""); err != nil {
			t.Fatal(err)
		}
	}
	test.Tap(h.w.trashButton)
	h.waitFor("the trash", func() bool { return h.w.view.trash && h.listLen(3)() })

	// Declining keeps the contact.
	h.selectRow(0)
	h.answer = false
	test.Tap(h.w.detail.deleteButton)
	h.idle()
	if h.w.list.Length() != 3 {
		t.Fatalf("declined delete removed a contact")
	}
	h.answer = true
	id := h.w.detail.human.ID
	test.Tap(h.w.detail.deleteButton)
	h.waitFor("the delete", h.listLen(2))
	if _, err := h.svc.Human(ctx, id); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("after delete forever: %v, want ErrNotFound", err)
	}
	if !strings.HasPrefix(h.confirms[len(h.confirms)-1], "Delete forever?") {
		t.Errorf("asked %q", h.confirms)
	}

	test.Tap(h.w.emptyTrash)
	h.waitFor("the empty trash", h.listLen(0))
	if !strings.HasPrefix(h.confirms[len(h.confirms)-1], "Empty the Trash?: 2 contacts") {
		t.Errorf("asked %q", h.confirms)
	}
}

func TestLiveRefresh(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()

	// A contact created elsewhere (a phone over CardDAV) appears.
	ann := h.create(&app.Human{FirstName: "Ann", Emails: []app.Email{{Address: "ann@example.com"}}})
	h.waitFor("the new contact", h.listLen(1))
	h.selectRow(0)

	// Changed elsewhere: the card follows.
	job := "Pilot"
	updated, err := h.svc.UpdateHuman(ctx, ann.ID, app.HumanPatch{JobTitle: &job}, "")
	if err != nil {
		t.Fatal(err)
	}
	h.waitFor("the card to follow", func() bool {
		return h.w.detail.human != nil && h.w.detail.human.ETag == updated.ETag
	})
	if h.w.detail.human.JobTitle != "Pilot" {
		t.Errorf("card job = %q", h.w.detail.human.JobTitle)
	}

	// More contacts arrive; the selection stays on Ann.
	h.create(&app.Human{FirstName: "Aaron"})
	h.waitFor("two contacts", h.listLen(2))
	if h.w.selected != ann.ID || h.w.list.list.Length() != 2 {
		t.Errorf("selected %d, want Ann (%d)", h.w.selected, ann.ID)
	}
	if i := h.w.list.indexOf(ann.ID); i != 1 {
		t.Errorf("Ann at row %d, want 1 (after Aaron)", i)
	}

	// Deleted elsewhere: the card closes.
	if err := h.svc.TrashHuman(ctx, ann.ID, ""); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the card to close", func() bool { return h.w.selected == 0 && h.listLen(1)() })
	if h.w.detail.human != nil {
		t.Error("the card of a deleted contact stayed")
	}
}

func TestEditWithStaleETagShowsConflict(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	ann := h.create(&app.Human{FirstName: "Ann", CustomFields: map[string]string{"shoe": "38"}})
	h.waitFor("the contact", h.listLen(1))
	h.selectRow(0)
	test.Tap(h.w.detail.editButton)
	h.waitFor("the editor", func() bool { return h.w.editor != nil })
	e := h.w.editor
	if e.firstName.Text != "Ann" {
		t.Fatalf("editor first name = %q", e.firstName.Text)
	}

	// A phone changes Ann meanwhile.
	nick := "Annie"
	if _, err := h.svc.UpdateHuman(ctx, ann.ID, app.HumanPatch{Nickname: &nick}, ""); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the notice", func() bool { return e.notice.Visible() })

	h.answer = false // keep editing
	test.Type(e.lastName, "Lee")
	test.Tap(e.saveButton)
	h.waitFor("the conflict", func() bool { return e.general.Visible() })
	if e.general.Text != conflictMessage {
		t.Errorf("general error = %q", e.general.Text)
	}
	if len(h.confirms) != 1 || !strings.HasPrefix(h.confirms[0], "Contact changed elsewhere") {
		t.Errorf("asked %q", h.confirms)
	}
	got, _ := h.svc.Human(ctx, ann.ID)
	if got.LastName != "" {
		t.Errorf("the stale edit was saved: %q", got.LastName)
	}

	// Reload takes the stored version; saving it then works and keeps
	// what the editor does not show.
	h.answer = true
	test.Tap(e.saveButton)
	h.waitFor("the reloaded editor", func() bool { return h.w.editor != nil && h.w.editor != e })
	e = h.w.editor
	if e.nickname.Text != "Annie" || e.base.ETag != mustHuman(t, h.svc, ann.ID).ETag {
		t.Fatalf("reloaded editor: nickname %q", e.nickname.Text)
	}
	e.lastName.SetText("Lee")
	h.w.handleShortcut(shortcutSave) // Ctrl+Return
	h.waitFor("the save", func() bool { return h.w.editor == nil })
	got = mustHuman(t, h.svc, ann.ID)
	if got.LastName != "Lee" || got.Nickname != "Annie" || got.CustomFields["shoe"] != "38" {
		t.Errorf("saved %q %q %v", got.LastName, got.Nickname, got.CustomFields)
	}
}

func mustHuman(t *testing.T, svc *app.Service, id int64) *app.Human {
	t.Helper()
	h, err := svc.Human(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestEditKeepsListsAndClearsFields(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	co, err := h.svc.CreateCompany(ctx, &app.Company{Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	g, err := h.svc.CreateGroup(ctx, &app.Group{Name: "Climbing"})
	if err != nil {
		t.Fatal(err)
	}
	ann := h.create(&app.Human{
		FirstName: "Ann", CompanyID: co.ID, GroupIDs: []int64{g.ID}, IsFavorite: true,
		Phones: []app.Phone{{Number: "+33 6 12 34 56 78", Type: "assistant", IsPrimary: true}, {Number: "0102030405", Type: "home"}},
		Emails: []app.Email{{Address: "ann@example.com", Type: "work"}},
	})
	h.waitFor("the contact", h.listLen(1))
	row := newContactRow()
	h.w.list.UpdateItem(0, row)
	if row.second.Text != "Acme" {
		t.Errorf("row second line = %q, want the company", row.second.Text)
	}
	h.selectRow(0)
	test.Tap(h.w.detail.editButton)
	h.waitFor("the editor", func() bool { return h.w.editor != nil })
	e := h.w.editor
	if e.company.Selected != "Acme" || len(e.groups.Selected) != 1 || e.phones.rows[0].typ.Text != "assistant" {
		t.Fatalf("editor: company %q groups %v phone type %q", e.company.Selected, e.groups.Selected, e.phones.rows[0].typ.Text)
	}
	// Remove the second phone, leave the company, add a birthday.
	test.Tap(findRemove(t, e.phones.list.Objects[1]))
	e.company.SetSelectedIndex(0)
	e.groups.SetSelected(nil)
	test.Type(e.birthday, "1990-03-12")
	test.Tap(e.saveButton)
	h.waitFor("the save", func() bool { return h.w.editor == nil })
	got := mustHuman(t, h.svc, ann.ID)
	if len(got.Phones) != 1 || got.Phones[0].Type != "assistant" || !got.Phones[0].IsPrimary {
		t.Errorf("phones = %+v", got.Phones)
	}
	if got.CompanyID != 0 || len(got.GroupIDs) != 0 || !got.IsFavorite {
		t.Errorf("company %d groups %v favourite %v", got.CompanyID, got.GroupIDs, got.IsFavorite)
	}
	if got.Birthday == nil || got.Birthday.Year != 1990 {
		t.Errorf("birthday = %+v", got.Birthday)
	}
}

// findRemove finds the remove button of an editor row.
func findRemove(t *testing.T, row fyne.CanvasObject) *widget.Button {
	t.Helper()
	var found *widget.Button
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == "" && b.Icon != nil && b.Icon.Name() == theme.ContentRemoveIcon().Name() {
			found = b
		}
		if c, ok := o.(*fyne.Container); ok {
			for _, child := range c.Objects {
				walk(child)
			}
		}
	}
	walk(row)
	if found == nil {
		t.Fatal("no remove button in the row")
	}
	return found
}

func TestShortcutsAndEscape(t *testing.T) {
	h := newHarness(t)
	h.create(&app.Human{FirstName: "Ann"})
	h.waitFor("the contact", h.listLen(1))

	h.w.handleShortcut(shortcutNew)
	h.waitFor("the editor", func() bool { return h.w.editor != nil })
	// Ctrl+N typed in an entry reaches the window too.
	e := h.w.editor
	e.firstName.TypedShortcut(shortcutNew)
	if h.w.editor != e {
		t.Error("Ctrl+N in the editor replaced it")
	}
	// Escape in an entry discards the new contact.
	test.Type(e.firstName, "Draft")
	e.firstName.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if h.w.editor != nil {
		t.Fatal("Escape did not close the editor")
	}
	h.idle()
	if n := h.w.list.Length(); n != 1 {
		t.Errorf("%d contacts after Escape, want 1", n)
	}

	// Ctrl+F focuses the search.
	h.w.handleShortcut(shortcutFind)
	if h.win.Canvas().Focused() != h.w.search {
		t.Error("Ctrl+F did not focus the search")
	}

	// Escape with a selection clears it.
	h.selectRow(0)
	h.w.escape()
	if h.w.selected != 0 || h.w.detail.human != nil {
		t.Error("Escape kept the selection")
	}
}

func TestLeavingDirtyEditorAsks(t *testing.T) {
	h := newHarness(t)
	h.create(&app.Human{FirstName: "Ann"})
	h.create(&app.Human{FirstName: "Ben"})
	h.waitFor("two contacts", h.listLen(2))
	e := h.openNewEditor()
	test.Type(e.firstName, "Draft")

	h.answer = false
	h.w.list.list.Select(1)
	if h.w.editor != e || len(h.confirms) != 1 {
		t.Fatalf("selecting a row with unsaved changes: editor kept %v, asked %q", h.w.editor == e, h.confirms)
	}
	h.answer = true
	h.w.list.list.Select(0)
	h.waitFor("Ann's card", func() bool { return h.w.editor == nil && h.w.detail.human != nil })
	if h.w.detail.human.FirstName != "Ann" {
		t.Errorf("card = %q", h.w.detail.human.FirstName)
	}
}

func TestServiceErrorShownNotPanicking(t *testing.T) {
	h := newHarness(t)
	ann := h.create(&app.Human{FirstName: "Ann"})
	h.waitFor("the contact", h.listLen(1))
	h.selectRow(0)
	// Gone behind the window's back, before it heard of it.
	h.w.detail.human = &app.Human{ID: 999999, FirstName: "Ghost", ETag: "x"}
	h.w.selected = 999999
	h.w.toggleFavouriteSelected()
	h.waitFor("the error", func() bool { return len(h.errors) > 0 })
	if !strings.Contains(h.errors[0], "no longer exists") {
		t.Errorf("error = %q", h.errors[0])
	}
	_ = ann
}

func TestCtrlReturnInEntrySaves(t *testing.T) {
	h := newHarness(t)
	e := h.openNewEditor()
	test.Type(e.firstName, "Ann")
	test.Type(e.notes, "Line one")
	// Ctrl+Return typed in the multi-line notes saves rather than
	// adding a line.
	e.notes.TypedShortcut(shortcutSave)
	h.waitFor("the save", func() bool { return h.w.editor == nil && h.listLen(1)() })
	ids, _ := h.svc.HumanIDs(context.Background(), app.Query{})
	if got := mustHuman(t, h.svc, ids[0]); got.Notes != "Line one" {
		t.Errorf("notes = %q", got.Notes)
	}
}

func TestClosingWindowUnsubscribes(t *testing.T) {
	h := newHarness(t)
	h.idle()
	h.win.Close()
	h.closed = true // the queue stays open: nothing may arrive
	if h.w.ctx.Err() == nil {
		t.Fatal("closing the window did not cancel its work")
	}
	h.create(&app.Human{FirstName: "Ann"})
	select {
	case <-h.queue:
		t.Error("a closed window still follows the store")
	case <-time.After(200 * time.Millisecond):
	}
	close(h.done)
}

func TestPhotoOnCard(t *testing.T) {
	h := newHarness(t)
	ann := h.create(&app.Human{FirstName: "Ann"})
	h.waitFor("the contact", h.listLen(1))
	h.selectRow(0)
	if h.w.detail.photo != nil {
		t.Fatal("a card without a photo shows one")
	}

	var img bytes.Buffer
	if err := png.Encode(&img, image.NewRGBA(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	h.w.setPhoto(ann.ID, img.Bytes())
	h.waitFor("the photo", func() bool { return h.w.detail.photo != nil })

	test.Tap(h.w.detail.removePhotoButton)
	h.waitFor("the photo to go", func() bool { return h.w.detail.photo == nil && h.w.detail.human.PhotoHash == "" })

	// Not an image: the store's message, in words.
	h.w.setPhoto(ann.ID, []byte("plain text"))
	h.waitFor("the error", func() bool { return len(h.errors) > 0 })
	if want := "Photo is not a JPEG, PNG, GIF or WebP image"; !strings.Contains(h.errors[0], want) {
		t.Errorf("error = %q, want %q", h.errors[0], want)
	}
}

func TestReturnInSearchSelectsFirst(t *testing.T) {
	h := newHarness(t)
	h.create(&app.Human{FirstName: "Zoë", LastName: "Durand"})
	ben := h.create(&app.Human{FirstName: "Ben", LastName: "Zola"})
	h.waitFor("two contacts", h.listLen(2))
	test.Type(h.w.search, "zola")
	// Return before the pause ran the search: it runs now and the
	// first match opens.
	h.w.search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	h.waitFor("Ben's card", func() bool { return h.w.detail.human != nil && h.w.detail.human.ID == ben.ID })
	if h.w.list.Length() != 1 {
		t.Errorf("list has %d rows, want the one match", h.w.list.Length())
	}
}

func TestErrorScrolledIntoView(t *testing.T) {
	h := newHarness(t)
	e := h.openNewEditor()
	test.Type(e.firstName, "Ann")
	for range 4 {
		test.Tap(e.addresses.addBtn)
	}
	for _, r := range e.addresses.rows {
		r.city.SetText("Lyon")
	}
	test.Tap(e.urls.addBtn)
	test.Type(e.urls.rows[0].text, "not a web address")
	test.Tap(e.saveButton)
	l := e.urls.rows[0].err
	h.waitFor("the web address error", l.Visible)
	if e.scroll.Offset.Y <= 0 {
		t.Fatalf("the form did not scroll to the error (offset %v)", e.scroll.Offset.Y)
	}
	d := fyne.CurrentApp().Driver()
	y := d.AbsolutePositionForObject(l).Y - d.AbsolutePositionForObject(e.scroll).Y
	if y < 0 || y > e.scroll.Size().Height {
		t.Errorf("the error is %v below the top of a form %v high", y, e.scroll.Size().Height)
	}
}

func TestF1ShowsShortcuts(t *testing.T) {
	h := newHarness(t)
	h.w.version = "1.2.3"
	h.w.search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyF1})
	top := h.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("F1 showed nothing")
	}
	var texts []string
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch v := o.(type) {
		case *widget.Label:
			texts = append(texts, v.Text)
		case *fyne.Container:
			for _, c := range v.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(v).Objects() {
				walk(c)
			}
		}
	}
	walk(top)
	all := strings.Join(texts, "\n")
	for _, want := range []string{"Ctrl+N", "New contact", "Ctrl+Delete", "Humans 1.2.3"} {
		if !strings.Contains(all, want) {
			t.Errorf("the help lacks %q:\n%s", want, all)
		}
	}
}
