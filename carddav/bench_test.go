package carddav

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/emersion/go-vcard"
)

// BenchmarkDecode reads and decodes generated rich cards: cards/s and
// MB/s of vCard text.
func BenchmarkDecode(b *testing.B) {
	nm, humans, photos := bookNames(b, 1000, 1)
	var buf bytes.Buffer
	for i, h := range humans {
		card, err := Encode(h, nm, photos[i], "3.0")
		if err != nil {
			b.Fatal(err)
		}
		if err := WriteCard(&buf, card); err != nil {
			b.Fatal(err)
		}
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	cards := 0
	for b.Loop() {
		err := ReadCards(bytes.NewReader(data), func(_ int, c vcard.Card, err error) error {
			if err != nil {
				return err
			}
			_, err = Decode(c)
			cards++
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cards)/b.Elapsed().Seconds(), "cards/s")
}

// BenchmarkDecodeOnly decodes cards already parsed.
func BenchmarkDecodeOnly(b *testing.B) {
	nm, humans, photos := bookNames(b, 1000, 1)
	cards := make([]vcard.Card, len(humans))
	for i, h := range humans {
		c, _ := Encode(h, nm, photos[i], "3.0")
		cards[i] = wire(b, c)
	}
	b.ResetTimer()
	n := 0
	for b.Loop() {
		if _, err := Decode(cards[n%len(cards)]); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "cards/s")
}

// BenchmarkDecodeSamples decodes the cards of the sample exports in
// testdata (Apple with item groups and labels, Google, Android,
// Outlook, Thunderbird, Evolution), already read: what the real-world
// import benchmark spends most of its decoding on.
func BenchmarkDecodeSamples(b *testing.B) {
	files, err := filepath.Glob("testdata/*.vcf")
	if err != nil || len(files) == 0 {
		b.Fatal("no samples", err)
	}
	var cards []vcard.Card
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			b.Fatal(err)
		}
		err = ReadCards(bytes.NewReader(data), func(_ int, c vcard.Card, err error) error {
			if err == nil {
				cards = append(cards, c)
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if _, err := Decode(cards[n%len(cards)]); err != nil && err != ErrGroupCard {
			b.Fatal(err)
		}
		n++
	}
}

// BenchmarkEncode encodes generated humans and formats them.
func BenchmarkEncode(b *testing.B) {
	nm, humans, photos := bookNames(b, 1000, 1)
	var out []byte
	n := 0
	for b.Loop() {
		i := n % len(humans)
		card, err := Encode(humans[i], nm, photos[i], "4.0")
		if err != nil {
			b.Fatal(err)
		}
		if out, err = AppendCard(out[:0], card); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "cards/s")
}
