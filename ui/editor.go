package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/humans-contacts/humans/app"
)

// choices are the companies and groups the editor offers.
type choices struct {
	companies []*app.Company
	groups    []*app.Group
}

func loadChoices(svc *app.Service) func(ctx context.Context) (choices, error) {
	return func(ctx context.Context) (choices, error) {
		companies, err := svc.Companies(ctx)
		if err != nil {
			return choices{}, err
		}
		groups, err := svc.Groups(ctx)
		if err != nil {
			return choices{}, err
		}
		return choices{companies: companies, groups: groups}, nil
	}
}

// noCompany is the company picker's first option.
const noCompany = "(none)"

// editor is the form that creates a contact or edits one. It checks
// nothing itself but the birthday's syntax: the service validates, and
// its per-field messages are shown next to the fields.
type editor struct {
	w    *Window
	base *app.Human // the version being edited; nil for a new contact

	dirty  bool // the person changed something
	saving bool

	title   *widget.Label
	general *widget.Label // errors that belong to no field
	notice  *widget.Label // the contact changed elsewhere meanwhile

	firstName, lastName, displayName, nickname, prefix, suffix *entry
	jobTitle, department, birthday, language, notes            *entry
	company                                                    *widget.Select
	companyIDs                                                 []int64 // parallel to company.Options
	gender                                                     *widget.Select
	groups                                                     *widget.CheckGroup
	groupIDs                                                   map[string]int64 // option → id

	// errs are the error labels of the single fields, by validation key.
	errs map[string]*widget.Label

	phones    *rowSection[*phoneRow]
	emails    *rowSection[*emailRow]
	addresses *rowSection[*addressRow]
	urls      *rowSection[*urlRow]
	ims       *rowSection[*imRow]

	saveButton, cancelButton *widget.Button
	scroll                   *container.Scroll
	content                  fyne.CanvasObject
}

// genderLabels are the gender picker's options, parallel to app.Genders.
func genderLabels() []string {
	out := make([]string, len(app.Genders))
	for i, g := range app.Genders {
		out[i] = capitalise(g)
		if g == "" {
			out[i] = "Not set"
		}
	}
	return out
}

func newEditor(w *Window, base *app.Human, c choices) *editor {
	e := &editor{w: w, base: base, errs: map[string]*widget.Label{}}
	h := base
	if h == nil {
		h = &app.Human{}
	}

	e.title = widget.NewLabel("New contact")
	if base != nil {
		e.title.SetText("Edit " + displayName(base))
	}
	e.title.SizeName = theme.SizeNameSubHeadingText
	e.title.TextStyle.Bold = true
	e.title.Truncation = fyne.TextTruncateEllipsis
	e.general = errorLabel()
	e.notice = widget.NewLabel("")
	e.notice.Importance = widget.WarningImportance
	e.notice.Wrapping = fyne.TextWrapWord
	e.notice.Hide()

	text := func(value, placeholder string) *entry {
		en := newEntry(w)
		en.SetText(value)
		en.SetPlaceHolder(placeholder)
		en.OnChanged = func(string) { e.dirty = true }
		return en
	}
	e.firstName = text(h.FirstName, "")
	e.lastName = text(h.LastName, "")
	e.displayName = text(h.DisplayName, "Made from the name when empty")
	e.nickname = text(h.Nickname, "")
	e.prefix = text(h.Prefix, "Dr, Ms…")
	e.suffix = text(h.Suffix, "Jr, PhD…")
	e.jobTitle = text(h.JobTitle, "")
	e.department = text(h.Department, "")
	e.birthday = text(birthdayText(h.Birthday), "YYYY-MM-DD, or --MM-DD without the year")
	e.language = text(h.Language, "en, fr-CA…")
	e.notes = newMultiLineEntry(w)
	e.notes.SetText(h.Notes)
	e.notes.SetMinRowsVisible(4)
	e.notes.OnChanged = func(string) { e.dirty = true }

	// Company: "(none)" then every company by name.
	names := make([]string, len(c.companies))
	for i, co := range c.companies {
		names[i] = co.Name
	}
	labels := uniqueLabels(names)
	e.companyIDs = append([]int64{0}, make([]int64, len(c.companies))...)
	for i, co := range c.companies {
		e.companyIDs[i+1] = co.ID
	}
	options := append([]string{noCompany}, labels...)
	if h.CompanyID != 0 && !slices.Contains(e.companyIDs, h.CompanyID) {
		// A company the list lacks stays linked rather than being
		// cleared by a save.
		options = append(options, fmt.Sprintf("(company %d)", h.CompanyID))
		e.companyIDs = append(e.companyIDs, h.CompanyID)
	}
	e.company = widget.NewSelect(options, func(string) { e.dirty = true })
	e.company.SetSelectedIndex(0)
	if i := slices.Index(e.companyIDs, h.CompanyID); i > 0 {
		e.company.SetSelectedIndex(i)
	}

	e.gender = widget.NewSelect(genderLabels(), func(string) { e.dirty = true })
	e.gender.SetSelectedIndex(0)
	if i := slices.Index(app.Genders, h.Gender); i >= 0 {
		e.gender.SetSelectedIndex(i)
	}

	gnames := make([]string, len(c.groups))
	for i, g := range c.groups {
		gnames[i] = g.Name
	}
	glabels := uniqueLabels(gnames)
	e.groupIDs = make(map[string]int64, len(c.groups))
	var selected []string
	for i, g := range c.groups {
		e.groupIDs[glabels[i]] = g.ID
		if slices.Contains(h.GroupIDs, g.ID) {
			selected = append(selected, glabels[i])
		}
	}
	e.groups = widget.NewCheckGroup(glabels, nil)
	e.groups.SetSelected(selected)
	e.groups.OnChanged = func([]string) { e.dirty = true }

	markDirty := func() { e.dirty = true }
	e.phones = newRowSection("phone_numbers", "Add phone", markDirty, func() *phoneRow { return newPhoneRow(w, markDirty) })
	for _, p := range h.Phones {
		e.phones.add().set(p)
	}
	e.emails = newRowSection("emails", "Add e-mail", markDirty, func() *emailRow { return newEmailRow(w, markDirty) })
	for _, m := range h.Emails {
		e.emails.add().set(m)
	}
	e.addresses = newRowSection("addresses", "Add address", markDirty, func() *addressRow { return newAddressRow(w, markDirty) })
	for _, a := range h.Addresses {
		e.addresses.add().set(a)
	}
	e.urls = newRowSection("urls", "Add web address", markDirty, func() *urlRow { return newURLRow(w, markDirty) })
	for _, u := range h.URLs {
		e.urls.add().set(u)
	}
	e.ims = newRowSection("ims", "Add messaging handle", markDirty, func() *imRow { return newIMRow(w, markDirty) })
	for _, im := range h.IMs {
		e.ims.add().set(im)
	}
	if base == nil {
		// A new contact starts with one phone and one e-mail to fill in.
		e.phones.add()
		e.emails.add()
	}
	e.dirty = false

	e.saveButton = widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), e.save)
	e.saveButton.Importance = widget.HighImportance
	e.cancelButton = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), e.cancel)

	e.content = e.layout()
	return e
}

func errorLabel() *widget.Label {
	l := widget.NewLabel("")
	l.Importance = widget.DangerImportance
	l.Wrapping = fyne.TextWrapWord
	l.Hide()
	return l
}

func setError(l *widget.Label, msg string) {
	l.SetText(msg)
	if msg == "" {
		l.Hide()
	} else {
		l.Show()
	}
}

// editorKeyWidth is the width of the label column of the form.
const editorKeyWidth = 110

// field adds one labelled input to form, with its error label under it.
func (e *editor) field(form *fyne.Container, key, label string, input fyne.CanvasObject) {
	errL := errorLabel()
	e.errs[key] = errL
	form.Add(labelled(widget.NewLabel(label), editorKeyWidth, container.NewVBox(input, errL)))
}

func (e *editor) layout() fyne.CanvasObject {
	name := container.NewVBox()
	e.field(name, "first_name", "First name", e.firstName)
	e.field(name, "last_name", "Last name", e.lastName)
	e.field(name, "display_name", "Display name", e.displayName)
	e.field(name, "nickname", "Nickname", e.nickname)
	e.field(name, "prefix", "Prefix", e.prefix)
	e.field(name, "suffix", "Suffix", e.suffix)

	work := container.NewVBox()
	e.field(work, "company_id", "Company", e.company)
	e.field(work, "job_title", "Job title", e.jobTitle)
	e.field(work, "department", "Department", e.department)

	personal := container.NewVBox()
	e.field(personal, "birthday", "Birthday", e.birthday)
	e.field(personal, "gender", "Gender", e.gender)
	e.field(personal, "language", "Language", e.language)
	groups := fyne.CanvasObject(e.groups)
	if len(e.groups.Options) == 0 {
		none := widget.NewLabel("No groups yet")
		none.Importance = widget.LowImportance
		groups = none
	}
	e.field(personal, "group_ids", "Groups", groups)

	notes := container.NewVBox()
	e.field(notes, "notes", "Notes", e.notes)

	body := container.NewVBox(
		e.general, e.notice,
		sectionTitle("Name"), name,
		sectionTitle("Work"), work,
		sectionTitle("Phone"), e.phones.box,
		sectionTitle("E-mail"), e.emails.box,
		sectionTitle("Address"), e.addresses.box,
		sectionTitle("Web"), e.urls.box,
		sectionTitle("Messaging"), e.ims.box,
		sectionTitle("Personal"), personal,
		notes,
	)
	bar := container.NewBorder(nil, nil, nil, container.NewHBox(e.cancelButton, e.saveButton), e.title)
	e.scroll = container.NewVScroll(container.NewPadded(body))
	return container.NewBorder(container.NewVBox(bar, widget.NewSeparator()), nil, nil, nil, e.scroll)
}

func (e *editor) focusFirst() {
	e.w.win.Canvas().Focus(e.firstName)
}

// name is what the discard question calls the contact.
func (e *editor) name() string {
	if e.base == nil {
		return "the new contact"
	}
	return displayName(e.base)
}

// cancel discards the edit (Cancel, Escape).
func (e *editor) cancel() {
	if e.w.editor != e {
		return
	}
	e.w.closeEditor()
}

// changedElsewhere tells the person the contact they edit changed.
func (e *editor) changedElsewhere(msg string) {
	e.notice.SetText(msg + " Saving will ask what to do.")
	e.notice.Show()
	e.relayout()
}

// form is what the person typed, as a contact; index maps of the lists
// turn the store's "emails[i]" back into rows (empty rows are left out).
type form struct {
	human    app.Human
	rowIndex map[string][]int // list key → row number of each stored item
}

// collect reads the form. The only check it makes is the birthday's
// syntax, which it shows next to the field and reports with ok false.
func (e *editor) collect() (f form, ok bool) {
	h := &f.human
	h.FirstName = e.firstName.Text
	h.LastName = e.lastName.Text
	h.DisplayName = e.displayName.Text
	h.Nickname = e.nickname.Text
	h.Prefix = e.prefix.Text
	h.Suffix = e.suffix.Text
	h.JobTitle = e.jobTitle.Text
	h.Department = e.department.Text
	h.Notes = e.notes.Text
	h.Language = e.language.Text
	if i := e.company.SelectedIndex(); i > 0 && i < len(e.companyIDs) {
		h.CompanyID = e.companyIDs[i]
	}
	if i := e.gender.SelectedIndex(); i >= 0 && i < len(app.Genders) {
		h.Gender = app.Genders[i]
	}
	for _, label := range e.groups.Selected {
		if id, ok := e.groupIDs[label]; ok {
			h.GroupIDs = append(h.GroupIDs, id)
		}
	}
	slices.Sort(h.GroupIDs)
	f.rowIndex = map[string][]int{}
	h.Phones, f.rowIndex["phone_numbers"] = collectRows(e.phones, (*phoneRow).value)
	h.Emails, f.rowIndex["emails"] = collectRows(e.emails, (*emailRow).value)
	h.Addresses, f.rowIndex["addresses"] = collectRows(e.addresses, (*addressRow).value)
	h.URLs, f.rowIndex["urls"] = collectRows(e.urls, (*urlRow).value)
	h.IMs, f.rowIndex["ims"] = collectRows(e.ims, (*imRow).value)

	b, err := app.ParseBirthday(e.birthday.Text)
	if err != nil {
		setError(e.errs["birthday"], err.Error())
		e.relayout()
		e.scrollToFirstError()
		return f, false
	}
	h.Birthday = b
	return f, true
}

// patchFor is the update that sets every field the editor edits to its
// value in h; what the editor does not show (source, favourite, photo,
// custom fields, consents, extra data) is left alone.
func patchFor(h *app.Human) app.HumanPatch {
	s := func(v string) *string { return &v }
	birthday := h.Birthday
	companyID := h.CompanyID
	phones := slices.Clone(h.Phones)
	emails := slices.Clone(h.Emails)
	addresses := slices.Clone(h.Addresses)
	urls := slices.Clone(h.URLs)
	ims := slices.Clone(h.IMs)
	groups := slices.Clone(h.GroupIDs)
	return app.HumanPatch{
		FirstName:   s(h.FirstName),
		LastName:    s(h.LastName),
		DisplayName: s(h.DisplayName),
		Nickname:    s(h.Nickname),
		Prefix:      s(h.Prefix),
		Suffix:      s(h.Suffix),
		Gender:      s(h.Gender),
		JobTitle:    s(h.JobTitle),
		Department:  s(h.Department),
		CompanyID:   &companyID,
		Birthday:    &birthday,
		Notes:       s(h.Notes),
		Language:    s(h.Language),
		Phones:      &phones,
		Emails:      &emails,
		Addresses:   &addresses,
		URLs:        &urls,
		IMs:         &ims,
		GroupIDs:    &groups,
	}
}

// clearErrors hides every error message.
func (e *editor) clearErrors() {
	setError(e.general, "")
	for _, l := range e.errs {
		setError(l, "")
	}
	e.phones.clearErrors()
	e.emails.clearErrors()
	e.addresses.clearErrors()
	e.urls.clearErrors()
	e.ims.clearErrors()
	e.relayout()
}

// save stores the form (Save, Ctrl+Return): CreateHuman for a new
// contact, else UpdateHuman against the etag of the version edited.
func (e *editor) save() {
	if e.saving || e.w.editor != e {
		return
	}
	e.clearErrors()
	f, ok := e.collect()
	if !ok {
		return
	}
	e.saving = true
	e.saveButton.Disable()
	base := e.base
	background(e.w, func(ctx context.Context) (*app.Human, error) {
		if base == nil {
			h := f.human
			h.Source = "manual"
			return e.w.svc.CreateHuman(ctx, &h)
		}
		return e.w.svc.UpdateHuman(ctx, base.ID, patchFor(&f.human), base.ETag)
	}, func(h *app.Human, err error) {
		e.saving = false
		e.saveButton.Enable()
		if e.w.editor != e {
			return
		}
		var verr *app.ValidationError
		switch {
		case err == nil:
			e.w.saved(h)
		case errors.As(err, &verr):
			e.showErrors(verr, f)
		case errors.Is(err, app.ErrConflict):
			e.conflict()
		case errors.Is(err, app.ErrNotFound):
			setError(e.general, "This contact was deleted elsewhere; it cannot be saved any more.")
		default:
			setError(e.general, "Could not save: "+err.Error())
			e.w.fail("Saving the contact", err)
		}
		if err != nil {
			e.relayout()
			e.scrollToFirstError()
		}
	})
}

// conflictMessage is what the editor says when the contact changed
// elsewhere since it was opened.
const conflictMessage = "This contact was changed elsewhere (another device or a sync) since you began editing. Reload it to see the changes; your edits here will be lost."

// conflict tells the person that the contact changed elsewhere and offers
// to reload it.
func (e *editor) conflict() {
	setError(e.general, conflictMessage)
	e.relayout()
	e.scrollToFirstError()
	id := e.base.ID
	e.w.confirm("Contact changed elsewhere", conflictMessage, "Reload", func() { e.reload(id) }, nil)
}

// reload opens the editor again on the stored version of contact id.
func (e *editor) reload(id int64) {
	if e.w.editor != e {
		return
	}
	background(e.w, func(ctx context.Context) (reloaded, error) {
		h, err := e.w.svc.Human(ctx, id)
		if err != nil {
			return reloaded{}, err
		}
		c, err := loadChoices(e.w.svc)(ctx)
		return reloaded{h, c}, err
	}, func(r reloaded, err error) {
		if e.w.editor != e {
			return
		}
		if err != nil {
			e.w.fail("Reloading the contact", err)
			return
		}
		ne := newEditor(e.w, r.human, r.choices)
		e.w.editor = ne
		e.w.setRight(ne.content)
		ne.focusFirst()
	})
}

type reloaded struct {
	human   *app.Human
	choices choices
}

// showErrors puts each message of verr next to its field; a message for
// no field of the form goes to the top.
func (e *editor) showErrors(verr *app.ValidationError, f form) {
	var general []string
	for _, key := range sortedKeys(verr.Fields) {
		msg := verr.Fields[key]
		fk := parseFieldKey(key)
		if l, ok := e.errs[key]; ok && fk.index < 0 {
			setError(l, errorText(fieldLabels[key], msg))
			continue
		}
		if e.rowError(fk, msg, f) {
			continue
		}
		label := fieldLabels[key]
		if label == "" {
			label = key
		}
		general = append(general, errorText(label, msg))
	}
	if len(general) > 0 {
		setError(e.general, strings.Join(general, "\n"))
	}
	e.relayout()
	e.scrollToFirstError()
}

// relayout lays the form out again after error labels came or went.
func (e *editor) relayout() {
	if e.content != nil {
		e.content.Refresh()
	}
}

// errorLabels are every error label of the form.
func (e *editor) errorLabels() []*widget.Label {
	out := []*widget.Label{e.general}
	for _, l := range e.errs {
		out = append(out, l)
	}
	out = append(out, e.phones.errorLabels()...)
	out = append(out, e.emails.errorLabels()...)
	out = append(out, e.addresses.errorLabels()...)
	out = append(out, e.urls.errorLabels()...)
	out = append(out, e.ims.errorLabels()...)
	return out
}

// scrollToFirstError brings the topmost error message into view.
func (e *editor) scrollToFirstError() {
	d := fyne.CurrentApp().Driver()
	top := d.AbsolutePositionForObject(e.scroll.Content).Y
	first := float32(-1)
	for _, l := range e.errorLabels() {
		if !l.Visible() {
			continue
		}
		// The field above the message is what the person looks for.
		y := d.AbsolutePositionForObject(l).Y - top - 2*theme.LineSpacing() - theme.TextSize()*2
		if first < 0 || y < first {
			first = y
		}
	}
	if first < 0 {
		return
	}
	visible := e.scroll.Offset.Y
	if first >= visible && first < visible+e.scroll.Size().Height-theme.TextSize()*4 {
		return // already in view
	}
	e.scroll.ScrollToOffset(fyne.NewPos(0, max(first, 0)))
}

// rowError shows a message about a list (phone_numbers, emails, …) or one
// of its items next to it; false if fk is about no list.
func (e *editor) rowError(fk fieldKey, msg string, f form) bool {
	type target interface {
		show(index int, text string) bool
		showSection(text string)
	}
	sections := map[string]target{
		"phone_numbers": e.phones, "emails": e.emails, "addresses": e.addresses,
		"urls": e.urls, "ims": e.ims,
	}
	sec, ok := sections[fk.list]
	if !ok {
		return false
	}
	if fk.index < 0 {
		sec.showSection(capitalise(msg))
		return true
	}
	rows := f.rowIndex[fk.list]
	if fk.index >= len(rows) {
		return false
	}
	label := fieldLabels[fk.sub]
	if label == "" {
		label = "This entry"
	}
	return sec.show(rows[fk.index], errorText(label, msg))
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// --- repeatable rows -------------------------------------------------------

// listRow is one item of a repeatable list in the form.
type listRow interface {
	object() fyne.CanvasObject
	primaryCheck() *widget.Check
	errorLabel() *widget.Label
	empty() bool
}

// rowSection is a repeatable list of rows with an add button; each row
// has a remove button and a primary check (at most one is checked).
type rowSection[R listRow] struct {
	key     string
	rows    []R
	box     *fyne.Container
	list    *fyne.Container
	err     *widget.Label
	newRow  func() R
	changed func()
	addBtn  *widget.Button
}

func newRowSection[R listRow](key, addLabel string, changed func(), newRow func() R) *rowSection[R] {
	s := &rowSection[R]{key: key, newRow: newRow, changed: changed, err: errorLabel(), list: container.NewVBox()}
	s.addBtn = widget.NewButtonWithIcon(addLabel, theme.ContentAddIcon(), func() {
		s.add()
		s.changed()
	})
	s.addBtn.Importance = widget.LowImportance
	s.box = container.NewVBox(s.list, s.err, container.NewHBox(s.addBtn))
	return s
}

// add appends an empty row and returns it.
func (s *rowSection[R]) add() R {
	r := s.newRow()
	s.rows = append(s.rows, r)
	check := r.primaryCheck()
	check.OnChanged = func(on bool) {
		if on {
			for _, o := range s.rows {
				if c := o.primaryCheck(); c != check && c.Checked {
					c.SetChecked(false)
				}
			}
		}
		s.changed()
	}
	var remove *widget.Button
	remove = widget.NewButtonWithIcon("", theme.ContentRemoveIcon(), func() { s.remove(r) })
	remove.Importance = widget.LowImportance
	row := container.NewBorder(nil, r.errorLabel(), nil, container.NewHBox(check, remove), r.object())
	s.list.Add(row)
	return r
}

func (s *rowSection[R]) remove(r R) {
	for i, o := range s.rows {
		if any(o) == any(r) {
			s.rows = slices.Delete(s.rows, i, i+1)
			s.list.Remove(s.list.Objects[i])
			s.changed()
			return
		}
	}
}

func (s *rowSection[R]) errorLabels() []*widget.Label {
	out := []*widget.Label{s.err}
	for _, r := range s.rows {
		out = append(out, r.errorLabel())
	}
	return out
}

func (s *rowSection[R]) clearErrors() {
	setError(s.err, "")
	for _, r := range s.rows {
		setError(r.errorLabel(), "")
	}
}

func (s *rowSection[R]) show(i int, text string) bool {
	if i < 0 || i >= len(s.rows) {
		return false
	}
	l := s.rows[i].errorLabel()
	if l.Text != "" {
		text = l.Text + "\n" + text
	}
	setError(l, text)
	return true
}

func (s *rowSection[R]) showSection(text string) {
	setError(s.err, text)
}

// collectRows returns the values of the rows that are not empty, and the
// row number of each.
func collectRows[R listRow, V any](s *rowSection[R], value func(R) V) ([]V, []int) {
	var out []V
	var index []int
	for i, r := range s.rows {
		if r.empty() {
			continue
		}
		out = append(out, value(r))
		index = append(index, i)
	}
	return out, index
}

// rowBase holds what every row has.
type rowBase struct {
	primary *widget.Check
	err     *widget.Label
}

func newRowBase() rowBase {
	return rowBase{primary: widget.NewCheck("Primary", nil), err: errorLabel()}
}

func (r *rowBase) primaryCheck() *widget.Check { return r.primary }
func (r *rowBase) errorLabel() *widget.Label   { return r.err }

// typePicker is a drop-down of the usual labels that also takes any
// other (labels from imports are kept as they are).
func typePicker(options []string, changed func()) *widget.SelectEntry {
	s := widget.NewSelectEntry(options)
	s.OnChanged = func(string) { changed() }
	return s
}

const typeWidth = 130

type phoneRow struct {
	rowBase
	typ       *widget.SelectEntry
	number    *entry
	extension *entry
	obj       fyne.CanvasObject
}

func newPhoneRow(w *Window, changed func()) *phoneRow {
	r := &phoneRow{rowBase: newRowBase(), typ: typePicker(app.PhoneTypes, changed), number: newEntry(w), extension: newEntry(w)}
	r.typ.SetText("mobile")
	r.number.SetPlaceHolder("Phone number")
	r.number.OnChanged = func(string) { changed() }
	r.extension.SetPlaceHolder("Ext.")
	r.extension.OnChanged = func(string) { changed() }
	r.obj = container.NewBorder(nil, nil, sized(r.typ, typeWidth), sized(r.extension, 70), r.number)
	return r
}

func (r *phoneRow) object() fyne.CanvasObject { return r.obj }
func (r *phoneRow) empty() bool {
	return strings.TrimSpace(r.number.Text) == "" && strings.TrimSpace(r.extension.Text) == ""
}

func (r *phoneRow) set(p app.Phone) {
	r.typ.SetText(p.Type)
	r.number.SetText(p.Number)
	r.extension.SetText(p.Extension)
	r.primary.SetChecked(p.IsPrimary)
}

func (r *phoneRow) value() app.Phone {
	return app.Phone{Number: r.number.Text, Type: r.typ.Text, Extension: r.extension.Text, IsPrimary: r.primary.Checked}
}

type addressRow struct {
	rowBase
	typ                                                    *widget.SelectEntry
	street, number, complement, zip, city, region, country *entry
	obj                                                    fyne.CanvasObject
}

func newAddressRow(w *Window, changed func()) *addressRow {
	r := &addressRow{rowBase: newRowBase(), typ: typePicker(app.AddressTypes, changed)}
	r.typ.SetText("home")
	mk := func(placeholder string) *entry {
		en := newEntry(w)
		en.SetPlaceHolder(placeholder)
		en.OnChanged = func(string) { changed() }
		return en
	}
	r.street, r.number, r.complement = mk("Street"), mk("No."), mk("Building, floor, P.O. box…")
	r.zip, r.city, r.region, r.country = mk("Postcode"), mk("City"), mk("Region"), mk("Country")
	fields := container.NewVBox(
		container.NewBorder(nil, nil, sized(r.number, 80), nil, r.street),
		r.complement,
		container.NewBorder(nil, nil, sized(r.zip, 110), nil, r.city),
		container.NewGridWithColumns(2, r.region, r.country),
	)
	r.obj = container.NewBorder(nil, nil, container.NewVBox(sized(r.typ, typeWidth)), nil, fields)
	return r
}

func (r *addressRow) object() fyne.CanvasObject { return r.obj }
func (r *addressRow) empty() bool               { return r.value().IsEmpty() }

func (r *addressRow) set(a app.Address) {
	r.typ.SetText(a.Type)
	r.street.SetText(a.Street)
	r.number.SetText(a.Number)
	r.complement.SetText(a.Complement)
	r.zip.SetText(a.Zip)
	r.city.SetText(a.City)
	r.region.SetText(a.Region)
	r.country.SetText(a.Country)
	r.primary.SetChecked(a.IsPrimary)
}

func (r *addressRow) value() app.Address {
	return app.Address{
		Type: r.typ.Text, Street: r.street.Text, Number: r.number.Text, Complement: r.complement.Text,
		Zip: r.zip.Text, City: r.city.Text, Region: r.region.Text, Country: r.country.Text,
		IsPrimary: r.primary.Checked,
	}
}

// textRow is a row of a label picker and one text entry: an e-mail, a
// web address, a messaging handle. fromRow and toRow convert between the
// row's label, text and primary flag and the value it edits.
type textRow[V any] struct {
	rowBase
	label   *widget.SelectEntry
	text    *entry
	obj     fyne.CanvasObject
	toRow   func(V) (label, text string, primary bool)
	fromRow func(label, text string, primary bool) V
}

func newTextRow[V any](w *Window, changed func(), labels []string, defaultLabel, placeholder string,
	toRow func(V) (string, string, bool), fromRow func(string, string, bool) V) *textRow[V] {
	r := &textRow[V]{rowBase: newRowBase(), label: typePicker(labels, changed), text: newEntry(w), toRow: toRow, fromRow: fromRow}
	r.label.SetText(defaultLabel)
	r.text.SetPlaceHolder(placeholder)
	r.text.OnChanged = func(string) { changed() }
	r.obj = container.NewBorder(nil, nil, sized(r.label, typeWidth), nil, r.text)
	return r
}

func (r *textRow[V]) object() fyne.CanvasObject { return r.obj }
func (r *textRow[V]) empty() bool               { return strings.TrimSpace(r.text.Text) == "" }

func (r *textRow[V]) set(v V) {
	label, text, primary := r.toRow(v)
	r.label.SetText(label)
	r.text.SetText(text)
	r.primary.SetChecked(primary)
}

func (r *textRow[V]) value() V { return r.fromRow(r.label.Text, r.text.Text, r.primary.Checked) }

type (
	emailRow = textRow[app.Email]
	urlRow   = textRow[app.URL]
	imRow    = textRow[app.IM]
)

func newEmailRow(w *Window, changed func()) *emailRow {
	return newTextRow(w, changed, app.EmailTypes, "home", "name@example.com",
		func(m app.Email) (string, string, bool) { return m.Type, m.Address, m.IsPrimary },
		func(label, text string, primary bool) app.Email {
			return app.Email{Address: text, Type: label, IsPrimary: primary}
		})
}

func newURLRow(w *Window, changed func()) *urlRow {
	return newTextRow(w, changed, app.URLTypes, "website", "https://…",
		func(u app.URL) (string, string, bool) { return u.Type, u.URL, u.IsPrimary },
		func(label, text string, primary bool) app.URL {
			return app.URL{URL: text, Type: label, IsPrimary: primary}
		})
}

func newIMRow(w *Window, changed func()) *imRow {
	return newTextRow(w, changed, app.IMServices, "signal", "Handle",
		func(im app.IM) (string, string, bool) { return im.Service, im.Handle, im.IsPrimary },
		func(label, text string, primary bool) app.IM {
			return app.IM{Handle: text, Service: label, IsPrimary: primary}
		})
}
