package interchange

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Dialect names the kind of CSV file a header row belongs to.
type Dialect string

// The dialects ReadCSV understands.
const (
	// DialectGoogle is Google Contacts' current export ("First Name",
	// "Labels", "E-mail 1 - Label", "E-mail 1 - Value", ...).
	DialectGoogle Dialect = "google"
	// DialectGoogleLegacy is Google's older export ("Given Name",
	// "Family Name", "Group Membership", "E-mail 1 - Type", ...).
	DialectGoogleLegacy Dialect = "google-legacy"
	// DialectOutlook is Outlook's export ("E-mail Address", "Mobile Phone",
	// "Business Street", "Categories", ...).
	DialectOutlook Dialect = "outlook"
	// DialectHumans is this app's own CSV export (HumansCSVHeader).
	DialectHumans Dialect = "humans"
	// DialectGeneric is any other CSV with at least a recognisable name,
	// e-mail, phone or company column ("Name", "E-mail", "Téléphone").
	DialectGeneric Dialect = "generic"
	// DialectUnknown is a header with nothing recognisable in it.
	DialectUnknown Dialect = ""
)

// numbered matches Google's numbered columns: "E-mail 2 - Value".
var numbered = regexp.MustCompile(`^(?i)(e-?mail|phone|address|website|im|custom field|event|relation|organization) (\d+) - (.+)$`)

// DetectDialect tells which export a header row comes from.
func DetectDialect(header []string) Dialect {
	has := make(map[string]bool, len(header))
	googleNumbered, legacyNumbered := false, false
	for _, h := range header {
		k := strings.ToLower(strings.TrimSpace(h))
		has[k] = true
		if m := numbered.FindStringSubmatch(k); m != nil {
			switch m[3] {
			case "label":
				googleNumbered = true
			case "type":
				legacyNumbered = true
			case "value", "name":
				if m[1] == "organization" {
					legacyNumbered = true
				} else {
					googleNumbered = true
				}
			}
		}
	}
	switch {
	case has["first_name"] && has["display_name"] && (has["primary_email"] || has["emails"]):
		return DialectHumans
	case has["given name"] || has["family name"] || has["group membership"] || legacyNumbered && !has["labels"]:
		return DialectGoogleLegacy
	case has["labels"] || googleNumbered || has["organization name"] && has["first name"]:
		return DialectGoogle
	case has["e-mail address"] || has["mobile phone"] || has["business phone"] || has["home phone"] ||
		has["business street"] || has["e-mail 2 address"] || has["categories"] && has["first name"]:
		return DialectOutlook
	}
	for _, h := range header {
		switch genericColumn(foldHeader(h)).kind {
		case colFirst, colLast, colFullName, colEmail, colPhone, colCompany:
			return DialectGeneric
		}
	}
	return DialectUnknown
}

// colKind is what a column holds.
type colKind uint8

const (
	colIgnore  colKind = iota // known and dropped
	colCustom                 // unknown: kept as a custom field keyed by the header
	colDefault                // known, kept as a custom field unless it holds its default value
	colFirst
	colMiddle
	colLast
	colFullName
	colNickname
	colPrefix
	colSuffix
	colGender
	colJobTitle
	colDepartment
	colCompany
	colBirthday
	colNotes
	colLanguage
	colPhotoURL
	colGroups
	colFavorite
	colSource
	colUID
	colCreatedAt
	colUpdatedAt
	colEmail        // one e-mail cell; typ is its type
	colPhone        // one phone cell; typ is its type ("primary": the primary one)
	colURL          // one web address cell
	colPrimaryEmail // humans: the primary e-mail address
	colPrimaryPhone // humans: the primary phone number
	colEmailList    // humans: "type:address ::: ..."
	colPhoneList
	colAddressList
	colURLList
	colIMList
	colSlot // a part of a numbered or typed group: see part
)

// slotFamily is what a group of columns describes.
type slotFamily uint8

const (
	famEmail slotFamily = iota + 1
	famPhone
	famAddress
	famURL
	famIM
	famCustom // Custom Field, Event, Relation: label and value
	famOrg
)

// slotPart is which part of a group a column holds.
type slotPart uint8

const (
	partLabel slotPart = iota + 1
	partValue
	partService
	partFormatted
	partStreet
	partStreet2
	partStreet3
	partCity
	partPOBox
	partRegion
	partZip
	partCountry
	partExtended
	partOrgName
	partOrgTitle
	partOrgDept
)

// column is the compiled meaning of one header cell.
type column struct {
	kind   colKind
	typ    string   // type of a colEmail/colPhone/colURL; default of colDefault
	sep    string   // extra separators of a multi-value cell (generic, Outlook categories)
	slot   int      // index into the row's slots, for colSlot
	part   slotPart // for colSlot
	header string   // the header text: custom field key
}

// slotSpec describes one group of columns: "E-mail 2", "Business address".
type slotSpec struct {
	fam slotFamily
	n   int    // Google's number; order of the group
	typ string // fixed type (Outlook addresses), default key (custom)
}

// plan is a header compiled for one dialect.
type plan struct {
	dialect Dialect
	cols    []column
	slots   []slotSpec
}

func (p *plan) addSlot(s slotSpec) int {
	for i, x := range p.slots {
		if x == s {
			return i
		}
	}
	p.slots = append(p.slots, s)
	return len(p.slots) - 1
}

// compile maps every header cell of a dialect to a column.
func compile(d Dialect, header []string) *plan {
	p := &plan{dialect: d, cols: make([]column, len(header))}
	for i, raw := range header {
		h := strings.TrimSpace(raw)
		var c column
		switch d {
		case DialectGoogle, DialectGoogleLegacy:
			c = p.googleColumn(h)
		case DialectOutlook:
			c = p.outlookColumn(h)
		case DialectHumans:
			c = humansColumn(h)
		default:
			c = genericColumn(foldHeader(h))
			if c.kind == colSlot {
				c.slot = p.addSlot(slotSpec{fam: famAddress, n: 1})
			}
		}
		if c.header == "" {
			c.header = h
		}
		if c.header == "" {
			c.header = "Column " + strconv.Itoa(i+1)
		}
		p.cols[i] = c
	}
	return p
}

var googleColumns = map[string]column{
	"first name":              {kind: colFirst},
	"given name":              {kind: colFirst},
	"middle name":             {kind: colMiddle},
	"additional name":         {kind: colMiddle},
	"last name":               {kind: colLast},
	"family name":             {kind: colLast},
	"name":                    {kind: colFullName},
	"name prefix":             {kind: colPrefix},
	"name suffix":             {kind: colSuffix},
	"nickname":                {kind: colNickname},
	"organization name":       {kind: colCompany},
	"organization title":      {kind: colJobTitle},
	"organization department": {kind: colDepartment},
	"birthday":                {kind: colBirthday},
	"notes":                   {kind: colNotes},
	"photo":                   {kind: colPhotoURL},
	"labels":                  {kind: colGroups},
	"group membership":        {kind: colGroups},
	"gender":                  {kind: colGender},
	"language":                {kind: colLanguage},
}

func (p *plan) googleColumn(h string) column {
	k := strings.ToLower(h)
	if c, ok := googleColumns[k]; ok {
		return c
	}
	m := numbered.FindStringSubmatch(k)
	if m == nil {
		return column{kind: colCustom}
	}
	n, _ := strconv.Atoi(m[2])
	part := m[3]
	var fam slotFamily
	typ := ""
	switch m[1] {
	case "e-mail", "email":
		fam = famEmail
	case "phone":
		fam = famPhone
	case "address":
		fam = famAddress
	case "website":
		fam = famURL
	case "im":
		fam = famIM
	case "custom field", "event", "relation":
		fam = famCustom
		typ = titleWord(m[1]) + " " + m[2]
	case "organization":
		if n != 1 {
			return column{kind: colCustom}
		}
		switch part {
		case "name":
			return column{kind: colCompany}
		case "title":
			return column{kind: colJobTitle}
		case "department":
			return column{kind: colDepartment}
		case "type":
			return column{kind: colIgnore}
		}
		return column{kind: colCustom}
	}
	var sp slotPart
	switch part {
	case "label", "type":
		sp = partLabel
	case "value":
		sp = partValue
	case "service":
		sp = partService
	case "formatted":
		sp = partFormatted
	case "street":
		sp = partStreet
	case "city":
		sp = partCity
	case "po box":
		sp = partPOBox
	case "region":
		sp = partRegion
	case "postal code":
		sp = partZip
	case "country":
		sp = partCountry
	case "extended address":
		sp = partExtended
	default:
		return column{kind: colCustom}
	}
	return column{kind: colSlot, slot: p.addSlot(slotSpec{fam: fam, n: n, typ: typ}), part: sp}
}

func titleWord(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}

var outlookColumns = map[string]column{
	"first name":            {kind: colFirst},
	"middle name":           {kind: colMiddle},
	"last name":             {kind: colLast},
	"title":                 {kind: colPrefix},
	"suffix":                {kind: colSuffix},
	"nickname":              {kind: colNickname},
	"display name":          {kind: colFullName},
	"company":               {kind: colCompany},
	"job title":             {kind: colJobTitle},
	"department":            {kind: colDepartment},
	"birthday":              {kind: colBirthday},
	"notes":                 {kind: colNotes},
	"categories":            {kind: colGroups, sep: ";"},
	"gender":                {kind: colGender},
	"language":              {kind: colLanguage},
	"web page":              {kind: colURL, typ: "website"},
	"personal web page":     {kind: colURL, typ: "website"},
	"e-mail address":        {kind: colEmail},
	"e-mail 2 address":      {kind: colEmail},
	"e-mail 3 address":      {kind: colEmail},
	"primary phone":         {kind: colPhone, typ: "primary"},
	"mobile phone":          {kind: colPhone, typ: "mobile"},
	"business phone":        {kind: colPhone, typ: "work"},
	"business phone 2":      {kind: colPhone, typ: "work"},
	"company main phone":    {kind: colPhone, typ: "work"},
	"home phone":            {kind: colPhone, typ: "home"},
	"home phone 2":          {kind: colPhone, typ: "home"},
	"business fax":          {kind: colPhone, typ: "fax"},
	"home fax":              {kind: colPhone, typ: "fax"},
	"other fax":             {kind: colPhone, typ: "fax"},
	"pager":                 {kind: colPhone, typ: "pager"},
	"other phone":           {kind: colPhone, typ: "other"},
	"assistant's phone":     {kind: colPhone, typ: "assistant"},
	"callback":              {kind: colPhone, typ: "callback"},
	"car phone":             {kind: colPhone, typ: "car"},
	"isdn":                  {kind: colPhone, typ: "isdn"},
	"radio phone":           {kind: colPhone, typ: "radio"},
	"tty/tdd phone":         {kind: colPhone, typ: "tty"},
	"telex":                 {kind: colPhone, typ: "telex"},
	"e-mail type":           {kind: colIgnore},
	"e-mail 2 type":         {kind: colIgnore},
	"e-mail 3 type":         {kind: colIgnore},
	"e-mail display name":   {kind: colIgnore},
	"e-mail 2 display name": {kind: colIgnore},
	"e-mail 3 display name": {kind: colIgnore},
	"initials":              {kind: colIgnore},
	"priority":              {kind: colDefault, typ: "Normal"},
	"sensitivity":           {kind: colDefault, typ: "Normal"},
	"private":               {kind: colDefault, typ: "False"},
	"anniversary":           {kind: colDefault, typ: "0/0/00"},
}

func (p *plan) outlookColumn(h string) column {
	k := strings.ToLower(h)
	if c, ok := outlookColumns[k]; ok {
		return c
	}
	for _, pre := range []struct{ name, typ string }{{"business ", "work"}, {"home ", "home"}, {"other ", "other"}} {
		rest, ok := strings.CutPrefix(k, pre.name)
		if !ok {
			continue
		}
		var sp slotPart
		switch rest {
		case "address":
			sp = partFormatted
		case "street":
			sp = partStreet
		case "street 2":
			sp = partStreet2
		case "street 3":
			sp = partStreet3
		case "address po box", "po box":
			sp = partPOBox
		case "city":
			sp = partCity
		case "state":
			sp = partRegion
		case "postal code":
			sp = partZip
		case "country", "country/region":
			sp = partCountry
		default:
			return column{kind: colCustom}
		}
		n := map[string]int{"work": 1, "home": 2, "other": 3}[pre.typ]
		return column{kind: colSlot, slot: p.addSlot(slotSpec{fam: famAddress, n: n, typ: pre.typ}), part: sp}
	}
	return column{kind: colCustom}
}

// HumansCSVHeader is the header WriteCSV writes and DialectHumans reads.
var HumansCSVHeader = []string{
	"id", "uid", "first_name", "last_name", "display_name", "nickname", "prefix", "suffix", "gender",
	"job_title", "department", "company", "birthday", "primary_phone", "primary_email",
	"phones", "emails", "addresses", "urls", "ims", "groups", "is_favorite", "source", "language",
	"notes", "created_at", "updated_at",
}

var humansColumns = map[string]column{
	"id":            {kind: colIgnore},
	"uid":           {kind: colUID},
	"first_name":    {kind: colFirst},
	"last_name":     {kind: colLast},
	"display_name":  {kind: colFullName},
	"nickname":      {kind: colNickname},
	"prefix":        {kind: colPrefix},
	"suffix":        {kind: colSuffix},
	"gender":        {kind: colGender},
	"job_title":     {kind: colJobTitle},
	"department":    {kind: colDepartment},
	"company":       {kind: colCompany},
	"birthday":      {kind: colBirthday},
	"primary_phone": {kind: colPrimaryPhone},
	"primary_email": {kind: colPrimaryEmail},
	"phones":        {kind: colPhoneList},
	"emails":        {kind: colEmailList},
	"addresses":     {kind: colAddressList},
	"urls":          {kind: colURLList},
	"ims":           {kind: colIMList},
	"groups":        {kind: colGroups},
	"is_favorite":   {kind: colFavorite},
	"source":        {kind: colSource},
	"language":      {kind: colLanguage},
	"notes":         {kind: colNotes},
	"created_at":    {kind: colCreatedAt},
	"updated_at":    {kind: colUpdatedAt},
	"photo_url":     {kind: colPhotoURL},
}

func humansColumn(h string) column {
	if c, ok := humansColumns[strings.ToLower(h)]; ok {
		return c
	}
	return column{kind: colCustom}
}

// foldHeader lower-cases a header, drops its accents and turns every run
// of other characters into one space: "Téléphone (mobile)" → "telephone
// mobile".
func foldHeader(h string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	s, _, err := transform.String(t, h)
	if err != nil {
		s = h
	}
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		} else {
			space = true
		}
	}
	return b.String()
}

// genericColumn guesses what a folded header of an unknown CSV holds.
func genericColumn(f string) column {
	words := strings.Fields(f)
	has := func(ws ...string) bool {
		for _, w := range words {
			for _, x := range ws {
				if w == x {
					return true
				}
			}
		}
		return false
	}
	switch f {
	case "first name", "firstname", "given name", "givenname", "forename", "prenom", "vorname", "nombre", "nome", "first":
		return column{kind: colFirst}
	case "last name", "lastname", "surname", "family name", "familyname", "nom", "nom de famille", "nachname",
		"apellido", "apellidos", "cognome", "last":
		return column{kind: colLast}
	case "name", "full name", "fullname", "display name", "displayname", "contact", "contact name", "nom complet",
		"name des kontakts", "nombre completo", "fn":
		return column{kind: colFullName}
	case "middle name", "middlename", "additional name":
		return column{kind: colMiddle, header: "Middle Name"}
	case "nickname", "nick", "surnom", "spitzname", "apodo":
		return column{kind: colNickname}
	case "prefix", "salutation", "civilite", "anrede", "name prefix":
		return column{kind: colPrefix}
	case "suffix", "name suffix":
		return column{kind: colSuffix}
	case "gender", "sex", "genre", "geschlecht", "sexe", "sexo":
		return column{kind: colGender}
	case "company", "organization", "organisation", "organization name", "company name", "societe", "entreprise",
		"firma", "unternehmen", "empresa", "employer", "org":
		return column{kind: colCompany}
	case "title", "job title", "jobtitle", "position", "poste", "fonction", "role", "job", "beruf", "cargo", "titre":
		return column{kind: colJobTitle}
	case "department", "dept", "abteilung", "departement", "service", "departamento":
		return column{kind: colDepartment}
	case "notes", "note", "comment", "comments", "remarks", "memo", "bemerkung", "notizen", "commentaire", "commentaires", "notas":
		return column{kind: colNotes}
	case "birthday", "birth date", "birthdate", "date of birth", "dob", "anniversaire", "date de naissance",
		"geburtstag", "geburtsdatum", "cumpleanos", "fecha de nacimiento":
		return column{kind: colBirthday}
	case "website", "web site", "url", "web", "homepage", "home page", "site", "site web", "web page", "webseite":
		return column{kind: colURL, typ: "website"}
	case "address", "street", "street address", "adresse", "rue", "strasse", "direccion", "calle":
		return column{kind: colSlot, part: partStreet}
	case "city", "town", "ville", "stadt", "ort", "ciudad", "localite":
		return column{kind: colSlot, part: partCity}
	case "zip", "zip code", "zipcode", "postal code", "postcode", "post code", "code postal", "cp", "plz",
		"postleitzahl", "codigo postal":
		return column{kind: colSlot, part: partZip}
	case "state", "region", "province", "county", "bundesland", "provincia":
		return column{kind: colSlot, part: partRegion}
	case "country", "pays", "land", "pais":
		return column{kind: colSlot, part: partCountry}
	case "groups", "group", "labels", "label", "tags", "tag", "categories", "category", "groupe", "groupes", "gruppe", "gruppen":
		return column{kind: colGroups, sep: ";,"}
	case "language", "langue", "sprache", "idioma":
		return column{kind: colLanguage}
	}
	switch {
	case (has("email", "mail", "courriel", "correo") || strings.Contains(f, "e mail") || strings.Contains(f, "email")) &&
		!has("mailing", "postal"):
		typ := ""
		switch {
		case has("work", "business", "office", "pro", "professionnel", "buro", "trabajo"):
			typ = "work"
		case has("home", "personal", "private", "perso", "personnel", "privat", "casa"):
			typ = "home"
		}
		return column{kind: colEmail, typ: typ, sep: ";,"}
	case has("phone", "telephone", "tel", "mobile", "cell", "cellphone", "portable", "handy", "gsm", "fax", "telefon",
		"telefono", "movil", "celular", "mobil", "phones") || strings.Contains(f, "phone"):
		typ := ""
		switch {
		case has("mobile", "cell", "cellphone", "portable", "handy", "gsm", "movil", "celular", "mobil"):
			typ = "mobile"
		case has("fax"):
			typ = "fax"
		case has("work", "business", "office", "pro", "bureau", "buro", "trabajo", "dienstlich"):
			typ = "work"
		case has("home", "domicile", "privat", "private", "casa", "maison"):
			typ = "home"
		}
		return column{kind: colPhone, typ: typ, sep: ";"}
	}
	return column{kind: colCustom}
}
