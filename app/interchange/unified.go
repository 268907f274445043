package interchange

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"time"

	"github.com/humans-contacts/humans/store"
)

// UnifiedVersion is the version of the unified export WriteUnified
// writes; ReadUnified refuses a newer one.
const UnifiedVersion = 1

// ErrNewerVersion: the unified export was written by a newer version.
var ErrNewerVersion = errors.New("interchange: the export was written by a newer version of Humans")

// UnifiedHeader is everything in the unified export (GET
// /api/export/unified) but the contacts, which are streamed:
//
//	{"version": 1, "exported_at": "...", "stats": {...},
//	 "companies": [...], "groups": [...], "custom_fields": [...],
//	 "humans": [HumanJSON, ...], "sms": [...]}
//
// WriteUnified writes the members in that order, so a reader has the
// companies, groups and field definitions before the first contact.
//
// For an exact restore into an empty store the export carries, for each
// contact, its id, uid, company_id, group_ids, created_at, updated_at and
// deleted_at (a contact in the trash), custom fields, consents, extra
// (unknown vCard/Google/Hub data) and the photo bytes and media type; for
// companies, groups and text messages, the store's own records with
// their ids and timestamps. Revisions and etags are not carried: the store assigns new
// ones. Company logos are not carried (only their hash).
type UnifiedHeader struct {
	Version      int                    `json:"version"`
	ExportedAt   time.Time              `json:"exported_at"`
	Stats        store.Stats            `json:"stats"`
	Companies    []*store.Company       `json:"companies"`
	Groups       []*store.Group         `json:"groups"`
	CustomFields []store.CustomFieldDef `json:"custom_fields"`
	SMS          []*store.SMS           `json:"sms"`
}

// PhotoFunc returns the bytes and media type of the photo with the given
// hash, as store.(*Store).Photo does (without its context).
type PhotoFunc func(hash string) ([]byte, string, error)

// WriteUnified writes the unified export: hdr's members, then humans one
// at a time (names resolved from hdr's companies and groups; photos
// embedded when photo is not nil), then hdr.SMS. A nil slice in hdr is
// written as [].
func WriteUnified(w io.Writer, hdr *UnifiedHeader, humans iter.Seq2[*store.Human, error], photo PhotoFunc) error {
	if err := writeUnified(w, hdr, humans, photo); err != nil {
		return fmt.Errorf("interchange: writing the unified export: %w", err)
	}
	return nil
}

func writeUnified(w io.Writer, hdr *UnifiedHeader, humans iter.Seq2[*store.Human, error], photo PhotoFunc) error {
	j := newJSONLines(w)
	version := hdr.Version
	if version == 0 {
		version = UnifiedVersion
	}
	if err := j.str(`{"version":`); err != nil {
		return err
	}
	steps := []func() error{
		func() error { return j.value(version) },
		func() error { return j.str(",\n\"exported_at\":") },
		func() error { return j.value(hdr.ExportedAt) },
		func() error { return j.str(",\n\"stats\":") },
		func() error { return j.value(hdr.Stats) },
		func() error { return j.str(",\n\"companies\":") },
		func() error { return j.array(len(hdr.Companies), func(i int) any { return hdr.Companies[i] }) },
		func() error { return j.str(",\n\"groups\":") },
		func() error { return j.array(len(hdr.Groups), func(i int) any { return hdr.Groups[i] }) },
		func() error { return j.str(",\n\"custom_fields\":") },
		func() error { return j.array(len(hdr.CustomFields), func(i int) any { return hdr.CustomFields[i] }) },
		func() error { return j.str(",\n\"humans\":") },
		func() error {
			names := NewBookNames(hdr.Companies, hdr.Groups)
			return j.humans(humans, func(h *store.Human) (HumanJSON, error) {
				hj := ToJSON(h, names)
				if photo != nil && h.PhotoHash != "" {
					data, typ, err := photo(h.PhotoHash)
					if err != nil {
						return hj, fmt.Errorf("photo of contact %d: %w", h.ID, err)
					}
					hj.Photo, hj.PhotoType = data, typ
				}
				return hj, nil
			})
		},
		func() error { return j.str(",\n\"sms\":") },
		func() error { return j.array(len(hdr.SMS), func(i int) any { return hdr.SMS[i] }) },
		func() error { return j.str("}\n") },
		j.bw.Flush,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// UnifiedReader reads a unified export: ReadUnified reads the members
// before "humans" into Header, Humans streams the contacts and then
// reads the members after them.
type UnifiedReader struct {
	// Header holds the members read so far: all but the contacts once
	// Humans has returned.
	Header UnifiedHeader

	s        *jsonSource
	buffered []json.RawMessage // contacts met before the header was complete
	inArray  bool              // the decoder is at the start of "humans"
	done     bool
}

// ReadUnified starts reading a unified export (bare or in the Hub's
// {"success": true, "data": {...}} envelope). It returns once it has
// read every member before "humans". In the rare file that has "humans"
// before "companies", "groups" or "custom_fields", the contacts are held
// in memory until the rest is read, so that Header is complete before the
// first contact is delivered.
func ReadUnified(r io.Reader) (*UnifiedReader, error) {
	u := &UnifiedReader{s: newJSONSource(r)}
	if err := u.open(); err != nil {
		return nil, err
	}
	if u.Header.Version > UnifiedVersion {
		return nil, fmt.Errorf("%w (version %d; this one reads up to %d)", ErrNewerVersion, u.Header.Version, UnifiedVersion)
	}
	return u, nil
}

func (u *UnifiedReader) open() error {
	dec := u.s.dec
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("%w: a unified export is a JSON object", ErrUnknownFormat)
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("interchange: reading the unified export: %w", err)
		}
		key, _ := tok.(string)
		switch key {
		case "data": // the Hub's envelope
			if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
				return fmt.Errorf("%w: \"data\" is not a unified export", ErrUnknownFormat)
			}
			continue
		case "humans":
			if seen["companies"] && seen["groups"] && seen["custom_fields"] {
				if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
					return fmt.Errorf("%w: \"humans\" is not an array", ErrUnknownFormat)
				}
				u.inArray = true
				return nil
			}
			if err := dec.Decode(&u.buffered); err != nil {
				return fmt.Errorf("interchange: reading the unified export: %w", err)
			}
			continue
		}
		seen[key] = true
		if err := u.decodeMember(key); err != nil {
			return err
		}
	}
	return u.close()
}

// decodeMember reads the value of a member other than "humans".
func (u *UnifiedReader) decodeMember(key string) error {
	var dst any
	switch key {
	case "version":
		dst = &u.Header.Version
	case "exported_at":
		dst = &u.Header.ExportedAt
	case "stats":
		dst = &u.Header.Stats
	case "companies":
		dst = &u.Header.Companies
	case "groups":
		dst = &u.Header.Groups
	case "custom_fields":
		dst = &u.Header.CustomFields
	case "sms":
		dst = &u.Header.SMS
	default:
		dst = new(json.RawMessage)
	}
	if err := u.s.dec.Decode(dst); err != nil {
		return fmt.Errorf("interchange: reading the unified export's %q: %w", key, err)
	}
	return nil
}

// close reads the closing braces (of the export and of an envelope).
func (u *UnifiedReader) close() error {
	dec := u.s.dec
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			u.done = true
			return nil
		}
		if err != nil {
			return fmt.Errorf("interchange: reading the unified export: %w", err)
		}
		if tok == json.Delim('}') {
			continue
		}
		key, _ := tok.(string)
		if err := u.decodeMember(key); err != nil {
			return err
		}
	}
}

// Humans calls fn with each contact of the export, then reads the rest of
// the export into Header. The records are restores: Human.ID, UID,
// CompanyID, GroupIDs, CreatedAt, UpdatedAt and DeletedAt are the
// export's (Company and Groups carry the names as well), and Photo the
// photo bytes (Human.PhotoType their media type). Call it once.
func (u *UnifiedReader) Humans(fn func(Record) error) error {
	for _, raw := range u.buffered {
		var j HumanJSON
		err := json.Unmarshal(raw, &j)
		u.s.pos++
		rec := Record{Err: err}
		if err == nil {
			rec = j.record(modeRestore)
		}
		rec.Position = u.s.pos
		if rec.Err != nil {
			rec.Human = nil
			rec.Err = fmt.Errorf("contact %d: %w", rec.Position, rec.Err)
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
	u.buffered = nil
	if !u.inArray {
		return nil
	}
	u.inArray = false
	if err := u.s.humans(modeRestore, fn); err != nil {
		return err
	}
	return u.close()
}

// LooksUnified reports whether head, the first bytes of a JSON document,
// begin a unified export, bare or in the Hub's envelope: an object with
// "version", "exported_at", "stats" or "companies" among the members read
// before head runs out. A list of contacts or a single contact does not.
func LooksUnified(head []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(head))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return false
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		switch tok {
		case "version", "exported_at", "stats", "companies":
			return true
		case "data":
			if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
				return false
			}
			continue
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return false
		}
	}
	return false
}
