package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/humans-contacts/humans/app"
)

// summaries is the one thing the list reads per row: the in-memory
// summary of a contact (app.Service satisfies it).
type summaries interface {
	Summary(id int64) (app.Summary, bool)
}

// contactList is the virtualised list of contacts. It owns the ids of the
// current view, in order; each visible row reads its contact's summary
// when it is shown, so a list of 100,000 costs one slice of ids.
type contactList struct {
	src   summaries
	ids   []int64
	list  *widget.List
	trash bool // rows show when they were deleted
	// now and retention give the trash rows their "days left".
	now       func() time.Time
	retention func() int

	// onSelect is told the id the person selected.
	onSelect func(id int64)
	// quiet is set while the list reselects a row itself, so that
	// onSelect only hears the person.
	quiet bool
}

func newContactList(src summaries, onSelect func(int64)) *contactList {
	l := &contactList{src: src, onSelect: onSelect, now: time.Now, retention: func() int { return 30 }}
	l.list = &widget.List{Length: l.Length, CreateItem: l.CreateItem, UpdateItem: l.UpdateItem}
	l.list.OnSelected = func(i widget.ListItemID) {
		if l.quiet || i < 0 || i >= len(l.ids) {
			return
		}
		l.onSelect(l.ids[i])
	}
	l.list.ExtendBaseWidget(l.list)
	return l
}

// Length is the number of contacts in the view.
func (l *contactList) Length() int { return len(l.ids) }

// CreateItem makes one row; every row has the same two-line height.
func (l *contactList) CreateItem() fyne.CanvasObject { return newContactRow() }

// UpdateItem shows contact i in row o.
func (l *contactList) UpdateItem(i widget.ListItemID, o fyne.CanvasObject) {
	row := o.(*contactRow)
	if i < 0 || i >= len(l.ids) {
		row.set("", "", false)
		return
	}
	s, ok := l.src.Summary(l.ids[i])
	if !ok {
		// Deleted since the ids were read; the refresh that follows
		// every change drops the row.
		row.set("", "", false)
		return
	}
	second := secondaryLine(s)
	if l.trash {
		second = trashLine(s.DeletedAt, l.now(), l.retention())
	}
	row.set(rowName(s), second, s.IsFavorite && !l.trash)
}

// setIDs replaces the view's ids and selects keep again if it is still
// there (without telling onSelect); it returns whether it is.
func (l *contactList) setIDs(ids []int64, keep int64) bool {
	l.ids = ids
	l.quiet = true
	defer func() { l.quiet = false }()
	i := l.indexOf(keep)
	if keep == 0 || i < 0 {
		l.list.UnselectAll()
		l.list.Refresh()
		return false
	}
	// Select scrolls to the row; a refresh should not move the list
	// under the person's eyes, so the offset is put back.
	offset := l.list.GetScrollOffset()
	l.list.Select(i)
	l.list.ScrollToOffset(offset)
	l.list.Refresh()
	return true
}

// selectID highlights the row of id, if the view has it, without telling
// onSelect.
func (l *contactList) selectID(id int64) {
	l.quiet = true
	defer func() { l.quiet = false }()
	if i := l.indexOf(id); i >= 0 {
		l.list.Select(i)
		return
	}
	l.list.UnselectAll()
}

// unselect removes the highlight without telling onSelect.
func (l *contactList) unselect() {
	l.quiet = true
	defer func() { l.quiet = false }()
	l.list.UnselectAll()
}

func (l *contactList) indexOf(id int64) int {
	if id == 0 {
		return -1
	}
	for i, v := range l.ids {
		if v == id {
			return i
		}
	}
	return -1
}

// contactRow is one row: the name, a second line and a star for
// favourites.
type contactRow struct {
	widget.BaseWidget
	name, second *widget.Label
	star         *widget.Icon
}

func newContactRow() *contactRow {
	r := &contactRow{
		name:   widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		second: widget.NewLabel(""),
		star:   widget.NewIcon(nil),
	}
	r.name.Truncation = fyne.TextTruncateEllipsis
	r.second.Truncation = fyne.TextTruncateEllipsis
	r.second.Importance = widget.LowImportance
	r.ExtendBaseWidget(r)
	return r
}

func (r *contactRow) set(name, second string, favourite bool) {
	r.name.SetText(name)
	r.second.SetText(second)
	if favourite {
		r.star.SetResource(favouriteIcon())
	} else {
		r.star.SetResource(nil)
	}
}

func (r *contactRow) CreateRenderer() fyne.WidgetRenderer {
	// The two labels are packed closer than a VBox would, as a row.
	text := container.New(tightColumn{}, r.name, r.second)
	return widget.NewSimpleRenderer(container.NewBorder(nil, nil, nil, r.star, text))
}

// tightColumn stacks labels closer than a VBox: each keeps its own
// height but overlaps the one above by part of its inner padding, which
// is transparent.
type tightColumn struct{}

func (tightColumn) overlap() float32 { return theme.InnerPadding() + theme.Padding() }

func (c tightColumn) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for i, o := range objects {
		m := o.MinSize()
		s.Width = max(s.Width, m.Width)
		s.Height += m.Height
		if i > 0 {
			s.Height -= c.overlap()
		}
	}
	return s
}

func (c tightColumn) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	var y float32
	for _, o := range objects {
		h := o.MinSize().Height
		o.Move(fyne.NewPos(0, y))
		o.Resize(fyne.NewSize(size.Width, h))
		y += h - c.overlap()
	}
}
