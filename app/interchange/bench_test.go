package interchange

import (
	"bytes"
	"io"
	"testing"
)

const benchContacts = 10_000

var benchBook *testBook

func book(b *testing.B) *testBook {
	b.Helper()
	if benchBook == nil {
		benchBook = newTestBook(benchContacts, 42)
	}
	return benchBook
}

// countingWriter counts bytes written, so write benchmarks measure the
// writer, not a growing buffer.
type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

func BenchmarkWriteCSV(b *testing.B) {
	bk := book(b)
	var cw countingWriter
	if err := WriteCSV(&cw, Humans(bk.Humans), bk.names); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(cw.n)
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteCSV(io.Discard, Humans(bk.Humans), bk.names); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(benchContacts)*float64(b.N)/b.Elapsed().Seconds(), "contacts/s")
}

func BenchmarkWriteGoogleCSV(b *testing.B) {
	bk := book(b)
	var cw countingWriter
	if err := WriteGoogleCSV(&cw, Humans(bk.Humans), bk.names); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(cw.n)
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteGoogleCSV(io.Discard, Humans(bk.Humans), bk.names); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(benchContacts)*float64(b.N)/b.Elapsed().Seconds(), "contacts/s")
}

func BenchmarkWriteJSON(b *testing.B) {
	bk := book(b)
	var cw countingWriter
	if err := WriteJSON(&cw, Humans(bk.Humans), bk.names); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(cw.n)
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteJSON(io.Discard, Humans(bk.Humans), bk.names); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(benchContacts)*float64(b.N)/b.Elapsed().Seconds(), "contacts/s")
}

func benchRead(b *testing.B, data []byte, read func(io.Reader, func(Record) error) error) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		if err := read(bytes.NewReader(data), func(r Record) error {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
			n++
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		if n != benchContacts {
			b.Fatalf("%d records", n)
		}
	}
	b.ReportMetric(float64(benchContacts)*float64(b.N)/b.Elapsed().Seconds(), "contacts/s")
}

func BenchmarkReadCSV(b *testing.B) {
	bk := book(b)
	var buf bytes.Buffer
	if err := WriteCSV(&buf, Humans(bk.Humans), bk.names); err != nil {
		b.Fatal(err)
	}
	benchRead(b, buf.Bytes(), ReadCSV)
}

func BenchmarkReadGoogleCSV(b *testing.B) {
	bk := book(b)
	var buf bytes.Buffer
	if err := WriteGoogleCSV(&buf, Humans(bk.Humans), bk.names); err != nil {
		b.Fatal(err)
	}
	benchRead(b, buf.Bytes(), ReadCSV)
}

func BenchmarkReadJSON(b *testing.B) {
	bk := book(b)
	var buf bytes.Buffer
	if err := WriteJSON(&buf, Humans(bk.Humans), bk.names); err != nil {
		b.Fatal(err)
	}
	benchRead(b, buf.Bytes(), ReadJSON)
}
