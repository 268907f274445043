package interchange

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func addTestdata(f *testing.F, pattern string) {
	files, _ := filepath.Glob(filepath.Join("testdata", pattern))
	more, _ := filepath.Glob(filepath.Join("testdata", "golden", pattern))
	for _, name := range append(files, more...) {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
}

// FuzzReadCSV: any input is read without a panic or a hang, every record
// has a position, and a record has either a contact or an error.
func FuzzReadCSV(f *testing.F) {
	addTestdata(f, "*.csv")
	f.Add([]byte("Name,Email\n\"a,b\n\"c\"d,e\n"))
	f.Add([]byte("\xff\xfeN\x00a\x00m\x00e\x00\n\x00"))
	f.Add([]byte("E-mail 1 - Value,Phone 99999999999999999999 - Label\n x ::: y,*\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		done := make(chan bool)
		defer close(done)
		go func() {
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				panic(fmt.Sprintf("hang on %q", data))
			}
		}()
		pos := 0
		_ = ReadCSV(bytes.NewReader(data), func(r Record) error {
			pos++
			if r.Position != pos {
				t.Fatalf("position %d, want %d", r.Position, pos)
			}
			if (r.Err == nil) == (r.Human == nil) {
				t.Fatalf("record with both or neither of Human and Err: %+v", r)
			}
			return nil
		})
	})
}

// FuzzReadJSON: any input is read without a panic or a hang.
func FuzzReadJSON(f *testing.F) {
	addTestdata(f, "*.json")
	f.Add([]byte(`{"success":true,"data":[{"first_name":"A","phone_numbers":["1"],"groups":[1,"x",{"id":"2"}]}]}`))
	f.Add([]byte(`[{"emails":[{"address":"a@b"}],"birthday":"--02-30"},null,{"data":{"humans":[]}}]`))
	f.Add([]byte(`{"humans":[{"id":"1e3","is_favorite":"yes","created_at":"2024-01-01"}],"companies":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		done := make(chan bool)
		defer close(done)
		go func() {
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				panic(fmt.Sprintf("hang on %q", data))
			}
		}()
		_ = ReadJSON(bytes.NewReader(data), func(r Record) error {
			if (r.Err == nil) == (r.Human == nil) {
				t.Fatalf("record with both or neither of Human and Err: %+v", r)
			}
			return nil
		})
		if u, err := ReadUnified(bytes.NewReader(data)); err == nil {
			_ = u.Humans(func(Record) error { return nil })
		}
	})
}
