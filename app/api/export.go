package api

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/humans-contacts/humans/app"
)

// lazyWriter sends the response header with the first byte of the body,
// so that a failure before any byte is written still gets an error
// envelope.
type lazyWriter struct {
	w       http.ResponseWriter
	header  func(h http.Header)
	started bool
}

func (l *lazyWriter) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		l.header(l.w.Header())
		l.w.WriteHeader(http.StatusOK)
	}
	return l.w.Write(p)
}

// stream runs write into a lazyWriter. An error before the first byte is
// returned for the envelope; after it, the connection is cut so the
// client sees a truncated download rather than a complete-looking one.
func (s *server) stream(w http.ResponseWriter, r *http.Request, header func(h http.Header), write func(*lazyWriter) error) error {
	lw := &lazyWriter{w: w, header: header}
	err := write(lw)
	if err == nil && !lw.started {
		lw.Write(nil) // an empty export still has its headers
	}
	if err != nil && lw.started {
		s.log.Error("api: download failed part way", "path", r.URL.Path, "err", err)
		panic(http.ErrAbortHandler)
	}
	return err
}

var exportTypes = map[app.ExportFormat]struct{ contentType, ext string }{
	app.ExportJSON:       {"application/json; charset=utf-8", "json"},
	app.ExportCSV:        {"text/csv; charset=utf-8", "csv"},
	app.ExportGoogleCSV:  {"text/csv; charset=utf-8", "csv"},
	app.ExportOutlookCSV: {"text/csv; charset=utf-8", "csv"},
	app.ExportVCard:      {"text/vcard; charset=utf-8", "vcf"},
}

// GET /api/export: the file itself (no envelope), as import reads it.
func (s *server) export(w http.ResponseWriter, r *http.Request) error {
	p := query(r)
	req := app.ExportRequest{IDs: p.ids("ids"), GroupID: p.id("group_id"), CompanyID: p.id("company_id"),
		VCardVersion: p.str("version")}
	format := p.str("format")
	if err := p.done(); err != nil {
		return err
	}
	if format == "" {
		format = string(app.ExportJSON)
	}
	f, err := app.ParseExportFormat(format)
	if err != nil {
		return err
	}
	req.Format = f
	if req.GroupID != 0 {
		if _, err := s.svc.Group(r.Context(), req.GroupID); isNotFound(err) {
			return notFound("group", req.GroupID)
		} else if err != nil {
			return err
		}
	}
	if req.CompanyID != 0 {
		if _, err := s.svc.Company(r.Context(), req.CompanyID); isNotFound(err) {
			return notFound("company", req.CompanyID)
		} else if err != nil {
			return err
		}
	}
	t := exportTypes[f]
	name := "humans"
	if f == app.ExportGoogleCSV || f == app.ExportOutlookCSV {
		name += "-" + strings.TrimSuffix(string(f), "-csv")
	}
	return s.stream(w, r, func(h http.Header) {
		h.Set("Content-Type", t.contentType)
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, name, t.ext))
	}, func(lw *lazyWriter) error {
		_, err := s.svc.Export(r.Context(), req, lw)
		return err
	})
}

// GET /api/export/unified: the whole book as one JSON document.
func (s *server) exportUnified(w http.ResponseWriter, r *http.Request) error {
	return s.stream(w, r, func(h http.Header) {
		h.Set("Content-Type", "application/json; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="humans-unified.json"`)
	}, func(lw *lazyWriter) error {
		return s.svc.ExportUnified(r.Context(), lw)
	})
}
