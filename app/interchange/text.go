package interchange

import (
	"bufio"
	"bytes"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// peekSize is how much of a file is looked at to find its encoding and
// its CSV separator.
const peekSize = 64 << 10

// openText returns r as UTF-8 text: a UTF-8 byte-order mark is dropped,
// UTF-16 (with a BOM, as Outlook on Windows writes "Unicode" CSV, or
// without one when the zero bytes give it away) is decoded.
func openText(r io.Reader) *bufio.Reader {
	br := bufio.NewReaderSize(r, peekSize)
	head, _ := br.Peek(4)
	var dec encoding.Encoding
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		_, _ = br.Discard(3)
		return br
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		dec = unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM)
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		dec = unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM)
	case len(head) == 4 && head[0] != 0 && head[1] == 0 && head[2] != 0 && head[3] == 0:
		dec = unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)
	case len(head) == 4 && head[0] == 0 && head[1] != 0 && head[2] == 0 && head[3] != 0:
		dec = unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)
	default:
		return br
	}
	return bufio.NewReaderSize(transform.NewReader(br, dec.NewDecoder()), peekSize)
}

// detectSeparator looks at the header line: ',' unless the line has no
// comma but has semicolons (a spreadsheet in a locale whose decimal mark
// is the comma), or tabs.
func detectSeparator(br *bufio.Reader) byte {
	head, _ := br.Peek(peekSize)
	if i := bytes.IndexAny(head, "\r\n"); i >= 0 {
		head = head[:i]
	}
	var commas, semis, tabs int
	inQuote := false
	for _, c := range head {
		switch c {
		case '"':
			inQuote = !inQuote
		case ',':
			if !inQuote {
				commas++
			}
		case ';':
			if !inQuote {
				semis++
			}
		case '\t':
			if !inQuote {
				tabs++
			}
		}
	}
	switch {
	case commas > 0:
		return ','
	case semis > 0:
		return ';'
	case tabs > 0:
		return '\t'
	}
	return ','
}

// crOnly reports whether the text uses lone carriage returns as line
// ends (classic Mac OS).
func crOnly(br *bufio.Reader) bool {
	head, _ := br.Peek(peekSize)
	return bytes.IndexByte(head, '\n') < 0 && bytes.IndexByte(head, '\r') >= 0
}

// brokenLine is a physical line the guard withheld from the CSV parser.
type brokenLine struct {
	line int
	err  error
}

// rowGuard sits between the text and encoding/csv. It reads logical rows
// (a quoted cell may span lines), hands the good ones on unchanged and
// replaces a row whose quotes went wrong by an empty line, which
// encoding/csv skips while still counting it, so its line numbers stay
// right. The withheld line is remembered in broken, and reading resumes
// on the line after it. Lines that are not valid UTF-8 are decoded as
// Windows-1252, as Outlook writes "ANSI" CSV.
type rowGuard struct {
	br     *bufio.Reader
	sep    byte
	cr     bool // lone CR line ends
	line   int  // number of the last physical line read
	redo   [][]byte
	out    []byte
	off    int
	broken []brokenLine
	eof    bool
	err    error
}

func newRowGuard(br *bufio.Reader, sep byte) *rowGuard {
	return &rowGuard{br: br, sep: sep, cr: crOnly(br)}
}

func (g *rowGuard) Read(p []byte) (int, error) {
	for g.off >= len(g.out) {
		if g.err != nil {
			return 0, g.err
		}
		g.out, g.off = g.out[:0], 0
		g.nextRow()
	}
	n := copy(p, g.out[g.off:])
	g.off += n
	return n, nil
}

// readLine returns the next physical line with its line end ("\n"), a
// copy the caller may keep; tooLong is set when the line exceeded
// MaxRowBytes and its rest was skipped.
func (g *rowGuard) readLine() (line []byte, tooLong bool, err error) {
	if len(g.redo) > 0 {
		line, g.redo = g.redo[0], g.redo[1:]
		g.line++
		return line, line == nil, nil // nil stands for an over-long line
	}
	if g.eof {
		return nil, false, io.EOF
	}
	delim := byte('\n')
	if g.cr {
		delim = '\r'
	}
	var buf []byte
	for {
		chunk, err := g.br.ReadSlice(delim)
		if !tooLong {
			if len(buf)+len(chunk) > MaxRowBytes {
				tooLong, buf = true, nil
			} else {
				buf = append(buf, chunk...)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			g.eof = true
			if len(buf) == 0 && !tooLong {
				return nil, false, io.EOF
			}
			g.line++
			if tooLong {
				return nil, true, nil
			}
			return g.finishLine(buf, false), false, nil
		}
		if err != nil {
			return nil, false, err
		}
		g.line++
		if tooLong {
			return nil, true, nil
		}
		return g.finishLine(buf, true), false, nil
	}
}

func (g *rowGuard) finishLine(b []byte, ended bool) []byte {
	if ended && g.cr && len(b) > 0 {
		b[len(b)-1] = '\n'
	}
	if !ended {
		b = append(b, '\n')
	}
	if !utf8.Valid(b) {
		if d, err := charmap.Windows1252.NewDecoder().Bytes(b); err == nil {
			b = d
		}
	}
	return b
}

// nextRow reads one logical row into out, or records it as broken.
func (g *rowGuard) nextRow() {
	first, tooLong, err := g.readLine()
	if err != nil {
		g.err = err
		return
	}
	start := g.line
	if tooLong {
		g.broken = append(g.broken, brokenLine{start, ErrRowTooLong})
		g.out = append(g.out, '\n')
		return
	}
	st := quoteState{fieldStart: true}
	anomaly := st.scan(first, g.sep)
	if !st.inQuote {
		g.out = append(g.out, first...)
		return
	}
	// A quoted cell runs on: collect lines until it is closed. A stray
	// quote inside it, the end of the file, or a row grown past
	// MaxRowBytes or maxRowLines means the opening quote was a mistake.
	lines := [][]byte{first}
	size := len(first)
	for st.inQuote && !anomaly {
		next, tooLong, err := g.readLine()
		if err != nil && err != io.EOF {
			g.err = err
			return
		}
		if err == io.EOF {
			break
		}
		lines = append(lines, next) // nil for an over-long line
		size += len(next)
		if tooLong || size > MaxRowBytes || len(lines) > maxRowLines {
			anomaly = true
			break
		}
		anomaly = st.scan(next, g.sep)
	}
	if anomaly || st.inQuote {
		g.reject(start, lines)
		return
	}
	for _, l := range lines {
		g.out = append(g.out, l...)
	}
}

// maxRowLines bounds the lines one quoted cell may span.
const maxRowLines = 1000

// reject withholds the first line of a row whose quotes went wrong and
// queues the lines after it to be read again as rows of their own.
func (g *rowGuard) reject(start int, lines [][]byte) {
	g.broken = append(g.broken, brokenLine{start, ErrBrokenQuotes})
	g.out = append(g.out, '\n')
	rest := lines[1:]
	g.line -= len(rest)
	g.redo = append(append([][]byte(nil), rest...), g.redo...)
}

// quoteState follows RFC 4180 quoting across the lines of one row, with
// encoding/csv's LazyQuotes reading of a stray quote.
type quoteState struct {
	inQuote    bool
	fieldStart bool
}

// scan advances the state over one line and reports a quote inside a
// quoted cell that neither doubles nor closes it.
func (s *quoteState) scan(line []byte, sep byte) (anomaly bool) {
	for i := 0; i < len(line); i++ {
		c := line[i]
		if s.inQuote {
			if c != '"' {
				continue
			}
			if i+1 < len(line) && line[i+1] == '"' {
				i++
				continue
			}
			if i+1 == len(line) || line[i+1] == sep || line[i+1] == '\n' || line[i+1] == '\r' {
				s.inQuote = false
				s.fieldStart = false
				continue
			}
			anomaly = true
			continue
		}
		switch c {
		case sep:
			s.fieldStart = true
		case '\n':
			s.fieldStart = true
		case '"':
			if s.fieldStart {
				s.inQuote = true
			}
			s.fieldStart = false
		default:
			s.fieldStart = false
		}
	}
	return anomaly
}
