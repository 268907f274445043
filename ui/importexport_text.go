package ui

import (
	"fmt"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/humans-contacts/humans/app"
)

// The pure side of importing and exporting: the formats offered, file
// names, and the texts the dialogs show. No widgets here.

// importExtensions are the files the import picker offers.
var importExtensions = []string{".vcf", ".vcard", ".csv", ".json"}

// exportChoice is one entry of the export dialog's format list.
type exportChoice struct {
	label   string
	format  app.ExportFormat // "" for the whole book (ExportUnified)
	version string           // the vCard version
	suffix  string           // added to the default file name: contacts-google.csv
	ext     string
}

// unified reports whether c is the whole book, trash and all.
func (c exportChoice) unified() bool { return c.format == "" }

// request is what Service.Export is asked for c.
func (c exportChoice) request() app.ExportRequest {
	return app.ExportRequest{Format: c.format, VCardVersion: c.version}
}

// exportChoices are the formats the export dialog offers, in its order.
var exportChoices = []exportChoice{
	{label: "JSON", format: app.ExportJSON, ext: ".json"},
	{label: "CSV", format: app.ExportCSV, ext: ".csv"},
	{label: "vCard 3.0", format: app.ExportVCard, version: "3.0", ext: ".vcf"},
	{label: "vCard 4.0", format: app.ExportVCard, version: "4.0", ext: ".vcf"},
	{label: "Google CSV", format: app.ExportGoogleCSV, suffix: "-google", ext: ".csv"},
	{label: "Outlook CSV", format: app.ExportOutlookCSV, suffix: "-outlook", ext: ".csv"},
	{label: "Whole book (unified JSON)", ext: ".json"},
}

func exportChoiceLabels() []string {
	out := make([]string, len(exportChoices))
	for i, c := range exportChoices {
		out[i] = c.label
	}
	return out
}

// exportFileName is the file name the save dialog proposes for c: named
// after base (a contact, a group) when there is one, else "contacts";
// the whole book is humans-export.json.
func exportFileName(c exportChoice, base string) string {
	if c.unified() {
		return "humans-export" + c.ext
	}
	base = safeFileName(base)
	if base == "" {
		base = "contacts"
	}
	return base + c.suffix + c.ext
}

// safeFileName makes s usable as a file name on every desktop system:
// no path separators, reserved or control characters, no leading dot
// (a hidden file), at most 64 characters.
func safeFileName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case strings.ContainsRune(`/\:*?"<>|`, r) || unicode.IsControl(r):
			return ' '
		case r == utf8.RuneError:
			return -1
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	s = strings.TrimLeft(s, ". ")
	if utf8.RuneCountInString(s) > 64 {
		s = string([]rune(s)[:64])
	}
	return strings.TrimRight(s, ". ")
}

// importSummary is the one-line count of an import or of its dry run:
// "12 would be created, 3 updated, 1 skipped, 2 failed".
func importSummary(r app.ImportResult) string {
	c := r.ImportResultCounts
	if c == (app.ImportResultCounts{}) {
		return "No contacts found."
	}
	created := "created"
	if r.DryRun {
		created = "would be created"
	}
	return fmt.Sprintf("%s %s, %s updated, %s skipped, %s failed",
		formatCount(c.Created), created, formatCount(c.Updated), formatCount(c.Skipped), formatCount(c.Failed))
}

// importCreatedText names the companies and groups an import created, or
// would create: one line each, at most maxNames names a line.
func importCreatedText(r app.ImportResult) string {
	const maxNames = 8
	verb := "Created"
	if r.DryRun {
		verb = "Would create"
	}
	var lines []string
	if x := r.Restored; x != nil {
		lines = append(lines, fmt.Sprintf("The book was empty: the whole export was restored as it was, with %s companies, %s groups and %s in the trash.",
			formatCount(x.Companies), formatCount(x.Groups), formatCount(x.Trashed)))
	}
	for _, kind := range []struct {
		one, many string
		names     []string
	}{
		{"company", "companies", r.CompaniesCreated},
		{"group", "groups", r.GroupsCreated},
	} {
		n := len(kind.names)
		if n == 0 {
			continue
		}
		noun := kind.many
		if n == 1 {
			noun = kind.one
		}
		shown := kind.names[:min(n, maxNames)]
		line := fmt.Sprintf("%s %s %s: %s", verb, formatCount(n), noun, strings.Join(shown, ", "))
		if n > len(shown) {
			line += fmt.Sprintf(" and %s more", formatCount(n-len(shown)))
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// problemText is one failed record: where it is and why.
// "people.vcf, record 4, line 12: no name, e-mail or phone".
func problemText(p app.ImportProblem) string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		b.WriteString(", ")
	}
	fmt.Fprintf(&b, "record %d", p.Position)
	if p.Line > 0 {
		fmt.Fprintf(&b, ", line %d", p.Line)
	}
	b.WriteString(": ")
	b.WriteString(problemReason(p))
	return b.String()
}

// problemReason is p's reason without what problemText already says
// (the card and line the vCard reader names) or the store's
// "invalid input" preamble.
func problemReason(p app.ImportProblem) string {
	r := p.Reason
	for _, prefix := range []string{
		fmt.Sprintf("card %d, line %d: ", p.Position, p.Line),
		fmt.Sprintf("line %d: ", p.Line),
		"invalid input: ",
	} {
		r = strings.TrimPrefix(r, prefix)
	}
	return r
}

// problemLines are the problems of r, one line each, with a last line
// saying how many were left out when the service kept only the first.
func problemLines(r app.ImportResult) []string {
	lines := make([]string, 0, len(r.Problems)+1)
	for _, p := range r.Problems {
		lines = append(lines, problemText(p))
	}
	if more := r.Failed - len(r.Problems); more > 0 && len(r.Problems) > 0 {
		lines = append(lines, fmt.Sprintf("… and %s more", formatCount(more)))
	}
	return lines
}

// ruleText says how an import matched an existing contact.
var ruleText = map[string]string{
	"uid":   "same UID",
	"email": "same e-mail",
	"phone": "same phone",
	"name":  "same name and birthday",
}

// actionText is what an import does, or would do, with one record:
// "#2 Zoë Núñez: new", "#1 Jean Dupont: update (same e-mail)".
func actionText(a app.ImportAction, withFile bool) string {
	var b strings.Builder
	if withFile && a.File != "" {
		b.WriteString(a.File)
		b.WriteByte(' ')
	}
	fmt.Fprintf(&b, "#%d", a.Position)
	if a.Name != "" {
		b.WriteByte(' ')
		b.WriteString(a.Name)
	}
	b.WriteString(": ")
	what := a.Action
	switch what {
	case "create":
		what = "new"
	case "fail":
		what = "failed"
	}
	b.WriteString(what)
	var why []string
	if r := ruleText[a.Rule]; r != "" {
		why = append(why, r)
	} else if a.Rule != "" {
		why = append(why, a.Rule)
	}
	if a.Reason != "" {
		why = append(why, a.Reason)
	}
	if len(why) > 0 {
		b.WriteString(" (" + strings.Join(why, ", ") + ")")
	}
	return b.String()
}

// actionLines lists r's actions, naming the file when there were several.
func actionLines(r app.ImportResult) []string {
	files := map[string]bool{}
	for _, a := range r.Actions {
		files[a.File] = true
	}
	lines := make([]string, 0, len(r.Actions)+1)
	for _, a := range r.Actions {
		lines = append(lines, actionText(a, len(files) > 1))
	}
	total := r.Created + r.Updated + r.Skipped + r.Failed
	if more := total - len(r.Actions); more > 0 && len(r.Actions) > 0 {
		lines = append(lines, fmt.Sprintf("… and %s more", formatCount(more)))
	}
	return lines
}

// progressText is the status line under an import's progress bar.
func progressText(p app.ImportProgress, dryRun bool) string {
	verb := "Importing"
	if dryRun {
		verb = "Checking"
	}
	var b strings.Builder
	b.WriteString(verb)
	if p.File != "" {
		b.WriteString(" " + p.File)
	}
	b.WriteString("…")
	if p.Records > 0 {
		b.WriteString(" " + plural(p.Records, "record read", "records read", ""))
	}
	switch {
	case p.BytesTotal > 0:
		fmt.Fprintf(&b, " (%s of %s)", formatBytes(min(p.BytesRead, p.BytesTotal)), formatBytes(p.BytesTotal))
	case p.BytesRead > 0:
		fmt.Fprintf(&b, " (%s)", formatBytes(p.BytesRead))
	}
	return b.String()
}

// formatBytes writes a size the way file managers do: 512 bytes, 12 KB,
// 1.5 MB (units of 1000).
func formatBytes(n int64) string {
	switch {
	case n < 1000:
		if n == 1 {
			return "1 byte"
		}
		return fmt.Sprintf("%d bytes", n)
	case n < 1000*1000:
		return fmt.Sprintf("%d KB", (n+500)/1000)
	case n < 1000*1000*1000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.2f GB", float64(n)/1e9)
}

// importMeter turns the per-file progress of ImportFiles into the
// fraction of the whole import: the files are read in order, and each
// report names the file it is about.
type importMeter struct {
	names []string // base names, as ImportProgress.File has them
	sizes []int64  // 0: unknown
	cur   int
	last  int64 // BytesRead of the last report
}

func newImportMeter(paths []string, sizes []int64) *importMeter {
	m := &importMeter{sizes: sizes}
	for _, p := range paths {
		m.names = append(m.names, filepath.Base(p))
	}
	return m
}

// fraction is how much of the import is done (0 to 1), and false when
// that cannot be known (a file of unknown size).
func (m *importMeter) fraction(p app.ImportProgress) (float64, bool) {
	// A report about another file, or about the same name read from the
	// start again, is about a later file.
	if m.cur < len(m.names) && (p.File != m.names[m.cur] || p.BytesRead < m.last) {
		for j := m.cur + 1; j < len(m.names); j++ {
			if m.names[j] == p.File {
				m.cur = j
				break
			}
		}
	}
	m.last = p.BytesRead
	var done, total int64
	for i, s := range m.sizes {
		if s <= 0 {
			return 0, false
		}
		total += s
		if i < m.cur {
			done += s
		}
	}
	if total == 0 {
		return 0, false
	}
	if i := m.cur; i < len(m.sizes) {
		done += min(p.BytesRead, m.sizes[i])
	}
	if p.Done {
		done = total
	}
	return min(float64(done)/float64(total), 1), true
}

// exportDoneText reports a finished export.
func exportDoneText(n int, unified bool, path string) string {
	if unified {
		return fmt.Sprintf("Exported the whole book (%s) to %s", plural(n, "contact", "contacts", "no contacts"), path)
	}
	return fmt.Sprintf("Exported %s to %s", plural(n, "contact", "contacts", "no contacts"), path)
}
