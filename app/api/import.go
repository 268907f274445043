package api

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/humans-contacts/humans/app"
)

// importFormats maps the format parameter and the body's media type to
// an import format.
var importFormats = map[string]app.Format{
	"": app.FormatAuto, "auto": app.FormatAuto,
	"vcard": app.FormatVCard, "vcf": app.FormatVCard, "csv": app.FormatCSV, "json": app.FormatJSON,
	"text/vcard": app.FormatVCard, "text/x-vcard": app.FormatVCard, "text/directory": app.FormatVCard,
	"text/csv": app.FormatCSV, "application/json": app.FormatJSON,
}

// POST /api/import: the body is a file (.vcf, Google or Outlook .csv,
// this app's .json or unified export), imported as `humans import` does.
// Parameters: format (auto by default: from the name's extension, the
// media type, then the content), name (the file's name, for detection and the
// report), dry_run.
func (s *server) importFile(w http.ResponseWriter, r *http.Request) error {
	p := query(r)
	format, name, dry := p.str("format"), p.str("name"), p.bool("dry_run")
	if err := p.done(); err != nil {
		return err
	}
	f, ok := importFormats[format]
	if !ok {
		return &apiError{status: http.StatusUnprocessableEntity, code: "validation_error", msg: "validation failed: format",
			fields: map[string]string{"format": fmt.Sprintf("must be auto, vcard, csv or json (got %q)", format)}}
	}
	// Without a format, the name's extension decides, then the media
	// type, then the content (the importer looks at both).
	if f == app.FormatAuto && !knownExtension(name) {
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil {
			f = importFormats[mt] // unknown types stay auto
		}
	}
	if name == "" {
		name = "upload"
	}
	opts := app.ImportOptions{DryRun: dry != nil && *dry}
	res, err := s.svc.Import(r.Context(), r.Body, name, f, opts)
	var ferr *app.FileError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return err
	case errors.As(err, &ferr):
		return &apiError{status: http.StatusUnprocessableEntity, code: "invalid_file", msg: ferr.Error()}
	case err != nil:
		return err
	}
	verb := ""
	if res.DryRun {
		verb = "would be "
	}
	return s.ok(w, http.StatusOK, res, fmt.Sprintf("%d %screated, %d %supdated, %d %sskipped, %d failed",
		res.Created, verb, res.Updated, verb, res.Skipped, verb, res.Failed))
}

// knownExtension reports whether name ends in an extension the importer
// recognises.
func knownExtension(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".vcf", ".vcard", ".csv", ".tsv", ".json":
		return true
	}
	return false
}
