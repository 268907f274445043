package carddav

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/emersion/go-vcard"
)

func addSeeds(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.vcf")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("BEGIN:VCARD\nN;ENCODING=QUOTED-PRINTABLE:=\n=\n=C3\nEND:VCARD"))
	f.Add([]byte("BEGIN:VCARD\r\nTEL;TYPE=\"a,b\";PREF=1:tel:+1;ext=2\r\nADR;X-HUMANS-NUMBER=\"\":;;;\r\nEND:VCARD"))
}

// FuzzReadCards reads anything without panicking or hanging, and every
// card it yields goes through Decode, Encode and FormatCard.
func FuzzReadCards(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		err := ReadCards(bytes.NewReader(data), func(i int, c vcard.Card, err error) error {
			if err != nil {
				if _, ok := err.(*CardError); !ok {
					t.Fatalf("card error of type %T", err)
				}
				return nil
			}
			roundTrip(t, c)
			return nil
		})
		_ = err
	})
}

// FuzzDecode checks Decode and Encode on cards read from anything: no
// panic, Encode's output is readable, and a second trip is stable.
func FuzzDecode(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseCard(data)
		if err != nil {
			return
		}
		roundTrip(t, c)
	})
}

func roundTrip(t *testing.T, c vcard.Card) {
	p, err := Decode(c)
	if err != nil {
		return
	}
	for _, v := range []string{"3.0", "4.0"} {
		out, err := Encode(p.Human, nil, p.Photo, v)
		if err != nil {
			t.Fatal(err)
		}
		b, err := FormatCard(out)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseCard(b)
		if err != nil {
			t.Fatalf("Encode wrote an unreadable card: %v\n%q", err, b)
		}
		if _, err := Decode(back); err != nil {
			t.Fatal(err)
		}
		_ = ConvertTo(back, map[string]string{"3.0": "4.0", "4.0": "3.0"}[v])
	}
}

// FuzzMergeExtra joins what Decode kept of two cards read from anything:
// no panic, the result is a card's worth of readable lines, and merging
// the second card again adds nothing.
func FuzzMergeExtra(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var kept [][]byte
		_ = ReadCards(bytes.NewReader(data), func(_ int, c vcard.Card, err error) error {
			if err == nil {
				if p, err := Decode(c); err == nil {
					kept = append(kept, p.Human.Extra[ExtraKey])
				}
			}
			return nil
		})
		if len(kept) < 2 {
			return
		}
		base, in := kept[0], kept[len(kept)-1]
		merged := MergeExtra(base, in)
		if again := MergeExtra(merged, in); !bytes.Equal(again, merged) {
			t.Fatalf("merging twice added more:\n%s\nthen:\n%s", merged, again)
		}
		if _, err := parseExtra(merged); err != nil {
			t.Fatal(err)
		}
	})
}
