package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/humans-contacts/humans/app"
)

// commandOptions are the flags of the commands that have their own.
type commandOptions struct {
	dryRun bool // import

	format       string // export
	ids          string
	group        int64
	company      int64
	vcardVersion string
	output       string
	unified      bool

	request app.ExportRequest // export, parsed

	role   string        // apikey
	apiKey apiKeyCommand // apikey, parsed
}

// register adds the flags of cmd to fs.
func (o *commandOptions) register(cmd string, fs *flag.FlagSet) {
	switch cmd {
	case "import":
		fs.BoolVar(&o.dryRun, "dry-run", false, "show what would happen, change nothing")
	case "export":
		fs.StringVar(&o.format, "format", "json", "json, csv, vcard, google-csv or outlook-csv")
		fs.StringVar(&o.ids, "ids", "", "comma-separated contact ids")
		fs.Int64Var(&o.group, "group", 0, "only the members of this group")
		fs.Int64Var(&o.company, "company", 0, "only the people of this company")
		fs.StringVar(&o.vcardVersion, "vcard-version", "3.0", "3.0 or 4.0")
		fs.StringVar(&o.output, "o", "", "the file to write (default: standard output)")
		fs.BoolVar(&o.unified, "unified", false, "the whole book as one JSON document")
	case "apikey":
		fs.StringVar(&o.role, "role", "user", "admin or user")
	}
}

// parseExport checks the export flags and builds the request.
func (o *commandOptions) parseExport() error {
	format, err := app.ParseExportFormat(o.format)
	if err != nil {
		return fmt.Errorf("--format %q: use json, csv, vcard, google-csv or outlook-csv", o.format)
	}
	o.request = app.ExportRequest{Format: format, GroupID: o.group, CompanyID: o.company, VCardVersion: o.vcardVersion}
	if o.vcardVersion != "3.0" && o.vcardVersion != "4.0" {
		return fmt.Errorf("--vcard-version %q: use 3.0 or 4.0", o.vcardVersion)
	}
	for _, part := range strings.Split(o.ids, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		id, err := strconv.ParseInt(part, 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("--ids: %q is not a contact id", part)
		}
		o.request.IDs = append(o.request.IDs, id)
	}
	return nil
}

// runImport imports files, showing progress on stderr, and prints what
// happened. Records that failed make the command fail after the rest was
// imported.
func runImport(svc book, files []string, dryRun bool, stdout, stderr io.Writer) error {
	progress := newProgressLine(stderr)
	res, err := svc.ImportFiles(context.Background(), files, app.ImportOptions{
		DryRun: dryRun,
		Progress: func(p app.ImportProgress) {
			pct := ""
			if p.BytesTotal > 0 {
				pct = fmt.Sprintf(" %3d%%", p.BytesRead*100/p.BytesTotal)
			}
			progress.show(fmt.Sprintf("importing %s%s: %d read, %d created, %d updated, %d skipped, %d failed",
				p.File, pct, p.Records, p.Created, p.Updated, p.Skipped, p.Failed))
		},
	})
	progress.done()
	if err != nil {
		return err
	}
	verb := ""
	if dryRun {
		verb = "would be "
		for _, a := range res.Actions {
			line := fmt.Sprintf("%s #%d %s: %s", a.File, a.Position, a.Name, a.Action)
			if a.MatchedID != 0 {
				line += fmt.Sprintf(" contact %d (same %s)", a.MatchedID, a.Rule)
			}
			if a.Reason != "" {
				line += " (" + a.Reason + ")"
			}
			fmt.Fprintln(stdout, line)
		}
	}
	fmt.Fprintf(stdout, "%d %screated, %d %supdated, %d %sskipped, %d failed\n",
		res.Created, verb, res.Updated, verb, res.Skipped, verb, res.Failed)
	if r := res.Restored; r != nil {
		fmt.Fprintf(stdout, "the book was empty: the export was restored exactly (ids and dates kept): "+
			"%d contacts (%d in the trash), %d photos, %d companies, %d groups, %d custom fields, %d text messages\n",
			r.Humans, r.Trashed, r.Photos, r.Companies, r.Groups, r.CustomFields, r.SMS)
	}
	for _, name := range res.CompaniesCreated {
		fmt.Fprintf(stdout, "company %q %screated\n", name, verb)
	}
	for _, name := range res.GroupsCreated {
		fmt.Fprintf(stdout, "group %q %screated\n", name, verb)
	}
	for _, p := range res.Problems {
		where := fmt.Sprintf("%s record %d", p.File, p.Position)
		if p.Line > 0 {
			where += fmt.Sprintf(" (line %d)", p.Line)
		}
		fmt.Fprintf(stderr, "%s: %s\n", where, p.Reason)
	}
	if res.Failed > 0 {
		return fmt.Errorf("%d records could not be imported", res.Failed)
	}
	return nil
}

// runExport writes the export to -o FILE (atomically) or stdout.
func runExport(svc book, o commandOptions, stderr io.Writer) error {
	ctx := context.Background()
	write := func(w io.Writer) (int, error) {
		if o.unified {
			return 0, svc.ExportUnified(ctx, w)
		}
		return svc.Export(ctx, o.request, w)
	}
	if o.output == "" || o.output == "-" {
		_, err := write(os.Stdout)
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(o.output), filepath.Base(o.output)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	n, err := write(tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), o.output); err != nil {
		return err
	}
	switch {
	case o.unified:
		fmt.Fprintf(stderr, "exported the whole book to %s\n", o.output)
	case n == remoteCount:
		fmt.Fprintf(stderr, "exported to %s\n", o.output)
	default:
		fmt.Fprintf(stderr, "exported %d contacts to %s\n", n, o.output)
	}
	return nil
}

// progressLine rewrites one status line on a terminal, and stays quiet
// elsewhere (a log or a pipe gets only the final summary).
type progressLine struct {
	w        io.Writer
	terminal bool
	shown    bool
}

func newProgressLine(w io.Writer) *progressLine {
	p := &progressLine{w: w}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.terminal = true
		}
	}
	return p
}

func (p *progressLine) show(line string) {
	if !p.terminal {
		return
	}
	fmt.Fprintf(p.w, "\r\x1b[K%s", line)
	p.shown = true
}

func (p *progressLine) done() {
	if p.shown {
		fmt.Fprintln(p.w)
	}
}
