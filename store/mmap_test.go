package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/humans-contacts/humans/store"
	"github.com/humans-contacts/humans/store/storetest"
)

// TestFileGrowsWithItsData checks that mapping the data file with room
// to grow (initialMmapSize) leaves the file the size of its data, and
// that a store that grew past several mapping sizes in one transaction
// reads back whole after a reopen.
func TestFileGrowsWithItsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "humans.db")
	if err := populate(ctx, path, storetest.Book(3000, 3)); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() > 64<<20 {
		t.Fatalf("3,000 contacts take a %d-byte file", fi.Size())
	}
	s, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	page, err := s.ListHumans(ctx, store.Query{PerPage: 1})
	if err != nil || page.Total != 3000 {
		t.Fatalf("%d contacts after reopening, %v", page.Total, err)
	}
	h, err := s.GetHuman(ctx, page.Humans[0].ID)
	if err != nil || h.Name() == "" {
		t.Fatalf("%+v %v", h, err)
	}
}
