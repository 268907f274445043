package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"strings"

	"github.com/humans-contacts/humans/app/interchange"
	"github.com/humans-contacts/humans/carddav"
	"github.com/humans-contacts/humans/store"
)

// ExportFormat is a format Export writes.
type ExportFormat string

// The export formats: the Hub's three, plus CSV shaped for importing into
// Google Contacts or Outlook.
const (
	ExportJSON       ExportFormat = "json"
	ExportCSV        ExportFormat = "csv"
	ExportVCard      ExportFormat = "vcard"
	ExportGoogleCSV  ExportFormat = "google-csv"
	ExportOutlookCSV ExportFormat = "outlook-csv"
)

// ExportFormats lists the formats Export accepts.
var ExportFormats = []ExportFormat{ExportJSON, ExportCSV, ExportVCard, ExportGoogleCSV, ExportOutlookCSV}

// ExportRequest selects what Export writes, as GET /api/export's
// parameters do: the contacts with IDs, else the members of GroupID or
// the people of CompanyID (both: the people in both), else every live
// contact.
type ExportRequest struct {
	Format    ExportFormat
	IDs       []int64
	GroupID   int64
	CompanyID int64
	// VCardVersion is "3.0" (the default, what most clients read) or "4.0".
	VCardVersion string
}

// exportChunk is how many contacts Export reads per transaction.
const exportChunk = 500

// Export writes the selected contacts to w and returns how many.
func (s *Service) Export(ctx context.Context, req ExportRequest, w io.Writer) (int, error) {
	if req.Format == "" {
		req.Format = ExportJSON
	}
	if req.VCardVersion == "" {
		req.VCardVersion = "3.0"
	}
	verr := &ValidationError{}
	switch req.Format {
	case ExportJSON, ExportCSV, ExportVCard, ExportGoogleCSV, ExportOutlookCSV:
	default:
		verr.Add("format", fmt.Sprintf("must be json, csv or vcard (got %q)", req.Format))
	}
	if req.VCardVersion != "3.0" && req.VCardVersion != "4.0" {
		verr.Add("version", "must be 3.0 or 4.0")
	}
	if err := verr.OrNil(); err != nil {
		return 0, err
	}
	ids, err := s.exportIDs(ctx, req)
	if err != nil {
		return 0, err
	}
	count := 0
	humans := s.humansSeq(ctx, ids, &count)
	names := s.store
	switch req.Format {
	case ExportJSON:
		err = interchange.WriteJSON(w, humans, names)
	case ExportCSV:
		err = interchange.WriteCSV(w, humans, names)
	case ExportGoogleCSV:
		err = interchange.WriteGoogleCSV(w, humans, names)
	case ExportOutlookCSV:
		err = interchange.WriteOutlookCSV(w, humans, names)
	case ExportVCard:
		err = s.writeVCards(ctx, w, humans, req.VCardVersion)
	}
	if err != nil {
		return count, fmt.Errorf("app: export: %w", err)
	}
	return count, nil
}

// exportIDs returns the ids req selects, by display name.
func (s *Service) exportIDs(ctx context.Context, req ExportRequest) ([]int64, error) {
	if len(req.IDs) > 0 {
		return req.IDs, nil
	}
	return s.store.QueryIDs(ctx, store.Query{GroupID: req.GroupID, CompanyID: req.CompanyID, Sort: store.SortDisplayName})
}

// humansSeq reads the contacts with ids a chunk at a time, counting them:
// an export never holds the whole book in memory.
func (s *Service) humansSeq(ctx context.Context, ids []int64, count *int) iter.Seq2[*Human, error] {
	return func(yield func(*Human, error) bool) {
		for start := 0; start < len(ids); start += exportChunk {
			if err := ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
			chunk, err := s.store.HumansByID(ctx, ids[start:min(start+exportChunk, len(ids))])
			if err != nil {
				yield(nil, err)
				return
			}
			for _, h := range chunk {
				*count++
				if !yield(h, nil) {
					return
				}
			}
		}
	}
}

func (s *Service) writeVCards(ctx context.Context, w io.Writer, humans iter.Seq2[*Human, error], version string) error {
	var buf []byte
	for h, err := range humans {
		if err != nil {
			return err
		}
		var photo []byte
		if h.PhotoHash != "" {
			if photo, _, err = s.store.Photo(ctx, h.PhotoHash); err != nil {
				return fmt.Errorf("photo of contact %d: %w", h.ID, err)
			}
		}
		card, err := carddav.Encode(h, s.store, photo, version)
		if err != nil {
			return fmt.Errorf("contact %d: %w", h.ID, err)
		}
		if buf, err = carddav.AppendCard(buf[:0], card); err != nil {
			return fmt.Errorf("contact %d: %w", h.ID, err)
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return nil
}

// ExportUnified writes the whole book (contacts with their photos, in the
// trash too; companies, groups, custom field definitions and the stats)
// as one JSON document that import can restore into an empty store.
func (s *Service) ExportUnified(ctx context.Context, w io.Writer) error {
	stats, err := s.store.Stats(ctx)
	if err != nil {
		return err
	}
	companies, err := s.store.ListCompanies(ctx)
	if err != nil {
		return err
	}
	groups, err := s.store.ListGroups(ctx)
	if err != nil {
		return err
	}
	fields, err := s.store.CustomFieldDefs(ctx)
	if err != nil {
		return err
	}
	live, err := s.store.QueryIDs(ctx, store.Query{Sort: store.SortCreatedAt, Order: store.Asc})
	if err != nil {
		return err
	}
	trashed, err := s.store.QueryIDs(ctx, store.Query{Trashed: true})
	if err != nil {
		return err
	}
	hdr := &interchange.UnifiedHeader{
		Version: interchange.UnifiedVersion, ExportedAt: s.now().UTC(), Stats: stats,
		Companies: companies, Groups: groups, CustomFields: fields,
	}
	if hdr.SMS, err = s.unifiedSMS(ctx); err != nil {
		return err
	}
	var count int
	photo := func(hash string) ([]byte, string, error) { return s.store.Photo(ctx, hash) }
	if err := interchange.WriteUnified(w, hdr, s.humansSeq(ctx, append(live, trashed...), &count), photo); err != nil {
		return fmt.Errorf("app: unified export: %w", err)
	}
	return nil
}

// ParseExportFormat reads a format name as the CLI and API take it.
func ParseExportFormat(s string) (ExportFormat, error) {
	f := ExportFormat(strings.ToLower(strings.TrimSpace(s)))
	switch f {
	case "vcf":
		return ExportVCard, nil
	case ExportJSON, ExportCSV, ExportVCard, ExportGoogleCSV, ExportOutlookCSV:
		return f, nil
	}
	return "", &ValidationError{Fields: map[string]string{"format": fmt.Sprintf("must be json, csv, vcard, google-csv or outlook-csv (got %q)", s)}}
}

// unifiedSMS is the outbox as the unified export's "sms" member.
func (s *Service) unifiedSMS(ctx context.Context) ([]json.RawMessage, error) {
	msgs, err := s.store.AllSMS(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]json.RawMessage, 0, len(msgs))
	for _, m := range msgs {
		b, err := json.Marshal(m)
		if err != nil {
			return nil, fmt.Errorf("app: unified export: message %d: %w", m.ID, err)
		}
		out = append(out, b)
	}
	return out, nil
}
