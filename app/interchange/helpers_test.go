package interchange

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/humans-contacts/humans/store"
	"github.com/humans-contacts/humans/store/storetest"
)

// testBook is a generated book with the ids, uids and timestamps a store
// would give it, and some of the fields the generator leaves out (custom
// fields, consents, extra, photos, a trashed contact).
type testBook struct {
	*storetest.GeneratedBook
	names  *BookNames
	photos map[string][]byte
}

var epoch = time.Date(2024, 3, 1, 9, 30, 0, 0, time.UTC)

func newTestBook(n int, seed int64) *testBook {
	b := &testBook{GeneratedBook: storetest.Book(n, seed), photos: map[string][]byte{}}
	for i, c := range b.Companies {
		c.ID = int64(i + 1)
		c.CreatedAt, c.UpdatedAt = epoch, epoch
	}
	for i, g := range b.Groups {
		g.ID = int64(i + 1)
		g.CreatedAt, g.UpdatedAt = epoch, epoch
	}
	for i, h := range b.Humans {
		h.ID = int64(i + 1)
		h.UID = fmt.Sprintf("6f1c2a3e-0000-4000-8000-%012d", i+1)
		h.CreatedAt = epoch.Add(time.Duration(i) * time.Minute)
		h.UpdatedAt = h.CreatedAt.Add(36 * time.Hour)
		switch i % 7 {
		case 1:
			h.CustomFields = map[string]string{"Budget": "1200.50", "Segment": "B2B, retail"}
		case 2:
			h.Consents = []store.Consent{{Channel: "sms", GrantedAt: epoch, Source: "form"}}
		case 3:
			h.Extra = map[string][]byte{"vcard": []byte("X-ANIMAL:cat\r\n")}
		case 4:
			hash := fmt.Sprintf("%064x", i)
			h.PhotoHash, h.PhotoType = hash, "image/jpeg"
			b.photos[hash] = []byte{0xFF, 0xD8, 0xFF, byte(i), byte(i >> 8)}
		case 5:
			h.PhotoURL = "https://example.org/photos/" + h.UID + ".jpg"
		}
		if i == 10 {
			t := epoch.Add(48 * time.Hour)
			h.DeletedAt = &t
		}
	}
	b.names = NewBookNames(b.Companies, b.Groups)
	return b
}

func (b *testBook) photo(hash string) ([]byte, string, error) {
	if p, ok := b.photos[hash]; ok {
		return p, "image/jpeg", nil
	}
	return nil, "", fmt.Errorf("no photo %s", hash)
}

// jsonText shows a value for a failure message.
func jsonText(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

func assertEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\ngot  %s\nwant %s", what, jsonText(got), jsonText(want))
	}
}

// readAll collects the records of a reader.
func readAll(t *testing.T, read func(func(Record) error) error) []Record {
	t.Helper()
	var recs []Record
	if err := read(func(r Record) error { recs = append(recs, r); return nil }); err != nil {
		t.Fatalf("read: %v", err)
	}
	return recs
}

func openTestdata(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
