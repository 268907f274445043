// Package storetest generates realistic contact books for tests and benchmarks.
//
// A book is deterministic for a seed: the same (n, seed) gives the same
// contacts, companies and groups, so a benchmark or a failing test can be
// run again on the same data. The names come from several countries, with
// their accents ("Zoë", "Núñez", "Łukasz", "Nguyễn"), and the phone
// numbers are written the ways people write them ("+33 6 12 34 56 78",
// "06 12 34 56 78", "+1 415-555-0132"), so that folding and phone
// normalisation are exercised as in a real book.
//
// storetest imports only store and the standard library.
package storetest

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/humans-contacts/humans/store"
)

// GeneratedBook is a generated contact book. IDs, UIDs, timestamps,
// revisions and etags are left zero, for the store to assign; references
// between entities assume that a fresh store numbers each kind 1..N in
// creation order: Human.CompanyID and Company.ParentID are an index into
// Companies plus one, Human.GroupIDs an index into Groups plus one. So
// create the companies in order, then the groups, then the humans.
type GeneratedBook struct {
	Companies []*store.Company
	Groups    []*store.Group
	Humans    []*store.Human
}

// Book generates a book of n contacts with max(n/50, 5) companies and 8
// groups, deterministically for seed.
func Book(n int, seed int64) *GeneratedBook {
	if n < 0 {
		n = 0
	}
	g := &generator{
		r:      rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15)),
		emails: make(map[string]struct{}, n+n/2),
		names:  make(map[string]struct{}),
	}
	b := &GeneratedBook{}
	nc := max(n/50, 5)
	b.Companies = make([]*store.Company, 0, nc)
	for i := range nc {
		b.Companies = append(b.Companies, g.company(i))
	}
	b.Groups = g.groups()
	b.Humans = make([]*store.Human, 0, n)
	for range n {
		b.Humans = append(b.Humans, g.human(len(b.Groups)))
	}
	return b
}

// generator holds the random source and what must stay unique.
type generator struct {
	r         *rand.Rand
	emails    map[string]struct{} // e-mail addresses handed out
	names     map[string]struct{} // company names handed out
	companies []genCompany
}

// genCompany is what the contacts of a company borrow from it.
type genCompany struct {
	domain string // for work e-mail addresses
}

// pct reports true with probability p percent.
func (g *generator) pct(p int) bool { return g.r.IntN(100) < p }

func pick[T any](g *generator, list []T) T { return list[g.r.IntN(len(list))] }

// pattern fills a pattern: each '#' becomes a random digit and each '@'
// a random capital letter; the other runes are kept.
func (g *generator) pattern(p string) string {
	b := []byte(p)
	for i, c := range b {
		switch c {
		case '#':
			b[i] = byte('0' + g.r.IntN(10))
		case '@':
			b[i] = byte('A' + g.r.IntN(26))
		}
	}
	return string(b)
}

// digits returns n random decimal digits.
func (g *generator) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + g.r.IntN(10))
	}
	return string(b)
}

func (g *generator) culture() *culture {
	x := g.r.IntN(cultureWeightSum)
	for i := range cultures {
		x -= cultures[i].weight
		if x < 0 {
			return &cultures[i]
		}
	}
	return &cultures[0]
}

func (g *generator) company(i int) *store.Company {
	c := g.culture()
	base := pick(g, companyStems) + " " + pick(g, c.sectors)
	name, extra := base, ""
	if g.pct(70) {
		name += " " + pick(g, c.companySuffixes)
	}
	for k := 2; ; k++ {
		if _, dup := g.names[name]; !dup {
			break
		}
		extra = pick(g, c.cities).name
		if k > 2 {
			extra += " " + strconv.Itoa(k)
		}
		name = base + " " + extra
	}
	g.names[name] = struct{}{}
	domain := asciiFold(base+extra) + "." + c.tld
	g.companies = append(g.companies, genCompany{domain: domain})

	co := &store.Company{
		Name:    name,
		Email:   pick(g, []string{"contact", "info", "hello", "office", "accueil"}) + "@" + domain,
		Phone:   g.pattern(pick(g, c.landlines)),
		Website: "https://www." + domain,
	}
	if i > 0 && g.pct(15) {
		co.ParentID = int64(g.r.IntN(i) + 1)
	}
	if g.pct(50) {
		co.VATNumber = g.pattern(c.vat)
	}
	if g.pct(70) {
		a := g.address(c, "work")
		a.IsPrimary = false
		co.Address = &a
	}
	if g.pct(20) {
		co.Notes = pick(g, companyNotes)
	}
	co.IsCustomer = g.pct(40)
	return co
}

func (g *generator) groups() []*store.Group {
	out := make([]*store.Group, len(groupDefs))
	for i, d := range groupDefs {
		out[i] = &store.Group{Name: d.name, Color: d.color, Description: d.description}
	}
	return out
}

func (g *generator) human(ngroups int) *store.Human {
	c := g.culture()
	female := g.pct(50)
	h := &store.Human{}
	if female {
		h.FirstName = pick(g, c.female)
	} else {
		h.FirstName = pick(g, c.male)
	}
	h.LastName = pick(g, c.last)
	if female && c.feminine != nil {
		h.LastName = c.feminine(h.LastName)
	}
	if g.pct(4) {
		h.LastName += "-" + pick(g, c.last) // double-barrelled
	}
	if c.familyFirst {
		h.DisplayName = h.LastName + " " + h.FirstName
	}
	if g.pct(70) {
		h.Gender = "male"
		if female {
			h.Gender = "female"
		}
	} else if g.pct(3) {
		h.Gender = pick(g, []string{"other", "unknown"})
	}
	if g.pct(8) {
		h.Nickname = nickname(g, h.FirstName)
	}
	if g.pct(6) {
		h.Prefix = pick(g, c.prefixes)
	}
	if g.pct(2) {
		h.Suffix = pick(g, []string{"Jr.", "Sr.", "III", "PhD", "MBA"})
	}
	if g.pct(70) {
		h.Language = c.lang
	}

	var co *genCompany
	if g.pct(60) {
		k := g.r.IntN(len(g.companies))
		h.CompanyID = int64(k + 1)
		co = &g.companies[k]
	}
	if co != nil && g.pct(85) || co == nil && g.pct(25) {
		h.JobTitle = pick(g, c.titles)
	}
	if co != nil && g.pct(40) {
		h.Department = pick(g, c.departments)
	}

	g.addPhones(h, c, co != nil)
	g.addEmails(h, c, co)
	if g.pct(35) {
		g.addAddresses(h, c)
	}
	if g.pct(25) {
		g.addURLs(h)
	}
	if g.pct(15) {
		g.addIMs(h)
	}

	h.IsFavorite = g.pct(20)
	if g.pct(50) {
		h.Birthday = g.birthday()
	}
	if g.pct(15) {
		h.Notes = g.notes(c)
	}
	if g.pct(30) {
		h.GroupIDs = g.groupIDs(ngroups)
	}
	h.Source = g.source()
	return h
}

func (g *generator) addPhones(h *store.Human, c *culture, hasCompany bool) {
	n := 1 + g.r.IntN(3)
	h.Phones = make([]store.Phone, 0, n)
	types := []string{"mobile", "work", "home"}
	if !hasCompany {
		types = []string{"mobile", "home", "work"}
	}
	for i := range n {
		typ := types[i]
		if i == 0 && g.pct(15) {
			typ = types[1+g.r.IntN(2)]
		}
		if i == 2 && g.pct(20) {
			typ = pick(g, []string{"fax", "other"})
		}
		p := store.Phone{Type: typ}
		if typ == "mobile" || g.pct(20) {
			p.Number = g.pattern(pick(g, c.mobiles))
		} else {
			p.Number = g.pattern(pick(g, c.landlines))
		}
		if typ == "work" && g.pct(10) {
			p.Extension = strconv.Itoa(10 + g.r.IntN(990))
		}
		h.Phones = append(h.Phones, p)
	}
	primary := 0
	if n > 1 && g.pct(20) {
		primary = g.r.IntN(n)
	}
	h.Phones[primary].IsPrimary = true
}

func (g *generator) addEmails(h *store.Human, c *culture, co *genCompany) {
	first := asciiFold(h.FirstName)
	last := asciiFold(h.LastName)
	if first == "" {
		first = "contact"
	}
	if last == "" {
		last = first
	}
	n := 1
	if g.pct(35) {
		n = 2
	}
	var domains []string
	if co != nil {
		domains = append(domains, co.domain)
	}
	for len(domains) < n {
		domains = append(domains, pick(g, c.mailDomains))
	}
	if len(domains) > n {
		domains = domains[:n]
	}
	if len(domains) == 2 && domains[0] == domains[1] {
		domains[1] = pick(g, genericMailDomains)
	}
	h.Emails = make([]store.Email, 0, n)
	for i, d := range domains {
		var local string
		switch g.r.IntN(7) {
		case 0, 1, 2:
			local = first + "." + last
		case 3:
			local = first[:1] + last
		case 4:
			local = first + "_" + last
		case 5:
			local = first + last + strconv.Itoa(g.r.IntN(100))
		default:
			local = last + "." + first
		}
		addr := g.uniqueEmail(local, d)
		typ := "home"
		if d == domainOf(co) {
			typ = "work"
		} else if g.pct(30) {
			typ = "personal"
		}
		h.Emails = append(h.Emails, store.Email{Address: addr, Type: typ, IsPrimary: i == 0})
	}
}

func domainOf(co *genCompany) string {
	if co == nil {
		return ""
	}
	return co.domain
}

// uniqueEmail returns local@domain, with a number added to local when
// the address was already handed out.
func (g *generator) uniqueEmail(local, domain string) string {
	addr := local + "@" + domain
	for k := 2; ; k++ {
		if _, dup := g.emails[addr]; !dup {
			g.emails[addr] = struct{}{}
			return addr
		}
		addr = local + strconv.Itoa(k) + "@" + domain
	}
}

func (g *generator) addAddresses(h *store.Human, c *culture) {
	n := 1
	if g.pct(10) {
		n = 2
	}
	for i := range n {
		typ := "home"
		if i == 1 || g.pct(25) {
			typ = "work"
		}
		a := g.address(c, typ)
		a.IsPrimary = i == 0
		h.Addresses = append(h.Addresses, a)
	}
}

func (g *generator) address(c *culture, typ string) store.Address {
	city := pick(g, c.cities)
	a := store.Address{
		Type:    typ,
		Street:  pick(g, c.streets),
		Number:  strconv.Itoa(1 + g.r.IntN(180)),
		Zip:     g.pattern(city.zip),
		City:    city.name,
		Region:  city.region,
		Country: c.country,
	}
	if g.pct(15) {
		a.Complement = pick(g, c.complements)
	}
	if g.pct(5) {
		a.Number += pick(g, []string{"a", "b", " bis", "A"})
	}
	return a
}

func (g *generator) addURLs(h *store.Human) {
	slug := strings.ToLower(asciiFold(h.FirstName) + "-" + asciiFold(h.LastName))
	if g.pct(60) {
		h.URLs = append(h.URLs, store.URL{
			URL:  "https://www.linkedin.com/in/" + slug + "-" + g.digits(4),
			Type: "linkedin",
		})
	}
	if len(h.URLs) == 0 || g.pct(30) {
		h.URLs = append(h.URLs, store.URL{
			URL:  "https://" + slug + "." + pick(g, []string{"com", "net", "dev", "io", "fr", "de"}),
			Type: "website",
		})
	}
	h.URLs[0].IsPrimary = true
}

func (g *generator) addIMs(h *store.Human) {
	first, last := asciiFold(h.FirstName), asciiFold(h.LastName)
	service := pick(g, []string{"skype", "slack", "teams", "telegram", "signal", "whatsapp", "matrix", "xmpp"})
	var handle string
	switch service {
	case "skype":
		handle = "live:" + first + "." + last
	case "matrix":
		handle = "@" + first + ":matrix.org"
	case "xmpp":
		handle = first + "." + last + "@jabber.org"
	case "telegram":
		handle = "@" + first + last
	case "signal", "whatsapp":
		handle = h.Phones[0].Number
	default:
		handle = first + "." + last
	}
	h.IMs = []store.IM{{Handle: handle, Service: service, IsPrimary: true}}
}

func (g *generator) birthday() *store.Birthday {
	b := &store.Birthday{Month: 1 + g.r.IntN(12)}
	if g.pct(85) {
		b.Year = 1940 + g.r.IntN(66)
	}
	y := b.Year
	if y == 0 {
		y = 2000 // a leap year: --0229 is a valid month-day
	}
	days := time.Date(y, time.Month(b.Month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	b.Day = 1 + g.r.IntN(days)
	return b
}

func (g *generator) notes(c *culture) string {
	s := pick(g, noteTemplates)
	s = strings.ReplaceAll(s, "{city}", pick(g, c.cities).name)
	if g.pct(20) {
		s += "\n" + pick(g, noteTemplates)
		s = strings.ReplaceAll(s, "{city}", pick(g, c.cities).name)
	}
	return s
}

func (g *generator) groupIDs(ngroups int) []int64 {
	n := 1
	switch x := g.r.IntN(10); {
	case x >= 9:
		n = 3
	case x >= 6:
		n = 2
	}
	ids := make([]int64, 0, n)
	for len(ids) < n {
		id := int64(1 + g.r.IntN(ngroups))
		dup := false
		for _, v := range ids {
			dup = dup || v == id
		}
		if !dup {
			ids = append(ids, id)
		}
	}
	// Sorted, as a store would keep them.
	for i := 1; i < len(ids); i++ {
		for j := i; j > 0 && ids[j] < ids[j-1]; j-- {
			ids[j], ids[j-1] = ids[j-1], ids[j]
		}
	}
	return ids
}

func (g *generator) source() store.Source {
	switch x := g.r.IntN(100); {
	case x < 40:
		return store.SourceManual
	case x < 65:
		return store.SourceGoogle
	case x < 80:
		return store.SourceHub
	case x < 90:
		return store.SourceCardDAV
	default:
		return store.SourceImport
	}
}

// nickname makes a short form of a first name: its first syllable, or a
// doubled one ("Lulu").
func nickname(g *generator, first string) string {
	if g.pct(30) {
		return pick(g, []string{"Max", "Bea", "Kiki", "Nico", "Pepe", "Jojo", "Sasha", "Titi", "Bubu", "Mimi"})
	}
	n := 0
	for i := range first {
		if n == 3 {
			s := first[:i]
			if g.pct(30) {
				r, _ := utf8.DecodeRuneInString(s)
				return s + string(unicode.ToLower(r)) + s[utf8.RuneLen(r):]
			}
			return s
		}
		n++
	}
	return first
}

// asciiFold spells s in lower-case ASCII letters and digits, as e-mail
// addresses and URL slugs write names: "Łukasz Núñez-Çelik" →
// "lukasznunezcelik". Only the letters of the lists below are known.
func asciiFold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case 'a' <= r && r <= 'z' || '0' <= r && r <= '9':
			b.WriteRune(r)
		case 'A' <= r && r <= 'Z':
			b.WriteRune(r + 'a' - 'A')
		case r >= utf8.RuneSelf:
			if f, ok := foldTable[unicode.ToLower(r)]; ok {
				b.WriteString(f)
			}
		}
	}
	return b.String()
}

var foldTable = func() map[rune]string {
	m := map[rune]string{'ß': "ss", 'æ': "ae", 'œ': "oe", 'þ': "th", 'ı': "i", 'ø': "o", 'ł': "l", 'đ': "d", 'ð': "d"}
	for base, letters := range map[string]string{
		"a": "àáâãäåāăąạảấầẩẫậắằẳẵặ",
		"c": "çćĉċč",
		"d": "ď",
		"e": "èéêëēĕėęěẹẻẽếềểễệ",
		"g": "ĝğġģ",
		"i": "ìíîïĩīĭįịỉ",
		"l": "ĺļľŀ",
		"n": "ñńņň",
		"o": "òóôõöōŏőọỏốồổỗộớờởỡợơ",
		"r": "ŕŗř",
		"s": "śŝşšș",
		"t": "ţťț",
		"u": "ùúûüũūŭůűųụủứừửữựư",
		"y": "ýÿŷỳỵỷỹ",
		"z": "źżž",
	} {
		for _, r := range letters {
			m[r] = base
		}
	}
	return m
}()

// culture is what makes a contact French, Polish or Vietnamese: names,
// phone and postal formats, e-mail providers, job titles. In patterns
// '#' is a random digit and '@' a random capital letter.
type culture struct {
	weight      int // out of cultureWeightSum: a book kept in France
	lang        string
	country     string
	tld         string
	female      []string
	male        []string
	last        []string
	feminine    func(last string) string // the feminine form of a family name, if the language has one
	familyFirst bool                     // the family name is written first
	prefixes    []string

	mobiles   []string // phone patterns, as people type them
	landlines []string
	vat       string

	cities      []city
	streets     []string
	complements []string
	mailDomains []string

	titles          []string
	departments     []string
	sectors         []string
	companySuffixes []string
}

type city struct {
	name   string
	region string
	zip    string // pattern
}

var cultureWeightSum = func() int {
	n := 0
	for _, c := range cultures {
		n += c.weight
	}
	return n
}()

func withCommon(local []string, common []string) []string {
	return append(append([]string(nil), local...), common...)
}

var (
	commonTitles = []string{"Software Engineer", "Product Manager", "CTO", "CEO", "Account Manager",
		"Data Analyst", "Office Manager", "Sales Director", "UX Designer", "Consultant"}
	commonDepartments = []string{"Sales", "Engineering", "Finance", "Marketing", "Support", "Legal", "Operations", "IT"}
	commonSectors     = []string{"Consulting", "Software", "Design"}
	enPrefixes        = []string{"Dr.", "Mr.", "Ms.", "Mrs.", "Prof."}
)

var cultures = []culture{
	{
		weight: 30, lang: "fr", country: "France", tld: "fr",
		female:   []string{"Zoë", "Camille", "Léa", "Chloé", "Manon", "Inès", "Hélène", "Amélie", "Élodie", "Anaïs", "Françoise", "Maëlle"},
		male:     []string{"François", "Jérôme", "Loïc", "Théo", "Mathéo", "Benoît", "Gaël", "Hugo", "Noël", "Stéphane", "Jean-Luc", "Raphaël"},
		last:     []string{"Martin", "Bernard", "Dubois", "Lefèvre", "Girard", "Mercier", "Fournier", "Leroy", "Bonnet", "Rousseau", "Chevalier", "Gauthier", "Brûlé", "Bélanger", "Lemaître", "Garçon"},
		prefixes: []string{"Dr", "Me", "Pr", "M.", "Mme"},
		mobiles: []string{"+33 6 ## ## ## ##", "06 ## ## ## ##", "+33 7 ## ## ## ##", "07 ## ## ## ##",
			"06########", "+336########", "06.##.##.##.##", "+33 (0)6 ## ## ## ##"},
		landlines: []string{"+33 1 ## ## ## ##", "01 ## ## ## ##", "04 ## ## ## ##", "+33 5 ## ## ## ##", "02.##.##.##.##", "09 ## ## ## ##"},
		vat:       "FR###########",
		cities: []city{{"Paris", "", "750##"}, {"Lyon", "", "6900#"}, {"Marseille", "", "130##"}, {"Toulouse", "", "310##"},
			{"Nantes", "", "440##"}, {"Bordeaux", "", "330##"}, {"Lille", "", "590##"}, {"Strasbourg", "", "670##"}},
		streets: []string{"rue de la Paix", "avenue des Champs-Élysées", "boulevard Saint-Germain", "rue du Faubourg Saint-Honoré",
			"place de la Comédie", "rue Émile Zola", "allée des Tilleuls", "chemin des Écoliers", "quai de la Tournelle"},
		complements:     []string{"Bâtiment B", "3e étage", "Appartement 12", "BP 42", "Résidence Les Pins"},
		mailDomains:     []string{"gmail.com", "orange.fr", "free.fr", "laposte.net", "sfr.fr", "outlook.fr", "wanadoo.fr"},
		titles:          withCommon([]string{"Directrice commerciale", "Chef de projet", "Responsable RH", "Comptable", "Ingénieur d'études", "Architecte", "Gérant", "Pharmacienne", "Développeuse"}, commonTitles),
		departments:     withCommon([]string{"Ventes", "Ressources humaines", "Comptabilité", "Informatique", "Achats", "R&D"}, commonDepartments),
		sectors:         withCommon([]string{"Conseil", "Logistique", "Informatique", "Bâtiment", "Médical", "Énergie", "Transports"}, commonSectors),
		companySuffixes: []string{"SARL", "SAS", "SA"},
	},
	{
		weight: 8, lang: "es", country: "España", tld: "es",
		female:    []string{"Lucía", "María", "Sofía", "Ana", "Begoña", "Inés", "Mónica", "Nuria", "Ángela", "Pilar"},
		male:      []string{"José", "Javier", "Álvaro", "Martín", "Andrés", "Iñaki", "Raúl", "Sergio", "Rubén", "Jesús"},
		last:      []string{"García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez", "Núñez", "Jiménez", "Muñoz", "Ibáñez", "Peña"},
		prefixes:  []string{"Dr.", "Dña.", "D.", "Sr.", "Sra."},
		mobiles:   []string{"+34 6## ## ## ##", "6## ## ## ##", "+34 6## ### ###", "6########", "+34 7## ## ## ##"},
		landlines: []string{"+34 91 ### ## ##", "91 ### ## ##", "+34 93 ### ## ##", "93 ### ## ##"},
		vat:       "ESB########",
		cities: []city{{"Madrid", "Madrid", "280##"}, {"Barcelona", "Cataluña", "080##"}, {"Sevilla", "Andalucía", "410##"},
			{"Valencia", "Comunidad Valenciana", "460##"}, {"Bilbao", "País Vasco", "480##"}},
		streets:         []string{"Calle de Alcalá", "Gran Vía", "Paseo de la Castellana", "Calle Mayor", "Avenida de la Constitución", "Plaza de España"},
		complements:     []string{"2º izquierda", "Bajo B", "Escalera 3", "4º D"},
		mailDomains:     []string{"gmail.com", "hotmail.es", "telefonica.net", "yahoo.es"},
		titles:          withCommon([]string{"Directora de ventas", "Ingeniero de software", "Jefe de proyecto", "Contable", "Abogada"}, commonTitles),
		departments:     withCommon([]string{"Ventas", "Recursos Humanos", "Contabilidad", "Compras"}, commonDepartments),
		sectors:         withCommon([]string{"Consultoría", "Logística", "Construcción", "Energía", "Diseño"}, commonSectors),
		companySuffixes: []string{"S.L.", "S.A."},
	},
	{
		weight: 10, lang: "de", country: "Deutschland", tld: "de",
		female:   []string{"Anna", "Lena", "Käthe", "Sophie", "Jana", "Ursula", "Bärbel", "Hannah", "Jördis", "Grete"},
		male:     []string{"Jürgen", "Lukas", "Matthias", "Günther", "Jörg", "Stefan", "Felix", "Björn", "Uwe", "Mathäus"},
		last:     []string{"Müller", "Schmidt", "Schneider", "Fischer", "Weiß", "Schäfer", "Köhler", "Groß", "Hoffmann", "Wagner", "Becker", "Größer"},
		prefixes: []string{"Dr.", "Prof. Dr.", "Dipl.-Ing.", "Herr", "Frau"},
		mobiles: []string{"+49 151 ########", "0151 ########", "+49 170 #######", "0170 #######", "+49 176 ########",
			"0176 ########", "+49151########", "0160/#######"},
		landlines: []string{"+49 30 ########", "030 ########", "+49 89 #######", "089 #######", "+49 221 #######", "0221 #######", "(069) ########"},
		vat:       "DE#########",
		cities: []city{{"Berlin", "Berlin", "10###"}, {"München", "Bayern", "80###"}, {"Hamburg", "Hamburg", "20###"},
			{"Köln", "Nordrhein-Westfalen", "50###"}, {"Frankfurt am Main", "Hessen", "60###"}, {"Düsseldorf", "Nordrhein-Westfalen", "40###"}},
		streets:         []string{"Hauptstraße", "Schillerstraße", "Goethestraße", "Bahnhofstraße", "Königsallee", "Mühlenweg", "Am Marktplatz"},
		complements:     []string{"Hinterhaus", "3. OG", "c/o Müller"},
		mailDomains:     []string{"gmx.de", "web.de", "t-online.de", "gmail.com", "posteo.de"},
		titles:          withCommon([]string{"Geschäftsführer", "Vertriebsleiter", "Projektleiterin", "Buchhalter", "Softwareentwickler", "Einkäuferin"}, commonTitles),
		departments:     withCommon([]string{"Vertrieb", "Personal", "Buchhaltung", "Einkauf", "Entwicklung"}, commonDepartments),
		sectors:         withCommon([]string{"Bau", "Logistik", "Maschinenbau", "Beratung", "Energie"}, commonSectors),
		companySuffixes: []string{"GmbH", "AG", "GmbH & Co. KG"},
	},
	{
		weight: 3, lang: "da", country: "Danmark", tld: "dk",
		female:          []string{"Mette", "Freja", "Signe", "Ida", "Birgitte", "Sølvi"},
		male:            []string{"Søren", "Mikkel", "Rasmus", "Jens", "Anders", "Bjørn"},
		last:            []string{"Jensen", "Nielsen", "Hansen", "Sørensen", "Østergaard", "Kjær", "Mølgaard", "Bæk"},
		prefixes:        []string{"Dr."},
		mobiles:         []string{"+45 2# ## ## ##", "2# ## ## ##", "+45 3# ## ## ##", "+4541######"},
		landlines:       []string{"+45 3# ## ## ##", "+45 8# ## ## ##", "8# ## ## ##"},
		vat:             "DK########",
		cities:          []city{{"København", "", "1###"}, {"Aarhus", "", "8000"}, {"Odense", "", "5000"}},
		streets:         []string{"Strøget", "Nørrebrogade", "Østerbrogade", "Vesterbrogade", "Åboulevard"},
		complements:     []string{"2. th.", "st. tv."},
		mailDomains:     []string{"gmail.com", "outlook.dk", "mail.dk"},
		titles:          withCommon([]string{"Direktør", "Projektleder", "Udvikler"}, commonTitles),
		departments:     commonDepartments,
		sectors:         withCommon([]string{"Byg", "Logistik", "Rådgivning"}, commonSectors),
		companySuffixes: []string{"ApS", "A/S"},
	},
	{
		weight: 3, lang: "sv", country: "Sverige", tld: "se",
		female:          []string{"Åsa", "Ingrid", "Märta", "Linnéa", "Astrid", "Saga"},
		male:            []string{"Björn", "Åke", "Lars", "Anders", "Göran", "Olle"},
		last:            []string{"Andersson", "Johansson", "Lindqvist", "Ågren", "Björklund", "Öberg", "Sjöström", "Lindström"},
		prefixes:        []string{"Dr."},
		mobiles:         []string{"+46 70 ### ## ##", "070-### ## ##", "+46 73 ### ## ##", "+4676#######"},
		landlines:       []string{"+46 8 ### ### ##", "08-### ### ##", "+46 31 ### ## ##"},
		vat:             "SE############",
		cities:          []city{{"Stockholm", "", "1## ##"}, {"Göteborg", "", "4## ##"}, {"Malmö", "", "2## ##"}},
		streets:         []string{"Drottninggatan", "Storgatan", "Kungsgatan", "Sveavägen", "Götgatan"},
		complements:     []string{"lgh 1102", "c/o Öberg"},
		mailDomains:     []string{"gmail.com", "telia.com", "outlook.com"},
		titles:          withCommon([]string{"Verkställande direktör", "Projektledare", "Utvecklare"}, commonTitles),
		departments:     commonDepartments,
		sectors:         withCommon([]string{"Bygg", "Logistik", "Konsult"}, commonSectors),
		companySuffixes: []string{"AB"},
	},
	{
		weight: 3, lang: "nb", country: "Norge", tld: "no",
		female:          []string{"Sigrid", "Solveig", "Kari", "Ingvild", "Åshild", "Tuva"},
		male:            []string{"Øystein", "Håkon", "Bjørn", "Ola", "Kåre", "Eirik"},
		last:            []string{"Hansen", "Johansen", "Bjørnstad", "Haugen", "Løvås", "Sæther", "Dahl", "Økland"},
		prefixes:        []string{"Dr."},
		mobiles:         []string{"+47 4## ## ###", "4## ## ###", "+47 9## ## ###"},
		landlines:       []string{"+47 22 ## ## ##", "22 ## ## ##"},
		vat:             "NO#########MVA",
		cities:          []city{{"Oslo", "", "0###"}, {"Bergen", "", "50##"}, {"Trondheim", "", "70##"}, {"Tromsø", "", "90##"}},
		streets:         []string{"Karl Johans gate", "Storgata", "Bygdøy allé", "Torggata"},
		complements:     []string{"H0201", "c/o Dahl"},
		mailDomains:     []string{"gmail.com", "online.no", "outlook.com"},
		titles:          withCommon([]string{"Daglig leder", "Prosjektleder", "Utvikler"}, commonTitles),
		departments:     commonDepartments,
		sectors:         withCommon([]string{"Bygg", "Sjømat", "Rådgivning"}, commonSectors),
		companySuffixes: []string{"AS", "ASA"},
	},
	{
		weight: 6, lang: "pl", country: "Polska", tld: "pl",
		female: []string{"Agnieszka", "Małgorzata", "Zofia", "Katarzyna", "Ewa", "Joanna", "Jadwiga"},
		male:   []string{"Łukasz", "Paweł", "Wojciech", "Krzysztof", "Michał", "Piotr", "Grzegorz", "Zbigniew"},
		last:   []string{"Nowak", "Wiśniewski", "Wójcik", "Kamiński", "Lewandowski", "Zieliński", "Dąbrowski", "Kozłowski", "Mazur", "Król", "Szymański", "Woźniak"},
		feminine: func(last string) string {
			if strings.HasSuffix(last, "ki") {
				return strings.TrimSuffix(last, "ki") + "ka"
			}
			return last
		},
		prefixes:  []string{"Dr", "Prof.", "Pan", "Pani"},
		mobiles:   []string{"+48 5## ### ###", "5## ### ###", "+48 6## ### ###", "+48 79# ### ###", "+48 5########"},
		landlines: []string{"+48 22 ### ## ##", "22 ### ## ##", "+48 12 ### ## ##"},
		vat:       "PL##########",
		cities: []city{{"Warszawa", "mazowieckie", "00-###"}, {"Kraków", "małopolskie", "30-###"}, {"Gdańsk", "pomorskie", "80-###"},
			{"Wrocław", "dolnośląskie", "50-###"}, {"Łódź", "łódzkie", "90-###"}},
		streets:         []string{"ul. Marszałkowska", "Aleje Jerozolimskie", "ul. Długa", "ul. Piotrkowska", "ul. Floriańska"},
		complements:     []string{"m. 12", "lok. 4"},
		mailDomains:     []string{"wp.pl", "o2.pl", "onet.pl", "gmail.com", "interia.pl"},
		titles:          withCommon([]string{"Dyrektor sprzedaży", "Kierownik projektu", "Księgowa", "Programista"}, commonTitles),
		departments:     withCommon([]string{"Sprzedaż", "Księgowość", "Kadry"}, commonDepartments),
		sectors:         withCommon([]string{"Budownictwo", "Logistyka", "Oprogramowanie"}, commonSectors),
		companySuffixes: []string{"sp. z o.o.", "S.A."},
	},
	{
		weight: 6, lang: "pt", country: "Portugal", tld: "pt",
		female:          []string{"Maria", "Ana", "Beatriz", "Inês", "Conceição", "Leonor", "Matilde"},
		male:            []string{"João", "Tomás", "Gonçalo", "Rodrigo", "Sebastião", "Simão", "Afonso"},
		last:            []string{"Silva", "Santos", "Ferreira", "Pereira", "Gonçalves", "Magalhães", "Simões", "Araújo", "Conceição", "Brandão"},
		prefixes:        []string{"Dr.", "Dra.", "Eng.", "Sr.", "Sra."},
		mobiles:         []string{"+351 91# ### ###", "91# ### ###", "+351 93# ### ###", "+351 96# ### ###", "+35192#######"},
		landlines:       []string{"+351 21# ### ###", "+351 22# ### ###", "21# ### ###"},
		vat:             "PT#########",
		cities:          []city{{"Lisboa", "", "1###-###"}, {"Porto", "", "4###-###"}, {"Coimbra", "", "3###-###"}, {"Évora", "", "7###-###"}},
		streets:         []string{"Rua Augusta", "Avenida da Liberdade", "Rua de Santa Catarina", "Praça do Comércio", "Rua do Salitre"},
		complements:     []string{"2º Esq.", "R/C Dto.", "3º andar"},
		mailDomains:     []string{"sapo.pt", "gmail.com", "hotmail.com", "outlook.pt"},
		titles:          withCommon([]string{"Diretora comercial", "Gestor de projeto", "Contabilista", "Engenheiro"}, commonTitles),
		departments:     withCommon([]string{"Vendas", "Contabilidade", "Recursos Humanos"}, commonDepartments),
		sectors:         withCommon([]string{"Consultoria", "Logística", "Construções", "Vinhos"}, commonSectors),
		companySuffixes: []string{"Lda.", "S.A."},
	},
	{
		weight: 5, lang: "tr", country: "Türkiye", tld: "com.tr",
		female:          []string{"Ayşe", "Elif", "Zeynep", "Gülşen", "Özlem", "İpek", "Şebnem"},
		male:            []string{"Mehmet", "Mustafa", "Ömer", "Çağan", "Emre", "Burak", "İsmail"},
		last:            []string{"Yılmaz", "Kaya", "Demir", "Çelik", "Şahin", "Yıldız", "Öztürk", "Aydın", "Arslan", "Doğan"},
		prefixes:        []string{"Dr.", "Prof. Dr.", "Av."},
		mobiles:         []string{"+90 53# ### ## ##", "053# ### ## ##", "+90 54# ### ## ##", "+905#########"},
		landlines:       []string{"+90 212 ### ## ##", "0212 ### ## ##", "+90 312 ### ## ##"},
		vat:             "TR##########",
		cities:          []city{{"İstanbul", "", "34###"}, {"Ankara", "", "06###"}, {"İzmir", "", "35###"}, {"Bursa", "", "16###"}},
		streets:         []string{"İstiklal Caddesi", "Bağdat Caddesi", "Atatürk Bulvarı", "Kıbrıs Şehitleri Caddesi"},
		complements:     []string{"Daire 5", "Kat 3"},
		mailDomains:     []string{"gmail.com", "yandex.com.tr", "hotmail.com"},
		titles:          withCommon([]string{"Genel Müdür", "Proje Yöneticisi", "Muhasebeci", "Yazılım Mühendisi"}, commonTitles),
		departments:     withCommon([]string{"Satış", "Muhasebe", "İnsan Kaynakları"}, commonDepartments),
		sectors:         withCommon([]string{"Danışmanlık", "Lojistik", "Yazılım", "İnşaat"}, commonSectors),
		companySuffixes: []string{"A.Ş.", "Ltd. Şti."},
	},
	{
		weight: 5, lang: "vi", country: "Việt Nam", tld: "vn", familyFirst: true,
		female:          []string{"Thị Lan", "Thị Hương", "Ngọc Thảo", "Thị Ngọc", "Thùy Linh", "Thu Trang", "Minh Khai"},
		male:            []string{"Văn Minh", "Văn Dũng", "Anh Tuấn", "Quang Hùng", "Minh Đức", "Đức Anh"},
		last:            []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Đặng", "Bùi"},
		prefixes:        []string{"TS.", "ThS."},
		mobiles:         []string{"+84 91 ### ## ##", "091 ### ####", "+84 98 ### ####", "+84 3# ### ####", "09# ### ####"},
		landlines:       []string{"+84 24 #### ####", "024 #### ####", "+84 28 #### ####"},
		vat:             "##########",
		cities:          []city{{"Hà Nội", "", "100000"}, {"Thành phố Hồ Chí Minh", "", "700000"}, {"Đà Nẵng", "", "550000"}},
		streets:         []string{"Phố Hàng Bạc", "Đường Lê Lợi", "Đường Nguyễn Huệ", "Phố Tràng Tiền"},
		complements:     []string{"Tầng 5", "Phòng 302"},
		mailDomains:     []string{"gmail.com", "yahoo.com.vn", "outlook.com"},
		titles:          withCommon([]string{"Giám đốc", "Trưởng phòng", "Kế toán"}, commonTitles),
		departments:     commonDepartments,
		sectors:         withCommon([]string{"Công nghệ", "Xây dựng", "Thương mại"}, commonSectors),
		companySuffixes: []string{"JSC", "Co., Ltd"},
	},
	{
		weight: 12, lang: "en", country: "United States", tld: "com",
		female:   []string{"Emily", "Olivia", "Sarah", "Jessica", "Megan", "Ashley", "Zoë", "Renée"},
		male:     []string{"James", "Michael", "Robert", "David", "Tyler", "Brandon", "Chris", "José"},
		last:     []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "O'Brien", "McDonald", "Taylor", "García", "Nguyễn"},
		prefixes: enPrefixes,
		mobiles: []string{"+1 415-555-01##", "(415) 555-01##", "415-555-01##", "+1 (212) 555-01##", "212.555.01##",
			"+120655501##", "+1 617 555 01##", "(312) 555-01##"},
		landlines: []string{"+1 415-555-01##", "(646) 555-01##", "+1 (512) 555-01##", "305-555-01##"},
		vat:       "##-#######",
		cities: []city{{"San Francisco", "CA", "941##"}, {"New York", "NY", "100##"}, {"Chicago", "IL", "606##"},
			{"Boston", "MA", "021##"}, {"Seattle", "WA", "981##"}, {"Austin", "TX", "787##"}},
		streets:         []string{"Market Street", "Broadway", "Main Street", "Elm Street", "Sunset Boulevard", "Michigan Avenue"},
		complements:     []string{"Suite 200", "Apt 4B", "Floor 12"},
		mailDomains:     []string{"gmail.com", "yahoo.com", "outlook.com", "icloud.com", "aol.com"},
		titles:          withCommon([]string{"VP of Engineering", "Attorney", "Real Estate Agent", "Nurse Practitioner"}, commonTitles),
		departments:     commonDepartments,
		sectors:         withCommon([]string{"Logistics", "Foods", "Energy", "Health"}, commonSectors),
		companySuffixes: []string{"Inc.", "LLC", "Corp."},
	},
	{
		weight: 9, lang: "en", country: "United Kingdom", tld: "co.uk",
		female:    []string{"Charlotte", "Amelia", "Harriet", "Siobhán", "Imogen", "Chloë"},
		male:      []string{"Oliver", "Harry", "George", "Alistair", "Rhys", "Seán"},
		last:      []string{"Taylor", "Evans", "Wright", "Thompson", "Hughes", "Fitzgerald", "Walker", "Robinson", "Ó Súilleabháin", "Brontë"},
		prefixes:  append([]string{"Sir", "Dame"}, enPrefixes...),
		mobiles:   []string{"+44 7700 900###", "07700 900###", "+447700900###", "07700 900 ###"},
		landlines: []string{"+44 20 7946 0###", "020 7946 0###", "+44 161 496 0###", "0161 496 0###", "+44 113 496 0###"},
		vat:       "GB#########",
		cities: []city{{"London", "", "SW1A #@@"}, {"London", "", "EC1A #@@"}, {"Manchester", "", "M1 #@@"},
			{"Edinburgh", "Scotland", "EH1 #@@"}, {"Bristol", "", "BS1 #@@"}},
		streets:         []string{"Baker Street", "High Street", "Oxford Road", "Abbey Road", "Princes Street"},
		complements:     []string{"Flat 3", "Unit 7", "The Old Rectory"},
		mailDomains:     []string{"gmail.com", "btinternet.com", "outlook.com", "icloud.com", "sky.com"},
		titles:          withCommon([]string{"Managing Director", "Solicitor", "Chartered Accountant", "Head of Operations"}, commonTitles),
		departments:     commonDepartments,
		sectors:         withCommon([]string{"Logistics", "Foods", "Energy", "Publishing"}, commonSectors),
		companySuffixes: []string{"Ltd", "PLC", "LLP"},
	},
}

var genericMailDomains = []string{"gmail.com", "outlook.com", "icloud.com", "proton.me", "yahoo.com"}

var companyStems = []string{"Lumière", "Nordlicht", "Atlántico", "Bärenstark", "Orbital", "Bosphorus", "Mekong",
	"Blue Harbor", "Soleil", "Fjord", "Vistula", "Tejo", "Alpenglühen", "Polaris", "Acme", "Étoile", "Zenit",
	"Kestrel", "Sirocco", "Aurora", "Mistral", "Kapadokya", "Sông Hồng", "Öresund", "Granit", "Cèdre", "Wawel",
	"Sintra", "Elbe", "Thames", "Calanque", "Hêtre"}

var companyNotes = []string{"Key account since 2019.", "Paiement à 30 jours fin de mois.",
	"Rahmenvertrag bis Ende des Jahres.", "Ask for the purchasing department first.", "Invoice by e-mail only.",
	"Facturación trimestral."}

var noteTemplates = []string{"Met at the trade fair in {city}.", "Rencontré au salon de {city}.",
	"Prefers e-mail to phone calls.", "Préfère être contacté·e le matin.", "Allergic to peanuts 🥜",
	"Kennengelernt auf der Konferenz in {city}.", "Call back about the quote (devis n° 2024-117).",
	"Kids: Léo and Inès.", "Speaks French, English and a little Polish.", "Birthday party every year in {city} 🎉",
	"Old colleague from the {city} office.", "Vegetarian. Coffee: flat white, no sugar."}

var groupDefs = []struct{ name, color, description string }{
	{"Famille", "#E53935", "La famille proche et éloignée"},
	{"Amis", "#8E24AA", ""},
	{"Collègues", "#1E88E5", "Current and former colleagues"},
	{"Clients", "#43A047", "Active customers"},
	{"Fournisseurs", "#FB8C00", ""},
	{"Club de lecture", "#6D4C41", "Le premier jeudi du mois"},
	{"Nachbarn", "#00ACC1", ""},
	{"Équipe projet Zoë", "#FDD835", "Project team 2025"},
}
