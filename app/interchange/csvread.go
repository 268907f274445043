package interchange

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ReadCSV reads contacts from a CSV file row by row and calls fn with
// each, in file order; it stops at the first error fn returns and
// returns it.
//
// The file may be UTF-8 (with or without a byte-order mark), UTF-16 with
// a BOM (Outlook's "Unicode" CSV) or Windows-1252 (Outlook's "ANSI" CSV,
// detected line by line); comma-, semicolon- or tab-separated (from the
// header row). The dialect is detected from the header row with
// DetectDialect; a header with nothing recognisable is ErrUnknownFormat.
//
// A row that cannot be made a contact is delivered with Err set and its
// Position and Line: ErrEmptyRow, ErrBrokenQuotes, ErrRowTooLong. Rows
// shorter or longer than the header are read (missing cells are empty,
// extra cells are ignored). Blank lines are skipped without a record.
func ReadCSV(r io.Reader, fn func(Record) error) error {
	_, err := readCSV(r, fn)
	return err
}

// ReadCSVDialect is ReadCSV that also reports the dialect it detected.
func ReadCSVDialect(r io.Reader, fn func(Record) error) (Dialect, error) {
	return readCSV(r, fn)
}

func readCSV(r io.Reader, fn func(Record) error) (Dialect, error) {
	br := openText(r)
	sep := detectSeparator(br)
	g := newRowGuard(br, sep)
	cr := csv.NewReader(g)
	cr.Comma = rune(sep)
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true

	header, err := cr.Read()
	if err == io.EOF {
		return DialectUnknown, nil // an empty file holds no contacts
	}
	if err != nil {
		return DialectUnknown, fmt.Errorf("interchange: reading the CSV header: %w", err)
	}
	header = append([]string(nil), header...)
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\uFEFF")
	}
	d := DetectDialect(header)
	if d == DialectUnknown {
		return d, fmt.Errorf("%w: no name, e-mail or phone column in the CSV header", ErrUnknownFormat)
	}
	m := newRowMapper(compile(d, header))
	// The guard's broken lines before the header belong to no row.
	headerLine, _ := cr.FieldPos(0)
	g.broken = dropBefore(g.broken, headerLine)

	pos := 0
	emitBroken := func(before int) error {
		for len(g.broken) > 0 && (before < 0 || g.broken[0].line < before) {
			b := g.broken[0]
			g.broken = g.broken[1:]
			pos++
			if err := fn(Record{Position: pos, Line: b.line, Err: fmt.Errorf("line %d: %w", b.line, b.err)}); err != nil {
				return err
			}
		}
		return nil
	}
	for {
		cells, err := cr.Read()
		if err == io.EOF {
			return d, emitBroken(-1)
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return d, fmt.Errorf("interchange: reading the CSV file: %w", err)
			}
			if err := emitBroken(pe.StartLine); err != nil {
				return d, err
			}
			pos++
			if err := fn(Record{Position: pos, Line: pe.StartLine, Err: fmt.Errorf("line %d: %w", pe.StartLine, pe.Err)}); err != nil {
				return d, err
			}
			continue
		}
		line, _ := cr.FieldPos(0)
		if err := emitBroken(line); err != nil {
			return d, err
		}
		pos++
		rec := m.record(cells)
		rec.Position, rec.Line = pos, line
		if rec.Err != nil {
			rec.Err = fmt.Errorf("line %d: %w", line, rec.Err)
		}
		if err := fn(rec); err != nil {
			return d, err
		}
	}
}

func dropBefore(bs []brokenLine, line int) []brokenLine {
	for len(bs) > 0 && bs[0].line <= line {
		bs = bs[1:]
	}
	return bs
}
