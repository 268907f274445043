package interchange

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/humans-contacts/humans/store"
)

// utf8BOM starts every CSV file the writers produce. Excel reads a CSV
// file without it in the machine's legacy code page, which garbles every
// accent ("ZoÃ«"); with it, Excel, LibreOffice, Numbers, Google Contacts
// and Outlook all read UTF-8. ReadCSV strips it.
const utf8BOM = "\uFEFF"

// csvSink writes rows with CRLF line ends (RFC 4180), after a UTF-8 BOM.
type csvSink struct {
	bw  *bufio.Writer
	cw  *csv.Writer
	row []string
}

func newCSVSink(w io.Writer, header []string) (*csvSink, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.WriteString(utf8BOM); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	if err := cw.Write(header); err != nil {
		return nil, err
	}
	return &csvSink{bw: bw, cw: cw, row: make([]string, len(header))}, nil
}

func (s *csvSink) write() error {
	err := s.cw.Write(s.row)
	clear(s.row)
	return err
}

func (s *csvSink) close() error {
	s.cw.Flush()
	if err := s.cw.Error(); err != nil {
		return err
	}
	return s.bw.Flush()
}

// writeRows drives a sink over humans.
func writeRows(w io.Writer, header []string, humans iter.Seq2[*store.Human, error], fill func(row []string, h *store.Human)) error {
	s, err := newCSVSink(w, header)
	if err != nil {
		return fmt.Errorf("interchange: writing CSV: %w", err)
	}
	for h, err := range humans {
		if err != nil {
			return err
		}
		if h == nil {
			continue
		}
		fill(s.row, h)
		if err := s.write(); err != nil {
			return fmt.Errorf("interchange: writing CSV: %w", err)
		}
	}
	if err := s.close(); err != nil {
		return fmt.Errorf("interchange: writing CSV: %w", err)
	}
	return nil
}

// WriteCSV writes humans in this app's own CSV dialect (HumansCSVHeader):
// one row per contact, lists in "type:value ::: ..." cells (see
// humanslist.go), UTF-8 with a BOM, CRLF line ends. ReadCSV reads it back
// into the same names, organisation, birthday, lists (with types,
// extensions and primaries), groups, favourite, source, language, notes,
// uid and timestamps; custom fields, consents and photos are not in it
// (the JSON export has them).
func WriteCSV(w io.Writer, humans iter.Seq2[*store.Human, error], names Names) error {
	return writeRows(w, HumansCSVHeader, humans, func(row []string, h *store.Human) {
		row[0] = strconv.FormatInt(h.ID, 10)
		row[1] = h.UID
		row[2] = h.FirstName
		row[3] = h.LastName
		row[4] = h.Name() // derived when not given; the reader drops it again
		row[5] = h.Nickname
		row[6] = h.Prefix
		row[7] = h.Suffix
		row[8] = h.Gender
		row[9] = h.JobTitle
		row[10] = h.Department
		row[11] = companyName(names, h.CompanyID)
		if h.Birthday != nil {
			row[12] = h.Birthday.String()
		}
		if p := h.PrimaryPhone(); p != nil {
			row[13] = p.Number
		}
		if e := h.PrimaryEmail(); e != nil {
			row[14] = e.Address
		}
		row[15] = formatPhones(h.Phones)
		row[16] = formatEmails(h.Emails)
		row[17] = formatAddresses(h.Addresses)
		row[18] = formatURLs(h.URLs)
		row[19] = formatIMs(h.IMs)
		row[20] = groupNames(h, names, multiSep)
		row[21] = strconv.FormatBool(h.IsFavorite)
		row[22] = string(h.Source)
		row[23] = h.Language
		row[24] = h.Notes
		row[25] = formatTime(h.CreatedAt)
		row[26] = formatTime(h.UpdatedAt)
	})
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

func groupNames(h *store.Human, names Names, sep string) string {
	var b strings.Builder
	for _, id := range h.GroupIDs {
		n := groupName(names, id)
		if n == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(sep)
		}
		b.WriteString(n)
	}
	return b.String()
}

// Google's import columns: a fixed number of each list, so the header can
// be written before the first contact. Entries beyond them share the last
// column of their kind (" ::: "-joined, which Google reads as several
// values with that column's label).
const (
	googleEmails    = 3
	googlePhones    = 4
	googleAddresses = 2
	googleWebsites  = 2
	googleIMs       = 1
	googleCustom    = 5
)

var googleFixedHeader = []string{
	"First Name", "Middle Name", "Last Name", "Phonetic First Name", "Phonetic Middle Name", "Phonetic Last Name",
	"Name Prefix", "Name Suffix", "Nickname", "File As", "Organization Name", "Organization Title",
	"Organization Department", "Birthday", "Notes", "Photo", "Labels",
}

var googleAddressParts = []string{"Label", "Formatted", "Street", "City", "PO Box", "Region", "Postal Code", "Country", "Extended Address"}

// GoogleCSVHeader is the header WriteGoogleCSV writes: Google Contacts'
// current import and export columns.
var GoogleCSVHeader = func() []string {
	h := slices.Clone(googleFixedHeader)
	num := func(kind string, n int, parts ...string) {
		for i := 1; i <= n; i++ {
			for _, p := range parts {
				h = append(h, fmt.Sprintf("%s %d - %s", kind, i, p))
			}
		}
	}
	num("E-mail", googleEmails, "Label", "Value")
	num("Phone", googlePhones, "Label", "Value")
	num("Address", googleAddresses, googleAddressParts...)
	num("Website", googleWebsites, "Label", "Value")
	num("IM", googleIMs, "Label", "Service", "Value")
	num("Custom Field", googleCustom, "Label", "Value")
	return h
}()

// customInHeader are custom fields that ReadCSV makes of Google and
// Outlook columns the model has no field for; the writers put them back
// in their columns rather than in a Custom Field.
var customInHeader = map[string]bool{
	"Middle Name": true, "Phonetic First Name": true, "Phonetic Middle Name": true,
	"Phonetic Last Name": true, "File As": true,
}

// WriteGoogleCSV writes humans in Google Contacts' CSV format, for a
// person to import into Google Contacts (Import › select file). Groups
// become labels, the favourite flag the "* starred" label, the primary
// entry of each list gets Google's "* " label prefix. Up to five custom
// fields are written (in key order); the others, consents and photos are
// left out.
func WriteGoogleCSV(w io.Writer, humans iter.Seq2[*store.Human, error], names Names) error {
	idx := make(map[string]int, len(GoogleCSVHeader))
	for i, c := range GoogleCSVHeader {
		idx[c] = i
	}
	col := func(kind string, n int, part string) int { return idx[fmt.Sprintf("%s %d - %s", kind, n, part)] }
	return writeRows(w, GoogleCSVHeader, humans, func(row []string, h *store.Human) {
		row[0] = h.FirstName
		row[1] = h.CustomFields["Middle Name"]
		row[2] = h.LastName
		row[3] = h.CustomFields["Phonetic First Name"]
		row[4] = h.CustomFields["Phonetic Middle Name"]
		row[5] = h.CustomFields["Phonetic Last Name"]
		row[6] = h.Prefix
		row[7] = h.Suffix
		row[8] = h.Nickname
		row[9] = h.CustomFields["File As"]
		if h.DisplayName != "" && row[9] == "" {
			row[9] = h.DisplayName
		}
		row[10] = companyName(names, h.CompanyID)
		row[11] = h.JobTitle
		row[12] = h.Department
		if h.Birthday != nil {
			row[13] = h.Birthday.String()
		}
		row[14] = h.Notes
		row[15] = h.PhotoURL
		labels := []string{"* myContacts"}
		if h.IsFavorite {
			labels = append(labels, "* starred")
		}
		if g := groupNames(h, names, multiSep); g != "" {
			labels = append(labels, g)
		}
		row[16] = strings.Join(labels, multiSep)

		fillSlots(len(h.Emails), googleEmails, func(slot int, items []int) {
			e := h.Emails[items[0]]
			row[col("E-mail", slot, "Label")] = primaryLabel(e.IsPrimary, googleLabel(e.Type))
			row[col("E-mail", slot, "Value")] = joinItems(items, func(i int) string { return h.Emails[i].Address })
		})
		fillSlots(len(h.Phones), googlePhones, func(slot int, items []int) {
			p := h.Phones[items[0]]
			row[col("Phone", slot, "Label")] = primaryLabel(p.IsPrimary, googlePhoneLabel(p.Type))
			row[col("Phone", slot, "Value")] = joinItems(items, func(i int) string { return phoneWithExtension(h.Phones[i]) })
		})
		fillSlots(len(h.Addresses), googleAddresses, func(slot int, items []int) {
			a := h.Addresses[items[0]]
			row[col("Address", slot, "Label")] = primaryLabel(a.IsPrimary, googleLabel(a.Type))
			part := func(name string, f func(a store.Address) string) {
				row[col("Address", slot, name)] = joinItems(items, func(i int) string { return f(h.Addresses[i]) })
			}
			part("Formatted", formattedAddress)
			part("Street", streetLine)
			part("City", func(a store.Address) string { return a.City })
			part("Region", func(a store.Address) string { return a.Region })
			part("Postal Code", func(a store.Address) string { return a.Zip })
			part("Country", func(a store.Address) string { return a.Country })
			part("Extended Address", func(a store.Address) string { return a.Complement })
		})
		fillSlots(len(h.URLs), googleWebsites, func(slot int, items []int) {
			u := h.URLs[items[0]]
			row[col("Website", slot, "Label")] = primaryLabel(u.IsPrimary, googleURLLabel(u.Type))
			row[col("Website", slot, "Value")] = joinItems(items, func(i int) string { return h.URLs[i].URL })
		})
		fillSlots(len(h.IMs), googleIMs, func(slot int, items []int) {
			m := h.IMs[items[0]]
			row[col("IM", slot, "Label")] = primaryLabel(m.IsPrimary, "")
			row[col("IM", slot, "Service")] = googleIMService(m.Service)
			row[col("IM", slot, "Value")] = joinItems(items, func(i int) string { return h.IMs[i].Handle })
		})
		var keys []string
		for k := range h.CustomFields {
			if !customInHeader[k] && h.CustomFields[k] != "" {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for i, k := range keys {
			if i >= googleCustom {
				break
			}
			row[col("Custom Field", i+1, "Label")] = k
			row[col("Custom Field", i+1, "Value")] = h.CustomFields[k]
		}
	})
}

// fillSlots hands n entries to slots columns: one each, the last slot
// taking the rest.
func fillSlots(n, slots int, fill func(slot int, items []int)) {
	for s := 0; s < n && s < slots; s++ {
		items := []int{s}
		if s == slots-1 {
			for k := s + 1; k < n; k++ {
				items = append(items, k)
			}
		}
		fill(s+1, items)
	}
}

func joinItems(items []int, f func(int) string) string {
	if len(items) == 1 {
		return f(items[0])
	}
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = f(it)
	}
	return strings.Join(parts, multiSep)
}

func primaryLabel(primary bool, label string) string {
	if primary {
		return "* " + label
	}
	return label
}

func phoneWithExtension(p store.Phone) string {
	if p.Extension != "" {
		return p.Number + " ext. " + p.Extension
	}
	return p.Number
}

func googleURLLabel(t string) string {
	switch t {
	case "website", "":
		return "Homepage"
	case "linkedin", "xing", "twitter", "facebook", "instagram":
		return "Profile"
	}
	return googleLabel(t)
}

func googleIMService(s string) string {
	switch s {
	case "skype":
		return "Skype"
	case "xmpp":
		return "Jabber"
	case "":
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// numberFirst lists the countries that write the house number before the
// street name ("12 Rue de la Paix", "1600 Amphitheatre Parkway").
var numberFirst = map[string]bool{
	"us": true, "usa": true, "united states": true, "united states of america": true, "uk": true, "gb": true,
	"united kingdom": true, "england": true, "scotland": true, "wales": true, "ireland": true, "ie": true,
	"fr": true, "france": true, "ca": true, "canada": true, "au": true, "australia": true, "nz": true,
	"new zealand": true, "be": true, "belgique": true, "lu": true, "luxembourg": true,
}

// streetLine is the street with its number, in the order the country
// writes them.
func streetLine(a store.Address) string {
	switch {
	case a.Number == "":
		return a.Street
	case a.Street == "":
		return a.Number
	case numberFirst[strings.ToLower(a.Country)]:
		return a.Number + " " + a.Street
	}
	return a.Street + " " + a.Number
}

// formattedAddress writes an address on lines, as an envelope shows it.
func formattedAddress(a store.Address) string {
	var lines []string
	for _, l := range []string{streetLine(a), a.Complement, strings.TrimSpace(a.Zip + " " + a.City), a.Region, a.Country} {
		if l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

// OutlookCSVHeader is the header WriteOutlookCSV writes: the columns of
// Outlook's own CSV export that the model has values for.
var OutlookCSVHeader = []string{
	"Title", "First Name", "Middle Name", "Last Name", "Suffix", "Company", "Department", "Job Title",
	"Business Street", "Business Street 2", "Business City", "Business State", "Business Postal Code", "Business Country/Region",
	"Home Street", "Home Street 2", "Home City", "Home State", "Home Postal Code", "Home Country/Region",
	"Other Street", "Other Street 2", "Other City", "Other State", "Other Postal Code", "Other Country/Region",
	"Business Fax", "Business Phone", "Business Phone 2", "Home Fax", "Home Phone", "Home Phone 2",
	"Mobile Phone", "Other Phone", "Pager", "Primary Phone",
	"Birthday", "Categories", "E-mail Address", "E-mail 2 Address", "E-mail 3 Address", "Gender", "Notes", "Web Page",
}

// WriteOutlookCSV writes humans in Outlook's CSV format, for a person to
// import into Outlook (File › Open & Export › Import/Export). Outlook has
// one field per kind of phone and address, so entries are placed by type
// (a second mobile goes to "Other Phone"; what still does not fit is left
// out), three e-mail addresses at most (the primary first), and a
// birthday as M/D/YYYY (Outlook cannot hold one without a year; it is
// left out). Groups become Categories.
func WriteOutlookCSV(w io.Writer, humans iter.Seq2[*store.Human, error], names Names) error {
	idx := make(map[string]int, len(OutlookCSVHeader))
	for i, c := range OutlookCSVHeader {
		idx[c] = i
	}
	return writeRows(w, OutlookCSVHeader, humans, func(row []string, h *store.Human) {
		set := func(c, v string) { row[idx[c]] = v }
		set("Title", h.Prefix)
		set("First Name", h.FirstName)
		set("Middle Name", h.CustomFields["Middle Name"])
		set("Last Name", h.LastName)
		set("Suffix", h.Suffix)
		set("Company", companyName(names, h.CompanyID))
		set("Department", h.Department)
		set("Job Title", h.JobTitle)
		free := func(cols ...string) string {
			for _, c := range cols {
				if row[idx[c]] == "" {
					return c
				}
			}
			return ""
		}
		for _, a := range h.Addresses {
			pre := map[string]string{"work": "Business", "home": "Home"}[a.Type]
			if pre == "" || row[idx[pre+" Street"]] != "" || row[idx[pre+" City"]] != "" {
				pre = "Other"
			}
			if row[idx[pre+" Street"]] != "" || row[idx[pre+" City"]] != "" {
				continue
			}
			set(pre+" Street", streetLine(a))
			set(pre+" Street 2", a.Complement)
			set(pre+" City", a.City)
			set(pre+" State", a.Region)
			set(pre+" Postal Code", a.Zip)
			set(pre+" Country/Region", a.Country)
		}
		for _, p := range h.Phones {
			var c string
			switch p.Type {
			case "mobile":
				c = free("Mobile Phone", "Other Phone")
			case "work":
				c = free("Business Phone", "Business Phone 2", "Other Phone")
			case "home":
				c = free("Home Phone", "Home Phone 2", "Other Phone")
			case "fax":
				c = free("Business Fax", "Home Fax")
			case "pager":
				c = free("Pager", "Other Phone")
			default:
				c = free("Other Phone")
			}
			if c != "" {
				set(c, phoneWithExtension(p))
			}
		}
		if p := h.PrimaryPhone(); p != nil && len(h.Phones) > 1 {
			set("Primary Phone", phoneWithExtension(*p))
		}
		if b := h.Birthday; b != nil && b.Year != 0 {
			set("Birthday", fmt.Sprintf("%d/%d/%d", b.Month, b.Day, b.Year))
		}
		set("Categories", groupNames(h, names, ";"))
		emails := slices.Clone(h.Emails)
		slices.SortStableFunc(emails, func(a, b store.Email) int {
			switch {
			case a.IsPrimary == b.IsPrimary:
				return 0
			case a.IsPrimary:
				return -1
			}
			return 1
		})
		for i, c := range []string{"E-mail Address", "E-mail 2 Address", "E-mail 3 Address"} {
			if i < len(emails) {
				set(c, emails[i].Address)
			}
		}
		switch h.Gender {
		case "male", "female":
			set("Gender", strings.ToUpper(h.Gender[:1])+h.Gender[1:])
		}
		set("Notes", h.Notes)
		if len(h.URLs) > 0 {
			u := h.URLs[0]
			for _, x := range h.URLs {
				if x.IsPrimary {
					u = x
				}
			}
			set("Web Page", u.URL)
		}
	})
}
