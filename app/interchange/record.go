package interchange

import (
	"errors"
	"iter"

	"github.com/humans-contacts/humans/store"
)

// Record is one contact read from a file, before it is matched and stored.
type Record struct {
	Position int          // 1-based card or row number in the file
	Line     int          // line where it starts, when known
	Human    *store.Human // the mapped fields; ID/Revision/ETag unset
	Company  string       // company name, resolved to an id by the importer
	Groups   []string     // group names (Labels, Categories, Group Membership)
	Photo    []byte       // inline photo bytes, if any
	Err      error        // set when this record could not be read; Human is then nil
}

// Errors a Record can carry, wrapped with the line they occur on.
var (
	// ErrEmptyRow: the row has no name, e-mail address, phone number or
	// company, so there is nothing to make a contact of.
	ErrEmptyRow = errors.New("empty row: no name, e-mail address, phone number or company")
	// ErrBrokenQuotes: a quoted cell is never closed, or closed in a way
	// that swallowed the following lines; the row is skipped and reading
	// resumes on the next line.
	ErrBrokenQuotes = errors.New("broken quotes: a quoted cell is not closed on this row")
	// ErrRowTooLong: a row is longer than MaxRowBytes.
	ErrRowTooLong = errors.New("row too long")
	// ErrUnknownFormat: the file is not one this package reads: a CSV file
	// with no recognisable name, e-mail or phone column, or JSON that is
	// neither a list of contacts nor an export.
	ErrUnknownFormat = errors.New("interchange: not a contacts file")
)

// MaxRowBytes bounds one CSV row (a logical row: a quoted cell may span
// lines). A longer row is reported as ErrRowTooLong and skipped, so a
// runaway quote cannot make the reader buffer the rest of the file.
const MaxRowBytes = 1 << 20

// Names resolves the ids a contact refers to into the names a file shows.
// A nil Names is allowed: the names are then left empty.
type Names interface {
	CompanyName(id int64) string
	GroupName(id int64) string
}

// GroupColors is implemented by a Names that also knows group colours;
// the JSON writers use it for groups[].color.
type GroupColors interface {
	GroupColor(id int64) string
}

// BookNames is a Names (and GroupColors) over lists of companies and
// groups, as a store lists them.
type BookNames struct {
	companies map[int64]string
	groups    map[int64]*store.Group
}

// NewBookNames indexes companies and groups by id.
func NewBookNames(companies []*store.Company, groups []*store.Group) *BookNames {
	n := &BookNames{companies: make(map[int64]string, len(companies)), groups: make(map[int64]*store.Group, len(groups))}
	for _, c := range companies {
		if c != nil {
			n.companies[c.ID] = c.Name
		}
	}
	for _, g := range groups {
		if g != nil {
			n.groups[g.ID] = g
		}
	}
	return n
}

// CompanyName returns the name of company id, or "".
func (n *BookNames) CompanyName(id int64) string { return n.companies[id] }

// GroupName returns the name of group id, or "".
func (n *BookNames) GroupName(id int64) string {
	if g := n.groups[id]; g != nil {
		return g.Name
	}
	return ""
}

// GroupColor returns the colour of group id, or "".
func (n *BookNames) GroupColor(id int64) string {
	if g := n.groups[id]; g != nil {
		return g.Color
	}
	return ""
}

// Humans adapts a slice to the iterator the writers take.
func Humans(hs []*store.Human) iter.Seq2[*store.Human, error] {
	return func(yield func(*store.Human, error) bool) {
		for _, h := range hs {
			if !yield(h, nil) {
				return
			}
		}
	}
}

func companyName(names Names, id int64) string {
	if names == nil || id == 0 {
		return ""
	}
	return names.CompanyName(id)
}

func groupName(names Names, id int64) string {
	if names == nil {
		return ""
	}
	return names.GroupName(id)
}
