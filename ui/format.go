package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/humans-contacts/humans/app"
)

// minSearchRunes is the shortest search text that filters the list; a
// shorter one shows the whole list.
const minSearchRunes = app.MinSearchLength

// viewState is what the list shows: the search text, the favourites
// filter and whether it is the trash. It is comparable, so a result can
// be checked against the view it was asked for.
type viewState struct {
	text       string
	favourites bool
	trash      bool
}

// searchText is the text the query searches for: the trimmed entry
// text, or "" when it is too short to search.
func (v viewState) searchText() string {
	t := strings.TrimSpace(v.text)
	if utf8.RuneCountInString(t) < minSearchRunes {
		return ""
	}
	return t
}

// query is the store query for v: contacts by name, or by relevance when
// searching; the trash newest-deleted first.
func (v viewState) query() app.Query {
	var q app.Query
	q.Q = v.searchText()
	switch {
	case v.trash:
		q.Trashed = true
	case q.Q != "":
		q.Sort = "relevance"
	default:
		q.Sort = "display_name"
	}
	if v.favourites && !v.trash {
		fav := true
		q.IsFavorite = &fav
	}
	return q
}

// statusText is the line under the list: how many contacts it shows.
func statusText(n int, v viewState) string {
	switch {
	case v.trash && v.searchText() != "":
		return plural(n, "match in the Trash", "matches in the Trash", "No matches in the Trash")
	case v.trash:
		return plural(n, "contact in the Trash", "contacts in the Trash", "The Trash is empty")
	case v.searchText() != "" && v.favourites:
		return plural(n, "favourite matches", "favourites match", "No favourite matches")
	case v.searchText() != "":
		return plural(n, "match", "matches", "No matches")
	case v.favourites:
		return plural(n, "favourite", "favourites", "No favourites yet")
	default:
		return plural(n, "contact", "contacts", "No contacts")
	}
}

func plural(n int, one, many, none string) string {
	switch n {
	case 0:
		return none
	case 1:
		return "1 " + one
	}
	return formatCount(n) + " " + many
}

// formatCount writes n with thousands separators: 100,000.
func formatCount(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + formatCount(-n)
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// emptyStateText is what the detail pane says when no contact is shown.
func emptyStateText(listLen int, bookEmpty bool, v viewState) string {
	switch {
	case v.trash && listLen == 0 && v.searchText() == "":
		return "The Trash is empty"
	case v.trash:
		return "Select a contact in the Trash to restore it"
	case bookEmpty:
		return "No contacts yet – press Ctrl+N to add one"
	case listLen == 0 && v.searchText() != "":
		return fmt.Sprintf("No contact matches “%s”", v.searchText())
	case listLen == 0 && v.favourites:
		return "No favourites yet – mark a contact with the star"
	}
	return "Select a contact"
}

// rowName is the name a list row shows.
func rowName(s app.Summary) string {
	if strings.TrimSpace(s.DisplayName) == "" {
		return "(no name)"
	}
	return s.DisplayName
}

// secondaryLine is the second line of a list row: the company, else the
// job title, else the primary e-mail, else the primary phone; a value the
// name already shows is skipped.
func secondaryLine(s app.Summary) string {
	for _, v := range []string{s.CompanyName, s.JobTitle, s.PrimaryEmail, s.PrimaryPhone} {
		v = strings.TrimSpace(v)
		if v != "" && v != strings.TrimSpace(s.DisplayName) {
			return v
		}
	}
	return ""
}

// trashLine is the second line of a row in the trash: when the contact
// was deleted and how long it stays restorable.
func trashLine(deletedAt, now time.Time, retentionDays int) string {
	if deletedAt.IsZero() {
		return "In the Trash"
	}
	left := deletedAt.Add(time.Duration(retentionDays) * 24 * time.Hour).Sub(now)
	days := int((left + 24*time.Hour - 1) / (24 * time.Hour))
	when := "Deleted " + formatDay(deletedAt, now)
	switch {
	case days <= 0:
		return when + " · deleted for good soon"
	case days == 1:
		return when + " · 1 day left"
	}
	return fmt.Sprintf("%s · %d days left", when, days)
}

// formatDay writes t as "today", "yesterday", "2 Jan" (this year) or
// "2 Jan 2024", in the local time zone.
func formatDay(t, now time.Time) string {
	t, now = t.Local(), now.Local()
	y1, m1, d1 := t.Date()
	y2, m2, d2 := now.Date()
	switch {
	case y1 == y2 && m1 == m2 && d1 == d2:
		return "today"
	case now.AddDate(0, 0, -1).Format("2006-01-02") == t.Format("2006-01-02"):
		return "yesterday"
	case y1 == y2:
		return t.Format("2 Jan")
	}
	return t.Format("2 Jan 2006")
}

// birthdayText writes b as app.ParseBirthday reads it; "" for nil.
func birthdayText(b *app.Birthday) string {
	if b == nil {
		return ""
	}
	return b.String()
}

// birthdayLong writes b for reading: "12 March 1990", or "12 March".
func birthdayLong(b *app.Birthday) string {
	if b == nil {
		return ""
	}
	if b.Month < 1 || b.Month > 12 {
		return birthdayText(b)
	}
	if b.Year == 0 {
		return fmt.Sprintf("%d %s", b.Day, time.Month(b.Month))
	}
	return fmt.Sprintf("%d %s %d", b.Day, time.Month(b.Month), b.Year)
}

// fieldKey is a validation key of the store split into its parts:
// "emails[1].address" is {list: "emails", index: 1, sub: "address"},
// "birthday" is {list: "birthday", index: -1}.
type fieldKey struct {
	list  string
	index int
	sub   string
}

func parseFieldKey(key string) fieldKey {
	open := strings.IndexByte(key, '[')
	if open < 0 {
		return fieldKey{list: key, index: -1}
	}
	end := strings.IndexByte(key[open:], ']')
	if end < 0 {
		return fieldKey{list: key, index: -1}
	}
	end += open
	n, err := strconv.Atoi(key[open+1 : end])
	if err != nil || n < 0 {
		return fieldKey{list: key, index: -1}
	}
	return fieldKey{list: key[:open], index: n, sub: strings.TrimPrefix(key[end+1:], ".")}
}

// fieldLabels names the fields of the store's validation keys for people.
var fieldLabels = map[string]string{
	"first_name":   "First name",
	"last_name":    "Last name",
	"display_name": "Display name",
	"nickname":     "Nickname",
	"prefix":       "Prefix",
	"suffix":       "Suffix",
	"job_title":    "Job title",
	"department":   "Department",
	"company_id":   "Company",
	"birthday":     "Birthday",
	"notes":        "Notes",
	"language":     "Language",
	"gender":       "Gender",
	"group_ids":    "Groups",
	"name":         "Name",
	"number":       "Number",
	"address":      "Address",
	"url":          "Web address",
	"handle":       "Handle",
	"service":      "Service",
	"type":         "Label",
	"extension":    "Extension",
	"street":       "Street",
	"complement":   "Complement",
	"zip":          "Postcode",
	"city":         "City",
	"region":       "Region",
	"country":      "Country",
}

// errorText turns a store message about a field into a sentence:
// ("E-mail", "is empty") is "E-mail is empty"; a message that names its
// value ("\"x\" is not an e-mail address") is only capitalised.
func errorText(label, msg string) string {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		return ""
	}
	for _, verb := range []string{"is ", "are ", "must ", "has ", "needs ", "cannot "} {
		if strings.HasPrefix(msg, verb) && label != "" {
			return label + " " + msg
		}
	}
	r, n := utf8.DecodeRuneInString(msg)
	return string(unicode.ToUpper(r)) + msg[n:]
}

// formatAddress writes an address on as many lines as it needs:
// street and number, complement, postcode and city, region, country.
func formatAddress(a app.Address) string {
	var lines []string
	add := func(parts ...string) {
		var kept []string
		for _, p := range parts {
			if p = strings.TrimSpace(p); p != "" {
				kept = append(kept, p)
			}
		}
		if len(kept) > 0 {
			lines = append(lines, strings.Join(kept, " "))
		}
	}
	add(a.Number, a.Street)
	add(a.Complement)
	add(a.Zip, a.City)
	add(a.Region)
	add(a.Country)
	return strings.Join(lines, "\n")
}

// capitalise upper-cases the first letter of a vocabulary label: "mobile"
// is "Mobile".
func capitalise(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// uniqueLabels makes names usable as the options of a picker, which must
// differ: a repeated name gets " (2)", " (3)" and so on.
func uniqueLabels(names []string) []string {
	used := make(map[string]bool, len(names))
	out := make([]string, len(names))
	for i, n := range names {
		if strings.TrimSpace(n) == "" {
			n = "(no name)"
		}
		label := n
		for c := 2; used[label]; c++ {
			label = fmt.Sprintf("%s (%d)", n, c)
		}
		used[label] = true
		out[i] = label
	}
	return out
}
