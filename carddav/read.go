package carddav

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/emersion/go-vcard"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Limits that keep a hostile or broken file from exhausting memory. A
// photo of store.MaxPhotoSize (10 MB) is about 13.4 MB of base64.
const (
	maxLineBytes = 20 << 20
	maxCardBytes = 40 << 20
)

// CardError says why a card of a file could not be read. Index counts the
// cards of the file from 0 (text outside any BEGIN:VCARD/END:VCARD that
// looks like a card counts as one); Line is the 1-based line of the
// problem.
type CardError struct {
	Index  int
	Line   int
	Reason string
}

func (e *CardError) Error() string {
	return fmt.Sprintf("card %d, line %d: %s", e.Index+1, e.Line, e.Reason)
}

// ErrNoCards is returned by ReadCards for input that has text but not a
// single BEGIN:VCARD.
var ErrNoCards = errors.New("carddav: no vCard in the input (no BEGIN:VCARD line)")

// ReadCards reads the vCards of r one by one and calls fn for each, in
// order: with the card and a nil error, or with a nil card and a
// *CardError when the card could not be read. A broken card does not stop
// the stream: reading goes on with the next BEGIN:VCARD. If fn returns an
// error, ReadCards stops and returns it; otherwise ReadCards returns the
// reader's error, ErrNoCards, or nil.
//
// It reads what real exports contain: vCard 2.1, 3.0 and 4.0; a UTF-8 or
// UTF-16 byte-order mark; CRLF, LF or mixed line ends; folded lines;
// quoted-printable values with soft line breaks (old Android and Nokia
// phones, Outlook) and CHARSET parameters (ISO-8859-1, windows-1252,
// Shift_JIS, ... converted to UTF-8); lines that are not UTF-8 and name no
// charset, read as windows-1252; 2.1 bare parameters (TEL;CELL:); lower
// case names; empty values; several cards in one file; and a line that
// does not start a property (a note written with raw line breaks), read as
// the continuation of the previous value. Values follow go-vcard's
// convention (see the package comment).
//
// It never panics; lines and cards above a size limit (20 and 40 MB) make
// that card fail.
func ReadCards(r io.Reader, fn func(index int, card vcard.Card, err error) error) error {
	rd := &cardReader{fn: fn}
	return rd.run(r)
}

// ParseCard reads the single card in b, as ReadCards reads it (for a PUT
// body). Text after the first card is ignored.
func ParseCard(b []byte) (vcard.Card, error) {
	var out vcard.Card
	errStop := errors.New("stop")
	var cardErr error
	err := ReadCards(bytes.NewReader(b), func(_ int, c vcard.Card, err error) error {
		out, cardErr = c, err
		return errStop
	})
	if err != nil && err != errStop {
		return nil, err
	}
	if cardErr != nil {
		return nil, cardErr
	}
	if out == nil {
		return nil, ErrNoCards
	}
	return out, nil
}

type cardReader struct {
	fn func(int, vcard.Card, error) error

	lineNo int // physical line number of the last line read

	// The logical line being assembled (when hasCur); its buffer is
	// reused from line to line.
	cur     []byte
	hasCur  bool
	curLine int
	curQP   bool
	curB64  bool
	curOver bool // the logical line exceeded maxLineBytes

	// The card being read.
	inCard    bool
	card      vcard.Card
	slab      cardSlab
	cardErr   *CardError
	cardBytes int
	index     int // index of the next card
	sawCard   bool

	// Text outside any card.
	orphanLine int // first property line outside a card, 0 if none
	sawText    bool
}

func (rd *cardReader) run(r io.Reader) error {
	br := bufio.NewReaderSize(r, 64<<10)
	if head, _ := br.Peek(2); len(head) == 2 && (head[0] == 0xFF && head[1] == 0xFE || head[0] == 0xFE && head[1] == 0xFF) {
		dec := unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder()
		br = bufio.NewReaderSize(transform.NewReader(br, dec), 64<<10)
	}
	var buf []byte
	for {
		line, over, err := readPhysical(br, &buf)
		if len(line) > 0 || err == nil {
			rd.lineNo++
			if rd.lineNo == 1 {
				line = bytes.TrimPrefix(line, []byte("\xEF\xBB\xBF"))
			}
			if ferr := rd.physical(line, over); ferr != nil {
				return ferr
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	if ferr := rd.flush(); ferr != nil {
		return ferr
	}
	if rd.inCard {
		rd.fail(rd.lineNo, "the file ends before END:VCARD")
		if ferr := rd.deliver(); ferr != nil {
			return ferr
		}
	}
	if !rd.sawCard && rd.sawText {
		return ErrNoCards
	}
	return nil
}

// readPhysical reads one line without its line end. over reports a line
// longer than maxLineBytes, of which only the start is returned.
func readPhysical(br *bufio.Reader, buf *[]byte) (line []byte, over bool, err error) {
	b := (*buf)[:0]
	for {
		chunk, e := br.ReadSlice('\n')
		if len(b)+len(chunk) <= maxLineBytes {
			b = append(b, chunk...)
		} else {
			over = true
		}
		if e == bufio.ErrBufferFull {
			continue
		}
		err = e
		break
	}
	*buf = b
	b = bytes.TrimRight(b, "\r\n")
	return b, over, err
}

// physical handles one physical line.
func (rd *cardReader) physical(p []byte, over bool) error {
	if len(p) > 0 && (p[0] == ' ' || p[0] == '\t') && rd.hasCur {
		if bytes.TrimSpace(p) == nil && rd.curB64 {
			return nil
		}
		rd.appendCur(p[1:], over)
		return nil
	}
	if rd.curQP && len(rd.cur) > 0 && rd.cur[len(rd.cur)-1] == '=' {
		rd.cur = rd.cur[:len(rd.cur)-1]
		rd.appendCur(p, over)
		return nil
	}
	if len(bytes.TrimSpace(p)) == 0 {
		return rd.flush()
	}
	if rd.hasCur && rd.inCard && !startsProperty(p) {
		// Not a property: a value written with a raw line break (or the
		// base64 lines of a 2.1 photo).
		if rd.curB64 {
			rd.appendCur(bytes.TrimSpace(p), over)
		} else {
			rd.appendCur([]byte(`\n`), false)
			rd.appendCur(p, over)
		}
		return nil
	}
	if err := rd.flush(); err != nil {
		return err
	}
	rd.cur = append(rd.cur[:0], p...)
	rd.hasCur = true
	rd.curLine = rd.lineNo
	rd.curOver = over
	head := rd.cur
	if i := bytes.IndexByte(head, ':'); i >= 0 {
		head = head[:i]
	}
	if up := upperHead(head); up != nil {
		rd.curQP = bytes.Contains(up, []byte("QUOTED-PRINTABLE"))
		rd.curB64 = bytes.Contains(up, []byte("ENCODING=B")) || bytes.Contains(up, []byte(";BASE64"))
	} else {
		rd.curQP = containsUpperASCII(head, "QUOTED-PRINTABLE")
		rd.curB64 = containsUpperASCII(head, "ENCODING=B") || containsUpperASCII(head, ";BASE64")
	}
	return nil
}

// upperHead returns bytes.ToUpper(head) when head has non-ASCII bytes
// (whose upper case can be ASCII: "ſ" is "S"), nil when it is ASCII and
// can be searched without a copy (containsUpperASCII).
func upperHead(head []byte) []byte {
	for _, c := range head {
		if c >= utf8.RuneSelf {
			return bytes.ToUpper(head)
		}
	}
	return nil
}

// containsUpperASCII reports whether the upper case of the ASCII text b
// contains sub (upper case ASCII).
func containsUpperASCII(b []byte, sub string) bool {
	for i := 0; i+len(sub) <= len(b); i++ {
		j := 0
		for j < len(sub) {
			c := b[i+j]
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			if c != sub[j] {
				break
			}
			j++
		}
		if j == len(sub) {
			return true
		}
	}
	return false
}

func (rd *cardReader) appendCur(p []byte, over bool) {
	if over || len(rd.cur)+len(p) > maxLineBytes {
		rd.curOver = true
		return
	}
	rd.cur = append(rd.cur, p...)
}

// startsProperty reports whether p looks like the start of a content line:
// [group.]name followed by ';' or ':'.
func startsProperty(p []byte) bool {
	i := 0
	for i < len(p) && isNameChar(p[i]) {
		i++
	}
	if i > 0 && i < len(p) && p[i] == '.' {
		i++
		j := i
		for i < len(p) && isNameChar(p[i]) {
			i++
		}
		if i == j {
			return false
		}
	}
	for i < len(p) && (p[i] == ' ' || p[i] == '\t') {
		i++
	}
	return i > 0 && i < len(p) && (p[i] == ':' || p[i] == ';')
}

// flush processes the logical line assembled so far.
func (rd *cardReader) flush() error {
	if !rd.hasCur {
		return nil
	}
	l, lineNo, over := string(rd.cur), rd.curLine, rd.curOver
	rd.cur, rd.hasCur, rd.curQP, rd.curB64, rd.curOver = rd.cur[:0], false, false, false, false
	if cap(rd.cur) > 64<<10 {
		rd.cur = nil // a photo's line: not kept for the next ones
	}
	return rd.logical(l, lineNo, over)
}

func (rd *cardReader) logical(l string, lineNo int, over bool) error {
	rl, perr := parseLineIn(l, &rd.slab)
	if perr == nil && (rl.name == "BEGIN" || rl.name == "END") && rl.group == "" {
		isCard := strings.EqualFold(strings.TrimSpace(rl.value), "VCARD")
		switch {
		case rl.name == "BEGIN" && isCard:
			if rd.inCard {
				rd.fail(lineNo, "BEGIN:VCARD before the END:VCARD of the previous card")
				if err := rd.deliver(); err != nil {
					return err
				}
			}
			rd.orphanLine = 0
			rd.inCard, rd.sawCard = true, true
			rd.card = cardMaps.Get().(vcard.Card)
			rd.slab = cardSlab{} // the last card keeps its own
			rd.cardErr, rd.cardBytes = nil, 0
			return nil
		case rl.name == "END" && isCard:
			if rd.inCard {
				return rd.deliver()
			}
			rd.orphan(lineNo, true)
			return rd.endOrphan(lineNo)
		}
	}
	if !rd.inCard {
		rd.orphan(lineNo, perr == nil)
		return nil
	}
	if rd.cardErr != nil {
		return nil
	}
	rd.cardBytes += len(l)
	switch {
	case over:
		rd.fail(lineNo, fmt.Sprintf("line longer than %d MB", maxLineBytes>>20))
		return nil
	case rd.cardBytes > maxCardBytes:
		rd.fail(lineNo, fmt.Sprintf("card larger than %d MB", maxCardBytes>>20))
		return nil
	case perr != nil:
		rd.fail(lineNo, fmt.Sprintf("%v: %q", perr, clip(l, 60)))
		return nil
	}
	name, f := decodeRaw(rl)
	p := rd.slab.field()
	*p = f
	fs, ok := rd.card[name]
	if !ok {
		fs = rd.slab.fields1()
	}
	rd.card[name] = append(fs, p)
	return nil
}

// cardSlab hands out the fields of one card, the slices of its map and
// of its parameters' values from a few larger allocations instead of one
// each. Each card has its own: a card given to the caller keeps its
// slab, which the next card never touches. A slice it hands out has room
// for one element; appending a second moves it out of the slab.
type cardSlab struct {
	fields []vcard.Field
	ptrs   []*vcard.Field
	strs   []string
}

// The slabs' sizes: a card exported by a phone or by this app has about
// 15 lines, a few of them with parameters.
const (
	slabFields  = 16
	slabStrings = 8
)

// field returns the next field of the slab.
func (s *cardSlab) field() *vcard.Field {
	if len(s.fields) == cap(s.fields) {
		s.fields = make([]vcard.Field, 0, slabFields)
	}
	s.fields = s.fields[:len(s.fields)+1]
	return &s.fields[len(s.fields)-1]
}

// fields1 returns an empty slice of fields with room for one.
func (s *cardSlab) fields1() []*vcard.Field {
	if len(s.ptrs) == cap(s.ptrs) {
		s.ptrs = make([]*vcard.Field, 0, slabFields)
	}
	s.ptrs = s.ptrs[:len(s.ptrs)+1]
	return s.ptrs[len(s.ptrs)-1 : len(s.ptrs)-1 : len(s.ptrs)]
}

// strings returns an empty slice of strings with room for one.
func (s *cardSlab) strings() []string {
	if len(s.strs) == cap(s.strs) {
		s.strs = make([]string, 0, slabStrings)
	}
	s.strs = s.strs[:len(s.strs)+1]
	return s.strs[len(s.strs)-1 : len(s.strs)-1 : len(s.strs)]
}

// decodeRaw turns a parsed line into a go-vcard field: quoted-printable
// and charsets decoded (their parameters dropped), the value unescaped.
func decodeRaw(rl rawLine) (string, vcard.Field) {
	value := rl.value
	params := rl.params
	qp := false
	if enc := params[paramEncoding]; len(enc) > 0 {
		for i, e := range enc {
			if strings.EqualFold(e, "QUOTED-PRINTABLE") {
				qp = true
				enc = append(enc[:i:i], enc[i+1:]...)
				break
			}
		}
		if len(enc) == 0 {
			delete(params, paramEncoding)
		} else {
			params[paramEncoding] = enc
		}
	}
	if qp {
		value = decodeQP(value)
	}
	charset := ""
	if cs := params["CHARSET"]; len(cs) > 0 {
		charset = cs[0]
		delete(params, "CHARSET")
	}
	value = toUTF8(value, charset)
	if qp && strings.IndexByte(value, '\r') >= 0 {
		// =0D=0A is a line break: the model's line breaks are \n.
		value = strings.ReplaceAll(strings.ReplaceAll(value, "\r\n", "\n"), "\r", "\n")
	}
	for _, vs := range params {
		for i, v := range vs {
			if !utf8.ValidString(v) {
				vs[i] = toUTF8(v, "")
			}
		}
	}
	if len(params) == 0 {
		params = nil
	}
	return rl.name, vcard.Field{Value: unescapeValue(value), Params: params, Group: rl.group}
}

const paramEncoding = "ENCODING"

// decodeQP decodes quoted-printable text; a malformed escape is kept as
// written.
func decodeQP(s string) string {
	if strings.IndexByte(s, '=') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '=' && i+2 < len(s) {
			if h, ok := unhex(s[i+1]); ok {
				if l, ok := unhex(s[i+2]); ok {
					b = append(b, h<<4|l)
					i += 2
					continue
				}
			}
		}
		if c == '=' && i == len(s)-1 {
			continue // a soft break left at the very end
		}
		b = append(b, c)
	}
	return string(b)
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// toUTF8 converts s from charset (a label such as ISO-8859-1; empty for
// none) to UTF-8. Text that is still not UTF-8 is read as windows-1252,
// the usual charset of old exports that name none.
func toUTF8(s, charset string) string {
	if charset != "" && !strings.EqualFold(charset, "UTF-8") && !strings.EqualFold(charset, "UTF8") {
		if enc, err := htmlindex.Get(charset); err == nil {
			if out, err := enc.NewDecoder().String(s); err == nil {
				s = out
			}
		}
	}
	if utf8.ValidString(s) {
		return s
	}
	out, err := charmap.Windows1252.NewDecoder().String(s)
	if err != nil || !utf8.ValidString(out) {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return out
}

func (rd *cardReader) fail(line int, reason string) {
	if rd.cardErr == nil {
		rd.cardErr = &CardError{Index: rd.index, Line: line, Reason: reason}
	}
}

func (rd *cardReader) deliver() error {
	idx := rd.index
	rd.index++
	card, cerr := rd.card, rd.cardErr
	rd.inCard, rd.card, rd.cardErr = false, nil, nil
	if cerr != nil {
		ReleaseCard(card)
		return rd.fn(idx, nil, cerr)
	}
	return rd.fn(idx, card, nil)
}

// cardMaps keeps the maps of the cards given back with ReleaseCard, for
// the cards read after them.
var cardMaps = sync.Pool{New: func() any { return make(vcard.Card, 16) }}

// ReleaseCard gives the map of a card ReadCards read back to it once the
// caller is done with the card: a later card is read into it, so the card
// must not be used afterwards (its fields, and what Decode made of it,
// stay the caller's). An import that decodes each card and drops it
// spares an allocation a card.
func ReleaseCard(card vcard.Card) {
	if card == nil || len(card) > 64 {
		return
	}
	clear(card)
	cardMaps.Put(card)
}

func (rd *cardReader) orphan(line int, prop bool) {
	rd.sawText = true
	if rd.orphanLine == 0 && prop {
		rd.orphanLine = line
	}
}

// endOrphan is called at an END:VCARD outside any card: the properties
// before it are a card that lost its BEGIN:VCARD, reported as broken.
func (rd *cardReader) endOrphan(endLine int) error {
	line := rd.orphanLine
	rd.orphanLine = 0
	reason := "properties before END:VCARD without BEGIN:VCARD"
	if line == 0 || line == endLine {
		line, reason = endLine, "END:VCARD without BEGIN:VCARD"
	}
	idx := rd.index
	rd.index++
	rd.sawCard = true
	return rd.fn(idx, nil, &CardError{Index: idx, Line: line, Reason: reason})
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
