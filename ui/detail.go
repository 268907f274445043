package ui

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/humans-contacts/humans/app"
)

// detailData is everything the card of one contact shows.
type detailData struct {
	human   *app.Human
	photo   fyne.Resource // nil when the contact has none
	company string
	groups  map[int64]string
	fields  map[string]app.CustomFieldDef
}

// groupsChanged reports whether the names the card shows for groups
// differ between d and old.
func (d detailData) groupsChanged(old detailData) bool {
	if d.human == nil || old.human == nil {
		return true
	}
	if d.company != old.company || (d.photo == nil) != (old.photo == nil) {
		return true
	}
	for _, id := range d.human.GroupIDs {
		if d.groups[id] != old.groups[id] {
			return true
		}
	}
	return false
}

// loadDetail reads contact id and the names its card needs. It runs off
// the UI goroutine.
func loadDetail(ctx context.Context, svc *app.Service, id int64) (detailData, error) {
	h, err := svc.Human(ctx, id)
	if err != nil {
		return detailData{}, err
	}
	d := detailData{human: h, groups: map[int64]string{}, fields: map[string]app.CustomFieldDef{}}
	if s, ok := svc.Summary(id); ok {
		d.company = s.CompanyName
	}
	if d.company == "" && h.CompanyID != 0 {
		if c, err := svc.Company(ctx, h.CompanyID); err == nil {
			d.company = c.Name
		}
	}
	if h.PhotoHash != "" {
		// A photo that cannot be read leaves the card without it.
		if data, _, err := svc.Photo(ctx, h.PhotoHash); err == nil && len(data) > 0 {
			d.photo = fyne.NewStaticResource("photo-"+h.PhotoHash, data)
		}
	}
	if len(h.GroupIDs) > 0 {
		groups, err := svc.Groups(ctx)
		if err != nil {
			return detailData{}, err
		}
		for _, g := range groups {
			d.groups[g.ID] = g.Name
		}
	}
	if len(h.CustomFields) > 0 {
		defs, err := svc.CustomFieldDefs(ctx)
		if err != nil {
			return detailData{}, err
		}
		for _, def := range defs {
			d.fields[def.Key] = def
		}
	}
	return d, nil
}

// detailKeyWidth is the width of the label column of the card.
const detailKeyWidth = 150

// photoSize is the side of the photo on the card.
const photoSize = 112

// detailPane is the read-only card of the selected contact, with its
// actions: Edit, Favourite and Delete; in the trash Restore and Delete
// forever.
type detailPane struct {
	w       *Window
	human   *app.Human
	data    detailData
	content *fyne.Container

	// The action buttons, kept for tests and for the shortcuts.
	editButton, favButton, deleteButton, restoreButton *widget.Button
	photoButton, removePhotoButton                     *widget.Button
	photo                                              *canvas.Image
}

func newDetailPane(w *Window) *detailPane {
	return &detailPane{w: w, content: container.NewStack()}
}

func (p *detailPane) clear() {
	p.human = nil
	p.data = detailData{}
	p.content.Objects = nil
}

// show renders d; trash chooses the trash actions.
func (p *detailPane) show(d detailData, trash bool) {
	p.human, p.data = d.human, d
	h := d.human

	name := widget.NewLabel(displayName(h))
	name.SizeName = theme.SizeNameHeadingText
	name.TextStyle.Bold = true
	name.Wrapping = fyne.TextWrapWord
	name.Selectable = true
	header := []fyne.CanvasObject{name}
	if sub := jobLine(h.JobTitle, h.Department, d.company); sub != "" {
		l := widget.NewLabel(sub)
		l.Wrapping = fyne.TextWrapWord
		header = append(header, l)
	}
	if h.Nickname != "" && h.Nickname != displayName(h) {
		l := widget.NewLabel("“" + h.Nickname + "”")
		l.Importance = widget.LowImportance
		header = append(header, l)
	}

	var actions fyne.CanvasObject
	p.editButton, p.favButton, p.deleteButton, p.restoreButton = nil, nil, nil, nil
	p.photoButton, p.removePhotoButton, p.photo = nil, nil, nil
	if trash {
		p.restoreButton = widget.NewButtonWithIcon("Restore", theme.ContentUndoIcon(), p.w.restoreSelected)
		p.restoreButton.Importance = widget.HighImportance
		p.deleteButton = widget.NewButtonWithIcon("Delete forever", theme.DeleteIcon(), p.w.deleteSelected)
		p.deleteButton.Importance = widget.DangerImportance
		actions = container.NewHBox(p.restoreButton, p.deleteButton)
		note := widget.NewLabel(trashNote(h, time.Now(), p.w.svc.Settings().TrashRetentionDays))
		note.Wrapping = fyne.TextWrapWord
		note.Importance = widget.WarningImportance
		header = append(header, note)
	} else {
		p.editButton = widget.NewButtonWithIcon("Edit", theme.DocumentCreateIcon(), p.w.editSelected)
		p.editButton.Importance = widget.HighImportance
		if h.IsFavorite {
			p.favButton = widget.NewButtonWithIcon("Favourite", favouriteIcon(), p.w.toggleFavouriteSelected)
		} else {
			p.favButton = widget.NewButtonWithIcon("Add to favourites", starOutlineIcon(), p.w.toggleFavouriteSelected)
		}
		p.deleteButton = widget.NewButtonWithIcon("Delete", theme.DeleteIcon(), p.w.deleteSelected)
		p.photoButton = widget.NewButtonWithIcon("Photo…", theme.MediaPhotoIcon(), p.w.choosePhoto)
		actions = container.NewHBox(p.editButton, p.favButton, p.photoButton, layout.NewSpacer(), p.deleteButton)
	}

	var top fyne.CanvasObject = container.NewVBox(header...)
	if d.photo != nil {
		p.photo = canvas.NewImageFromResource(d.photo)
		p.photo.FillMode = canvas.ImageFillContain
		p.photo.SetMinSize(fyne.NewSize(photoSize, photoSize))
		left := container.NewVBox(p.photo)
		if !trash {
			p.removePhotoButton = widget.NewButton("Remove photo", p.w.removePhoto)
			p.removePhotoButton.Importance = widget.LowImportance
			left.Add(p.removePhotoButton)
		}
		top = container.NewBorder(nil, nil, left, nil, top)
	}
	body := container.NewVBox(top)
	body.Add(actions)
	body.Add(widget.NewSeparator())
	for _, sec := range detailSections(d) {
		body.Add(sectionTitle(sec.title))
		for _, r := range sec.rows {
			key := widget.NewLabel(r.key)
			key.Importance = widget.LowImportance
			key.Truncation = fyne.TextTruncateEllipsis
			body.Add(labelled(key, detailKeyWidth, r.value()))
		}
	}
	footer := widget.NewLabel(footerLine(h))
	footer.Importance = widget.LowImportance
	footer.Wrapping = fyne.TextWrapWord
	body.Add(footer)

	p.content.Objects = []fyne.CanvasObject{container.NewVScroll(container.NewPadded(body))}
	p.content.Refresh()
}

func sectionTitle(s string) *widget.Label {
	l := widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	return l
}

// jobLine is "Job title, Department · Company", leaving out what is empty.
func jobLine(job, department, company string) string {
	var role []string
	for _, s := range []string{job, department} {
		if s = strings.TrimSpace(s); s != "" {
			role = append(role, s)
		}
	}
	parts := []string{}
	if len(role) > 0 {
		parts = append(parts, strings.Join(role, ", "))
	}
	if c := strings.TrimSpace(company); c != "" {
		parts = append(parts, c)
	}
	return strings.Join(parts, " · ")
}

// trashNote says since when h is in the trash and when it goes for good.
func trashNote(h *app.Human, now time.Time, retentionDays int) string {
	if h.DeletedAt == nil {
		return ""
	}
	purge := h.DeletedAt.Add(time.Duration(retentionDays) * 24 * time.Hour)
	return fmt.Sprintf("In the Trash since %s. It will be deleted for good on %s unless you restore it.",
		formatDay(*h.DeletedAt, now), purge.Local().Format("2 January 2006"))
}

// footerLine says where the contact comes from and when it last changed.
func footerLine(h *app.Human) string {
	var parts []string
	origin := map[app.Source]string{
		"manual":  "Created here",
		"google":  "From Google Contacts",
		"hub":     "From the Humans Hub",
		"carddav": "From a phone or mail app (CardDAV)",
		"import":  "Imported",
	}[h.Source]
	if origin == "" && h.Source != "" {
		origin = "From " + string(h.Source)
	}
	switch {
	case origin != "" && !h.CreatedAt.IsZero():
		parts = append(parts, origin+" on "+h.CreatedAt.Local().Format("2 Jan 2006"))
	case origin != "":
		parts = append(parts, origin)
	case !h.CreatedAt.IsZero():
		parts = append(parts, "Added "+h.CreatedAt.Local().Format("2 Jan 2006"))
	}
	if !h.UpdatedAt.IsZero() && !h.UpdatedAt.Equal(h.CreatedAt) {
		parts = append(parts, "changed "+h.UpdatedAt.Local().Format("2 Jan 2006 15:04"))
	}
	return strings.Join(parts, " · ")
}

// detailRow is one line of a section: a label and a value.
type detailRow struct {
	key  string
	text string
	link *url.URL // set for web addresses
}

func (r detailRow) value() fyne.CanvasObject {
	if r.link != nil {
		l := widget.NewHyperlink(r.text, r.link)
		l.Truncation = fyne.TextTruncateEllipsis
		return l
	}
	l := widget.NewLabel(r.text)
	l.Wrapping = fyne.TextWrapWord
	l.Selectable = true
	return l
}

type detailSection struct {
	title string
	rows  []detailRow
}

// detailSections lays out what is known about the contact, section by
// section, leaving out the empty ones. It is pure, for tests.
func detailSections(d detailData) []detailSection {
	h := d.human
	var out []detailSection
	add := func(title string, rows []detailRow) {
		if len(rows) > 0 {
			out = append(out, detailSection{title: title, rows: rows})
		}
	}
	label := func(typ string, primary bool) string {
		l := capitalise(typ)
		if l == "" {
			l = "Other"
		}
		if primary {
			l += " (primary)"
		}
		return l
	}

	var rows []detailRow
	for _, ph := range h.Phones {
		text := ph.Number
		if ph.Extension != "" {
			text += " ext. " + ph.Extension
		}
		rows = append(rows, detailRow{key: label(ph.Type, ph.IsPrimary && len(h.Phones) > 1), text: text})
	}
	add("Phone", rows)

	rows = nil
	for _, e := range h.Emails {
		rows = append(rows, detailRow{key: label(e.Type, e.IsPrimary && len(h.Emails) > 1), text: e.Address})
	}
	add("E-mail", rows)

	rows = nil
	for _, a := range h.Addresses {
		rows = append(rows, detailRow{key: label(a.Type, a.IsPrimary && len(h.Addresses) > 1), text: formatAddress(a)})
	}
	add("Address", rows)

	rows = nil
	for _, u := range h.URLs {
		r := detailRow{key: label(u.Type, u.IsPrimary && len(h.URLs) > 1), text: u.URL}
		r.link = webLink(u.URL)
		rows = append(rows, r)
	}
	add("Web", rows)

	rows = nil
	for _, im := range h.IMs {
		rows = append(rows, detailRow{key: label(im.Service, im.IsPrimary && len(h.IMs) > 1), text: im.Handle})
	}
	add("Messaging", rows)

	rows = nil
	if h.Birthday != nil {
		rows = append(rows, detailRow{key: "Birthday", text: birthdayLong(h.Birthday)})
	}
	if names := groupNames(h.GroupIDs, d.groups); names != "" {
		rows = append(rows, detailRow{key: "Groups", text: names})
	}
	var name []string
	for _, s := range []string{h.Prefix, h.FirstName, h.LastName, h.Suffix} {
		if s != "" {
			name = append(name, s)
		}
	}
	if full := strings.Join(name, " "); full != "" && full != displayName(h) {
		rows = append(rows, detailRow{key: "Full name", text: full})
	}
	if h.Gender != "" {
		rows = append(rows, detailRow{key: "Gender", text: capitalise(h.Gender)})
	}
	if h.Language != "" {
		rows = append(rows, detailRow{key: "Language", text: h.Language})
	}
	add("Personal", rows)

	rows = nil
	for _, key := range slices.Sorted(maps.Keys(h.CustomFields)) {
		k := key
		if def, ok := d.fields[key]; ok && def.Label != "" {
			k = def.Label
		}
		v := h.CustomFields[key]
		if def, ok := d.fields[key]; ok && def.Currency != "" && v != "" {
			v += " " + def.Currency
		}
		rows = append(rows, detailRow{key: k, text: v})
	}
	add("More", rows)

	if strings.TrimSpace(h.Notes) != "" {
		add("Notes", []detailRow{{key: "", text: h.Notes}})
	}
	return out
}

// groupNames lists the names of the groups ids, by name.
func groupNames(ids []int64, names map[int64]string) string {
	var out []string
	for _, id := range ids {
		if n, ok := names[id]; ok && n != "" {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}

// webLink makes a link of a web address as people write them
// ("example.com/me"); nil when it is not one.
func webLink(s string) *url.URL {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil
	}
	return u
}
