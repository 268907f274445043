package interchange

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"iter"

	"github.com/humans-contacts/humans/store"
)

// jsonLines writes values one per line into a JSON array or object
// member, escaping nothing HTML-specific.
type jsonLines struct {
	bw  *bufio.Writer
	buf bytes.Buffer
	enc *json.Encoder
}

func newJSONLines(w io.Writer) *jsonLines {
	j := &jsonLines{bw: bufio.NewWriterSize(w, 64<<10)}
	j.enc = json.NewEncoder(&j.buf)
	j.enc.SetEscapeHTML(false)
	return j
}

// value writes v (without the encoder's trailing newline).
func (j *jsonLines) value(v any) error {
	j.buf.Reset()
	if err := j.enc.Encode(v); err != nil {
		return err
	}
	_, err := j.bw.Write(bytes.TrimSuffix(j.buf.Bytes(), []byte("\n")))
	return err
}

func (j *jsonLines) str(s string) error {
	_, err := j.bw.WriteString(s)
	return err
}

// array writes the elements of seq as a JSON array, one per line.
func (j *jsonLines) array(n int, at func(i int) any) error {
	if err := j.str("["); err != nil {
		return err
	}
	for i := range n {
		sep := ",\n"
		if i == 0 {
			sep = "\n"
		}
		if err := j.str(sep); err != nil {
			return err
		}
		if err := j.value(at(i)); err != nil {
			return err
		}
	}
	if n > 0 {
		return j.str("\n]")
	}
	return j.str("]")
}

// humans writes a JSON array of contacts, one per line, as they come.
func (j *jsonLines) humans(humans iter.Seq2[*store.Human, error], conv func(*store.Human) (HumanJSON, error)) error {
	if err := j.str("["); err != nil {
		return err
	}
	n := 0
	for h, err := range humans {
		if err != nil {
			return err
		}
		if h == nil {
			continue
		}
		sep := ",\n"
		if n == 0 {
			sep = "\n"
		}
		n++
		hj, err := conv(h)
		if err != nil {
			return err
		}
		if err := j.str(sep); err != nil {
			return err
		}
		if err := j.value(hj); err != nil {
			return err
		}
	}
	if n > 0 {
		return j.str("\n]")
	}
	return j.str("]")
}

// WriteJSON writes humans as a JSON array of HumanJSON, one contact per
// line, streaming: only one contact is in memory at a time.
func WriteJSON(w io.Writer, humans iter.Seq2[*store.Human, error], names Names) error {
	j := newJSONLines(w)
	err := j.humans(humans, func(h *store.Human) (HumanJSON, error) { return ToJSON(h, names), nil })
	if err == nil {
		err = j.str("\n")
	}
	if err == nil {
		err = j.bw.Flush()
	}
	if err != nil {
		return fmt.Errorf("interchange: writing JSON: %w", err)
	}
	return nil
}

// lineCounter counts the lines of what is read through it, so a reader
// can tell on which line a byte offset is.
type lineCounter struct {
	r       io.Reader
	n       int64   // bytes read
	pending []int64 // offsets of newlines not yet counted
	lines   int     // newlines before the last offset asked about
}

func (c *lineCounter) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	for i, b := range p[:k] {
		if b == '\n' {
			c.pending = append(c.pending, c.n+int64(i))
		}
	}
	c.n += int64(k)
	return k, err
}

// lineAt returns the 1-based line of offset off; offsets must not go
// backwards from one call to the next.
func (c *lineCounter) lineAt(off int64) int {
	i := 0
	for i < len(c.pending) && c.pending[i] < off {
		i++
	}
	c.lines += i
	c.pending = c.pending[i:]
	if cap(c.pending) > 1024 && len(c.pending) < cap(c.pending)/4 {
		c.pending = append([]int64(nil), c.pending...)
	}
	return c.lines + 1
}

// jsonSource is a json.Decoder that knows lines.
type jsonSource struct {
	dec  *json.Decoder
	lc   *lineCounter
	base int64 // bytes dropped before the decoder (a BOM)
	pos  int   // contacts delivered so far
}

func newJSONSource(r io.Reader) *jsonSource {
	lc := &lineCounter{r: r}
	br := bufio.NewReaderSize(lc, 64<<10)
	s := &jsonSource{lc: lc}
	if b, _ := br.Peek(3); bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
		s.base = 3
	}
	s.dec = json.NewDecoder(br)
	return s
}

// nextLine is the line on which the next array element starts; call it
// after dec.More.
func (s *jsonSource) nextLine() int {
	off := s.dec.InputOffset() + s.base
	line := s.lc.lineAt(off)
	buf, _ := io.ReadAll(io.LimitReader(s.dec.Buffered(), 256))
	for _, b := range buf {
		switch b {
		case '\n':
			line++
		case ' ', '\t', '\r', ',', ':':
		default:
			return line
		}
	}
	return line
}

// readMode says which ids a reader keeps.
type readMode uint8

const (
	modeImport  readMode = iota // ids are another book's: dropped
	modeRestore                 // ids, uid and times kept for an exact restore
)

// record makes a Record of one decoded contact.
func (j *HumanJSON) record(mode readMode) Record {
	h, company, groups, err := j.ToHuman()
	if err != nil {
		return Record{Err: err}
	}
	if mode == modeImport {
		h.ID, h.CompanyID, h.GroupIDs = 0, 0, nil
	}
	h.PhotoHash = ""
	if h.FirstName == "" && h.LastName == "" && h.DisplayName == "" && h.Nickname == "" &&
		company == "" && h.CompanyID == 0 && len(h.Emails) == 0 && len(h.Phones) == 0 {
		return Record{Err: ErrEmptyRow}
	}
	return Record{Human: h, Company: company, Groups: groups, Photo: j.Photo}
}

// humans streams the elements of the array whose '[' was just read.
func (s *jsonSource) humans(mode readMode, fn func(Record) error) error {
	for s.dec.More() {
		var raw json.RawMessage
		if err := s.dec.Decode(&raw); err != nil {
			return fmt.Errorf("interchange: line %d: %w", s.lc.lineAt(s.dec.InputOffset()+s.base), err)
		}
		// The element ends at the decoder's offset: its first byte is
		// len(raw) before.
		line := s.lc.lineAt(s.dec.InputOffset() + s.base - int64(len(raw)))
		if err := s.deliver(raw, line, mode, fn); err != nil {
			return err
		}
	}
	if _, err := s.dec.Token(); err != nil { // ']'
		return fmt.Errorf("interchange: %w", err)
	}
	return nil
}

// envelopeKeys are the members of the documents ReadJSON walks through:
// the Hub's envelope and the unified export. An object with any other
// member is a contact.
var envelopeKeys = map[string]bool{
	"success": true, "data": true, "humans": true, "version": true, "exported_at": true, "companies": true,
	"groups": true, "custom_fields": true, "sms": true, "stats": true, "pagination": true, "message": true,
	"meta": true, "links": true, "error": true, "errors": true,
}

// keptMembers are envelope members that are also contact fields: kept in
// case the object turns out to be a contact.
var keptMembers = map[string]bool{"groups": true, "custom_fields": true}

// ReadJSON reads contacts from JSON and calls fn with each, in file
// order. It accepts a bare array of contacts ([{...}, ...]), a single
// contact object, the Hub's envelope ({"success": true, "data": [...]} or
// "data": {...}), and the unified export (its humans; companies, groups
// and the rest are skipped: use ReadUnified to restore them).
//
// The contacts are imports: Human.ID, CompanyID and GroupIDs (another
// book's ids) are dropped, and Record.Company and Record.Groups carry the
// names instead; uid, created_at and updated_at are kept. A contact that
// does not decode (a wrong type, a bad birthday) is a Record with Err;
// JSON that is not well formed stops the reading with an error.
func ReadJSON(r io.Reader, fn func(Record) error) error {
	return newJSONSource(r).document(modeImport, fn)
}

// document reads the next value as a contacts document.
func (s *jsonSource) document(mode readMode, fn func(Record) error) error {
	line := s.nextLine()
	tok, err := s.dec.Token()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return fmt.Errorf("interchange: reading JSON: %w", err)
	}
	switch tok {
	case json.Delim('['):
		return s.humans(mode, fn)
	case json.Delim('{'):
		return s.members(mode, line, fn)
	}
	return fmt.Errorf("%w: JSON starts with %v, not an array or an object", ErrUnknownFormat, tok)
}

// members walks an object whose '{' (on line) was just read: an envelope
// whose "data" or "humans" hold contacts, or a contact itself.
func (s *jsonSource) members(mode readMode, line int, fn func(Record) error) error {
	var obj bytes.Buffer
	contact, lists := false, false
	obj.WriteByte('{')
	for s.dec.More() {
		tok, err := s.dec.Token()
		if err != nil {
			return fmt.Errorf("interchange: reading JSON: %w", err)
		}
		key, _ := tok.(string)
		if key == "data" || key == "humans" {
			lists = true
			if err := s.member(mode, fn); err != nil {
				return err
			}
			continue
		}
		var v json.RawMessage
		if err := s.dec.Decode(&v); err != nil {
			return fmt.Errorf("interchange: reading JSON: %w", err)
		}
		if !envelopeKeys[key] {
			contact = true
		} else if !keptMembers[key] {
			continue
		}
		if obj.Len() > 1 {
			obj.WriteByte(',')
		}
		k, _ := json.Marshal(key)
		obj.Write(k)
		obj.WriteByte(':')
		obj.Write(v)
	}
	if _, err := s.dec.Token(); err != nil { // '}'
		return fmt.Errorf("interchange: reading JSON: %w", err)
	}
	if !contact || lists {
		return nil
	}
	obj.WriteByte('}')
	return s.deliver(obj.Bytes(), line, mode, fn)
}

// deliver decodes one contact element that starts at line and hands fn
// its record, counting positions; a contact that does not decode is a
// record with Err.
func (s *jsonSource) deliver(raw []byte, line int, mode readMode, fn func(Record) error) error {
	var j HumanJSON
	err := json.Unmarshal(raw, &j)
	s.pos++
	rec := Record{Err: err}
	if err == nil {
		rec = j.record(mode)
	}
	rec.Position, rec.Line = s.pos, line
	if rec.Err != nil {
		rec.Human = nil
		rec.Err = fmt.Errorf("line %d: %w", line, rec.Err)
	}
	return fn(rec)
}

// member reads the value of "data" or "humans": an array of contacts, a
// contact, or an object holding them.
func (s *jsonSource) member(mode readMode, fn func(Record) error) error {
	s.dec.More() // reads past the ':'
	line := s.nextLine()
	tok, err := s.dec.Token()
	if err != nil {
		return fmt.Errorf("interchange: reading JSON: %w", err)
	}
	switch tok {
	case json.Delim('['):
		return s.humans(mode, fn)
	case json.Delim('{'):
		return s.members(mode, line, fn)
	}
	return nil // null, or a scalar: no contacts
}
