package store

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/language"
)

// Length limits, generous for real data and small enough that a runaway
// import cannot bloat the file.
const (
	maxShortText = 1024
	maxNotes     = 100_000
	maxListItems = 100
	maxCustom    = 200
)

// deriveDisplayName builds a name for a contact that has no display name:
// prefix, first, last and suffix, else the nickname, else the primary
// e-mail or phone.
func deriveDisplayName(h *Human) string {
	parts := make([]string, 0, 4)
	for _, p := range []string{h.Prefix, h.FirstName, h.LastName, h.Suffix} {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	if h.FirstName != "" || h.LastName != "" {
		return strings.Join(parts, " ")
	}
	if h.Nickname != "" {
		return h.Nickname
	}
	if e := h.PrimaryEmail(); e != nil {
		return e.Address
	}
	if p := h.PrimaryPhone(); p != nil {
		return p.Number
	}
	return ""
}

// normalizeHuman trims text fields and drops nothing else; it runs before
// validation so that "  Zoë " and "Zoë" are the same name.
func normalizeHuman(h *Human) {
	for _, p := range []*string{&h.FirstName, &h.LastName, &h.DisplayName, &h.Nickname, &h.Prefix,
		&h.Suffix, &h.Gender, &h.JobTitle, &h.Department, &h.Language, &h.PhotoURL} {
		*p = strings.TrimSpace(*p)
	}
	h.Gender = strings.ToLower(h.Gender)
	for i := range h.Phones {
		h.Phones[i].Number = strings.TrimSpace(h.Phones[i].Number)
		h.Phones[i].Type = strings.ToLower(strings.TrimSpace(h.Phones[i].Type))
		h.Phones[i].Extension = strings.TrimSpace(h.Phones[i].Extension)
	}
	for i := range h.Emails {
		h.Emails[i].Address = strings.TrimSpace(h.Emails[i].Address)
		h.Emails[i].Type = strings.ToLower(strings.TrimSpace(h.Emails[i].Type))
	}
	for i := range h.URLs {
		h.URLs[i].URL = strings.TrimSpace(h.URLs[i].URL)
		h.URLs[i].Type = strings.ToLower(strings.TrimSpace(h.URLs[i].Type))
	}
	for i := range h.IMs {
		h.IMs[i].Handle = strings.TrimSpace(h.IMs[i].Handle)
		h.IMs[i].Service = strings.ToLower(strings.TrimSpace(h.IMs[i].Service))
	}
	for i := range h.Addresses {
		a := &h.Addresses[i]
		for _, p := range []*string{&a.Type, &a.Street, &a.Number, &a.Complement, &a.Zip, &a.City, &a.Region, &a.Country} {
			*p = strings.TrimSpace(*p)
		}
		a.Type = strings.ToLower(a.Type)
	}
	if h.Source == "" {
		h.Source = SourceManual
	}
}

// lookups answers the existence questions validation needs; inside a
// write transaction they read the transaction's view.
type lookups struct {
	companyExists func(id int64) bool
	groupExists   func(id int64) bool
	fieldDef      func(key string) (CustomFieldDef, bool)
}

// phoneChars reports whether s has only the characters a written phone
// number may have: digits, letters (vanity numbers, "ext"), spaces and
// + - ( ) . , / # * ;
func phoneChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case strings.IndexByte(" +-().,/#*;", c) >= 0:
		default:
			return false
		}
	}
	return s != ""
}

// validateHuman checks every field of h and reports all problems at once.
func validateHuman(h *Human, lk lookups) error {
	v := &ValidationError{}
	if h.FirstName == "" && h.LastName == "" && h.DisplayName == "" && h.Nickname == "" &&
		h.CompanyID == 0 && len(h.Emails) == 0 && len(h.Phones) == 0 {
		v.Add("name", "a contact needs a name, an e-mail address or a phone number")
	}
	for _, f := range [...]struct{ name, val string }{
		{"first_name", h.FirstName}, {"last_name", h.LastName}, {"display_name", h.DisplayName},
		{"nickname", h.Nickname}, {"prefix", h.Prefix}, {"suffix", h.Suffix}, {"job_title", h.JobTitle},
		{"department", h.Department}, {"photo_url", h.PhotoURL},
	} {
		checkText(v, f.name, f.val, maxShortText)
	}
	checkText(v, "notes", h.Notes, maxNotes)
	if !validGender(h.Gender) {
		v.Add("gender", fmt.Sprintf("must be one of female, male, other, unknown (got %q)", h.Gender))
	}
	if h.Language != "" {
		if _, err := language.Parse(h.Language); err != nil {
			v.Add("language", fmt.Sprintf("%q is not a language tag such as en or fr-CA", h.Language))
		}
	}
	if !h.Source.Valid() {
		v.Add("source", fmt.Sprintf("must be one of manual, google, hub, carddav, import (got %q)", h.Source))
	}
	if h.Birthday != nil {
		if msg := checkBirthday(*h.Birthday); msg != "" {
			v.Add("birthday", msg)
		}
	}
	if h.CompanyID != 0 && !lk.companyExists(h.CompanyID) {
		v.Add("company_id", fmt.Sprintf("no company has id %d", h.CompanyID))
	}
	seenGroups := map[int64]bool{}
	for _, g := range h.GroupIDs {
		if seenGroups[g] {
			v.Add("group_ids", fmt.Sprintf("group %d is listed twice", g))
			continue
		}
		seenGroups[g] = true
		if !lk.groupExists(g) {
			v.Add("group_ids", fmt.Sprintf("no group has id %d", g))
		}
	}
	validatePhones(v, h.Phones)
	validateEmails(v, h.Emails)
	validateAddresses(v, h.Addresses)
	validateURLs(v, h.URLs)
	validateIMs(v, h.IMs)
	validateCustomFields(v, h.CustomFields, lk.fieldDef)
	for i, c := range h.Consents {
		if strings.TrimSpace(c.Channel) == "" {
			v.Add(fmt.Sprintf("consents[%d].channel", i), "is empty")
		}
		if c.GrantedAt.IsZero() {
			v.Add(fmt.Sprintf("consents[%d].granted_at", i), "is missing")
		}
	}
	return v.OrNil()
}

// checkTextAt is checkText for the field list[i].name, whose name is
// only built when the value is wrong.
func checkTextAt(v *ValidationError, list string, i int, name, val string, limit int) {
	if len(val) <= limit && utf8.ValidString(val) {
		return
	}
	checkText(v, itemField(list, i, name), val, limit)
}

// itemField names a field of a list item: "emails[2].address".
func itemField(list string, i int, name string) string {
	return list + "[" + strconv.Itoa(i) + "]." + name
}

func checkText(v *ValidationError, field, val string, limit int) {
	if !utf8.ValidString(val) {
		v.Add(field, "is not valid UTF-8 text")
	} else if len(val) > limit {
		v.Add(field, fmt.Sprintf("is longer than %d bytes", limit))
	}
}

func validGender(g string) bool {
	for _, ok := range Genders {
		if g == ok {
			return true
		}
	}
	return false
}

// checkBirthday returns what is wrong with b, or "".
func checkBirthday(b Birthday) string {
	if b.Month < 1 || b.Month > 12 {
		return fmt.Sprintf("month %d is not between 1 and 12", b.Month)
	}
	year := b.Year
	if year == 0 {
		year = 2000 // a leap year, so --0229 is accepted
	} else if year < 1000 || year > time.Now().Year()+1 {
		return fmt.Sprintf("year %d is not plausible", b.Year)
	}
	last := time.Date(year, time.Month(b.Month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	if b.Day < 1 || b.Day > last {
		return fmt.Sprintf("%s has no day %d", time.Month(b.Month), b.Day)
	}
	return ""
}

// ParseBirthday reads a birthday as the API, the window and vCard write
// it: "YYYY-MM-DD" (also with one-digit month or day), "YYYYMMDD", or
// "--MM-DD" / "--MMDD" for a birthday without a year. Empty text is no
// birthday (nil, nil). Errors say what is wrong in words a person reads.
func ParseBirthday(text string) (*Birthday, error) {
	s := strings.TrimSpace(text)
	if s == "" {
		return nil, nil
	}
	bad := fmt.Errorf("“%s” is not a date: use YYYY-MM-DD, or --MM-DD without a year", s)
	var parts []string
	if md, ok := strings.CutPrefix(s, "--"); ok {
		if len(md) == 4 && !strings.Contains(md, "-") {
			parts = []string{md[:2], md[2:]}
		} else {
			parts = strings.Split(md, "-")
		}
		if len(parts) != 2 {
			return nil, bad
		}
		parts = append([]string{""}, parts...)
	} else {
		if len(s) == 8 && !strings.Contains(s, "-") {
			s = s[:4] + "-" + s[4:6] + "-" + s[6:]
		}
		parts = strings.Split(s, "-")
		if len(parts) != 3 || len(parts[0]) != 4 {
			return nil, bad
		}
	}
	nums := make([]int, 3)
	for i, p := range parts {
		if i == 0 && p == "" {
			continue
		}
		if len(p) == 0 || len(p) > 4 || (i > 0 && len(p) > 2) {
			return nil, bad
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return nil, bad
		}
		nums[i] = n
	}
	b := Birthday{Year: nums[0], Month: nums[1], Day: nums[2]}
	if b.Month < 1 || b.Month > 12 {
		return nil, fmt.Errorf("“%s”: the month must be between 01 and 12", s)
	}
	if parts[0] != "" && b.Year < 1 {
		return nil, bad
	}
	if msg := checkBirthday(b); msg != "" {
		return nil, fmt.Errorf("“%s”: %s", s, msg)
	}
	return &b, nil
}

// String writes b as ParseBirthday reads it.
func (b Birthday) String() string {
	if b.Year == 0 {
		return fmt.Sprintf("--%02d-%02d", b.Month, b.Day)
	}
	return fmt.Sprintf("%04d-%02d-%02d", b.Year, b.Month, b.Day)
}

func checkList(v *ValidationError, field string, n, primaries int, what string) {
	if n > maxListItems {
		v.Add(field, fmt.Sprintf("has %d entries, more than %d", n, maxListItems))
	}
	if primaries > 1 {
		v.Add(field, fmt.Sprintf("only one %s can be primary", what))
	}
}

func validatePhones(v *ValidationError, phones []Phone) {
	primaries := 0
	for i, p := range phones {
		field := func() string { return itemField("phone_numbers", i, "number") }
		switch {
		case p.Number == "":
			v.Add(field(), "is empty")
		case len(p.Number) > 64 || !phoneChars(p.Number):
			v.Add(field(), fmt.Sprintf("%q is not a phone number", p.Number))
		case len(digitsOnly(p.Number)) < 2:
			v.Add(field(), fmt.Sprintf("%q has too few digits for a phone number", p.Number))
		}
		checkTextAt(v, "phone_numbers", i, "type", p.Type, 64)
		checkTextAt(v, "phone_numbers", i, "extension", p.Extension, 32)
		if p.IsPrimary {
			primaries++
		}
	}
	checkList(v, "phone_numbers", len(phones), primaries, "phone number")
}

// ValidEmail reports whether addr is a bare e-mail address.
func ValidEmail(addr string) bool {
	if addr == "" || len(addr) > 254 || strings.ContainsAny(addr, " <>\t\r\n") {
		return false
	}
	if plainEmail(addr) {
		return true
	}
	a, err := mail.ParseAddress(addr)
	if err != nil || a.Address != addr {
		return false
	}
	at := strings.LastIndexByte(addr, '@')
	return at > 0 && at < len(addr)-1
}

// plainEmail reports whether addr is an address of the common shape
// local@domain, with only letters, digits and . _ % + - in the local part
// and letters, digits and - in the domain's labels: a subset of what
// mail.ParseAddress accepts, checked without it.
func plainEmail(addr string) bool {
	at := strings.IndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 {
		return false
	}
	return dotAtom(addr[:at], "._%+-") && dotAtom(addr[at+1:], "-")
}

// dotAtom reports whether s is non-empty dot-separated runs of ASCII
// letters, digits and the characters in extra.
func dotAtom(s, extra string) bool {
	prevDot := true // no leading dot
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if prevDot {
				return false
			}
			prevDot = true
			continue
		case '0' <= c && c <= '9', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case c != '.' && strings.IndexByte(extra, c) >= 0:
		default:
			return false
		}
		prevDot = false
	}
	return !prevDot // no trailing dot, not empty
}

func validateEmails(v *ValidationError, emails []Email) {
	primaries := 0
	seen := map[string]bool{}
	for i, e := range emails {
		field := func() string { return itemField("emails", i, "address") }
		switch {
		case e.Address == "":
			v.Add(field(), "is empty")
		case !ValidEmail(e.Address):
			v.Add(field(), fmt.Sprintf("%q is not an e-mail address", e.Address))
		case seen[strings.ToLower(e.Address)]:
			v.Add(field(), fmt.Sprintf("%q is listed twice", e.Address))
		}
		seen[strings.ToLower(e.Address)] = true
		checkTextAt(v, "emails", i, "type", e.Type, 64)
		if e.IsPrimary {
			primaries++
		}
	}
	checkList(v, "emails", len(emails), primaries, "e-mail address")
}

func validateAddresses(v *ValidationError, addrs []Address) {
	primaries := 0
	for i, a := range addrs {
		if a.IsEmpty() {
			v.Add(fmt.Sprintf("addresses[%d]", i), "is empty")
		}
		for _, f := range []struct{ name, val string }{{"street", a.Street}, {"number", a.Number},
			{"complement", a.Complement}, {"zip", a.Zip}, {"city", a.City}, {"region", a.Region},
			{"country", a.Country}, {"type", a.Type}} {
			checkTextAt(v, "addresses", i, f.name, f.val, maxShortText)
		}
		if a.IsPrimary {
			primaries++
		}
	}
	checkList(v, "addresses", len(addrs), primaries, "address")
}

func validateURLs(v *ValidationError, urls []URL) {
	primaries := 0
	for i, u := range urls {
		field := func() string { return itemField("urls", i, "url") }
		if u.URL == "" {
			v.Add(field(), "is empty")
		} else if msg := checkWebAddress(u.URL); msg != "" {
			v.Add(field(), msg)
		}
		checkTextAt(v, "urls", i, "type", u.Type, 64)
		if u.IsPrimary {
			primaries++
		}
	}
	checkList(v, "urls", len(urls), primaries, "web address")
}

// checkWebAddress accepts absolute URLs and bare host names
// ("example.com/me"), as people type them.
func checkWebAddress(s string) string {
	if len(s) > 2048 || strings.ContainsAny(s, " \t\r\n") {
		return fmt.Sprintf("%q is not a web address", s)
	}
	candidate := s
	if !strings.Contains(s, "://") {
		candidate = "https://" + s
	}
	u, err := url.Parse(candidate)
	if err != nil || u.Host == "" {
		return fmt.Sprintf("%q is not a web address", s)
	}
	return ""
}

func validateIMs(v *ValidationError, ims []IM) {
	primaries := 0
	for i, im := range ims {
		if im.Handle == "" {
			v.Add(fmt.Sprintf("ims[%d].handle", i), "is empty")
		}
		checkTextAt(v, "ims", i, "handle", im.Handle, maxShortText)
		checkTextAt(v, "ims", i, "service", im.Service, 64)
		if im.IsPrimary {
			primaries++
		}
	}
	checkList(v, "ims", len(ims), primaries, "messaging handle")
}

var currencyValue = regexp.MustCompile(`^-?[0-9]+([.,][0-9]{1,4})?$`)

func validateCustomFields(v *ValidationError, fields map[string]string, def func(string) (CustomFieldDef, bool)) {
	if len(fields) > maxCustom {
		v.Add("custom_fields", fmt.Sprintf("has %d fields, more than %d", len(fields), maxCustom))
	}
	for key, val := range fields {
		field := "custom_fields." + key
		if strings.TrimSpace(key) == "" || len(key) > 128 {
			v.Add("custom_fields", "a field name is empty or longer than 128 bytes")
			continue
		}
		checkText(v, field, val, maxNotes)
		d, ok := def(key)
		if !ok || val == "" {
			continue
		}
		switch d.Type {
		case FieldSelect:
			if !containsString(d.Options, val) {
				v.Add(field, fmt.Sprintf("%q is not one of %s", val, strings.Join(d.Options, ", ")))
			}
		case FieldMultiselect:
			for _, part := range SplitMultiselect(val) {
				if !containsString(d.Options, part) {
					v.Add(field, fmt.Sprintf("%q is not one of %s", part, strings.Join(d.Options, ", ")))
				}
			}
		case FieldCurrency:
			if !currencyValue.MatchString(strings.TrimSpace(val)) {
				v.Add(field, fmt.Sprintf("%q is not an amount such as 1200.50", val))
			}
		case FieldText:
			if len(val) > maxShortText || strings.ContainsAny(val, "\r\n") {
				v.Add(field, "must be one line of at most 1024 bytes")
			}
		}
	}
}

// SplitMultiselect splits a multiselect value ("a, b") into its options.
func SplitMultiselect(val string) []string {
	var out []string
	for _, p := range strings.Split(val, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var hexColor = regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`)

func validateGroup(g *Group) error {
	v := &ValidationError{}
	g.Name = strings.TrimSpace(g.Name)
	if g.Name == "" {
		v.Add("name", "is empty")
	}
	checkText(v, "name", g.Name, 256)
	checkText(v, "description", g.Description, maxNotes)
	if g.Color != "" && !hexColor.MatchString(g.Color) {
		v.Add("color", fmt.Sprintf("%q is not a colour such as #FF5733", g.Color))
	}
	return v.OrNil()
}

func validateCompany(c *Company, companyExists func(int64) bool) error {
	v := &ValidationError{}
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" {
		v.Add("name", "is empty")
	}
	checkText(v, "name", c.Name, maxShortText)
	checkText(v, "notes", c.Notes, maxNotes)
	checkText(v, "vat_number", c.VATNumber, 64)
	checkText(v, "phone", c.Phone, 64)
	if c.Email != "" && !ValidEmail(c.Email) {
		v.Add("email", fmt.Sprintf("%q is not an e-mail address", c.Email))
	}
	if c.Website != "" {
		if msg := checkWebAddress(c.Website); msg != "" {
			v.Add("website", msg)
		}
	}
	if c.ParentID != 0 && (c.ParentID == c.ID || !companyExists(c.ParentID)) {
		v.Add("parent_id", fmt.Sprintf("no other company has id %d", c.ParentID))
	}
	validateCustomFields(v, c.CustomFields, func(string) (CustomFieldDef, bool) { return CustomFieldDef{}, false })
	return v.OrNil()
}

func validateFieldDef(d *CustomFieldDef) error {
	v := &ValidationError{}
	d.Key = strings.TrimSpace(d.Key)
	if d.Key == "" || len(d.Key) > 128 {
		v.Add("key", "must be 1 to 128 bytes")
	}
	switch d.Type {
	case FieldText, FieldTextarea, FieldCurrency:
	case FieldSelect, FieldMultiselect:
		if len(d.Options) == 0 {
			v.Add("options", "a select field needs at least one option")
		}
		for _, o := range d.Options {
			if strings.TrimSpace(o) == "" || strings.Contains(o, ",") {
				v.Add("options", "options must be non-empty and contain no comma")
			}
		}
	default:
		v.Add("type", fmt.Sprintf("must be one of text, textarea, select, multiselect, currency (got %q)", d.Type))
	}
	return v.OrNil()
}
