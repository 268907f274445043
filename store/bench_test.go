package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/humans-contacts/humans/store"
	"github.com/humans-contacts/humans/store/storetest"
)

// The benchmarks run over a book of benchBookSize generated contacts,
// written once per `go test` run into a temporary directory.
const benchBookSize = 100_000

var (
	benchOnce sync.Once
	benchDir  string
	benchErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// populate writes a generated book into a fresh store at path.
func populate(ctx context.Context, path string, book *storetest.GeneratedBook) error {
	s, err := store.Open(path, store.Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	for _, c := range book.Companies {
		if _, err := s.CreateCompany(ctx, c); err != nil {
			return fmt.Errorf("company %q: %w", c.Name, err)
		}
	}
	for _, g := range book.Groups {
		if _, err := s.CreateGroup(ctx, g); err != nil {
			return fmt.Errorf("group %q: %w", g.Name, err)
		}
	}
	_, err = s.CreateHumans(ctx, book.Humans)
	return err
}

// benchStorePath returns the path of the shared 100,000-contact store.
func benchStorePath(b *testing.B) string {
	benchOnce.Do(func() {
		benchDir, benchErr = os.MkdirTemp("", "humans-bench-")
		if benchErr != nil {
			return
		}
		benchErr = populate(context.Background(), filepath.Join(benchDir, "humans.db"), storetest.Book(benchBookSize, 1))
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return filepath.Join(benchDir, "humans.db")
}

func openBench(b *testing.B) *store.Store {
	s, err := store.Open(benchStorePath(b), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkBulkInsert measures CreateHumans of 100,000 generated contacts
// into an empty store, with fsync on.
func BenchmarkBulkInsert(b *testing.B) {
	ctx := context.Background()
	book := storetest.Book(benchBookSize, 2)
	for b.Loop() {
		b.StopTimer()
		s := openWithEntities(b, book)
		b.StartTimer()
		if _, err := s.CreateHumans(ctx, book.Humans); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(benchBookSize*b.N)/b.Elapsed().Seconds(), "contacts/s")
}

// openWithEntities opens an empty store with book's companies and
// groups, ready for its contacts.
func openWithEntities(b *testing.B, book *storetest.GeneratedBook) *store.Store {
	ctx := context.Background()
	s, err := store.Open(filepath.Join(b.TempDir(), "humans.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range book.Companies {
		if _, err := s.CreateCompany(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	for _, g := range book.Groups {
		if _, err := s.CreateGroup(ctx, g); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// BenchmarkTxCreateHumans measures what an import's flushes do: 100,000
// generated contacts written with Tx.CreateHumans in transactions of
// 10,000, with fsync on, their phone numbers parsed beforehand as the
// import's matching does.
func BenchmarkTxCreateHumans(b *testing.B) {
	ctx := context.Background()
	book := storetest.Book(benchBookSize, 2)
	for b.Loop() {
		b.StopTimer()
		s := openWithEntities(b, book)
		for start := 0; start < len(book.Humans); start += 10_000 {
			chunk := book.Humans[start:min(start+10_000, len(book.Humans))]
			// An import's workers have parsed the phone numbers while
			// matching the records: the store finds them parsed.
			b.StopTimer()
			for _, h := range chunk {
				s.MatchKeysOf(h)
			}
			b.StartTimer()
			err := s.Write(ctx, func(tx *store.Tx) error {
				_, err := tx.CreateHumans(chunk)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(benchBookSize*b.N)/b.Elapsed().Seconds(), "contacts/s")
}

// BenchmarkOpen measures opening the 100,000-contact store: migrations
// checked, index records read, sort orders and search postings built.
// "clean" follows a clean Close, which saved the sort orders; "after-crash"
// finds no saved orders and sorts the book. Open returns before the search
// postings are built (searches scan until then); "until-searchable" waits
// for them too.
func BenchmarkOpen(b *testing.B) {
	path := benchStorePath(b)
	b.Run("clean", func(b *testing.B) {
		for b.Loop() {
			s, err := store.Open(path, store.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			s.Close()
			b.StartTimer()
		}
	})
	b.Run("clean-until-searchable", func(b *testing.B) {
		for b.Loop() {
			s, err := store.Open(path, store.Options{})
			if err != nil {
				b.Fatal(err)
			}
			<-s.SearchReady()
			b.StopTimer()
			s.Close()
			b.StartTimer()
		}
	})
	b.Run("after-crash", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			if err := dropSavedOrders(path); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			s, err := store.Open(path, store.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			s.Close()
			b.StartTimer()
		}
	})
}

// dropSavedOrders removes what a clean Close saves, as a crash would
// leave the file.
func dropSavedOrders(path string) error {
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte("ordercache")) == nil {
			return nil
		}
		return tx.DeleteBucket([]byte("ordercache"))
	})
}

// BenchmarkHeapInUse reports the heap the open 100,000-contact store
// holds once its search index is built (live heap after a GC, before and
// after opening).
func BenchmarkHeapInUse(b *testing.B) {
	path := benchStorePath(b)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s, err := store.Open(path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	<-s.SearchReady()
	for b.Loop() {
		s.Summary(1)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/(1<<20), "heap-MB")
}

// BenchmarkListPage measures a page of 50 by every sort key, at the start
// and in the middle of the book, and with a filter.
func BenchmarkListPage(b *testing.B) {
	s := openBench(b)
	ctx := context.Background()
	fav := true
	for _, key := range store.SortKeys {
		for _, page := range []int{1, 1000} {
			b.Run(fmt.Sprintf("%s/page%d", key, page), func(b *testing.B) {
				for b.Loop() {
					p, err := s.ListHumans(ctx, store.Query{Sort: key, PerPage: 50, Page: page})
					if err != nil || len(p.Humans) != 50 {
						b.Fatalf("%v, %d contacts", err, len(p.Humans))
					}
				}
			})
		}
	}
	b.Run("display_name/favorites", func(b *testing.B) {
		for b.Loop() {
			p, err := s.ListHumans(ctx, store.Query{Sort: store.SortDisplayName, PerPage: 50, IsFavorite: &fav})
			if err != nil || len(p.Humans) != 50 {
				b.Fatalf("%v, %d contacts", err, len(p.Humans))
			}
		}
	})
	b.Run("display_name/group", func(b *testing.B) {
		for b.Loop() {
			p, err := s.ListHumans(ctx, store.Query{Sort: store.SortDisplayName, PerPage: 50, GroupID: 1})
			if err != nil || len(p.Humans) == 0 {
				b.Fatalf("%v, %d contacts", err, len(p.Humans))
			}
		}
	})
}

// BenchmarkSearch measures Search (limit 50, full contacts returned) for
// name prefixes, accented and accent-free names, e-mail pieces and phone
// digits.
func BenchmarkSearch(b *testing.B) {
	s := openBench(b)
	ctx := context.Background()
	for _, q := range []string{"ma", "martin", "zoe", "nunez", "muller dupont", "gmail", "0612", "+49 151"} {
		b.Run(q, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Search(ctx, q, 50); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkQueryIDs measures what the window asks for on every refresh:
// every id of the book in display-name order.
func BenchmarkQueryIDs(b *testing.B) {
	s := openBench(b)
	ctx := context.Background()
	for b.Loop() {
		ids, err := s.QueryIDs(ctx, store.Query{Sort: store.SortDisplayName})
		if err != nil || len(ids) != benchBookSize {
			b.Fatalf("%v, %d ids", err, len(ids))
		}
	}
}

// openFreshBook opens a store of its own holding a generated book, for
// benchmarks that write (the shared book must stay as generated).
func openFreshBook(b *testing.B, seed int64) *store.Store {
	path := filepath.Join(b.TempDir(), "humans.db")
	if err := populate(context.Background(), path, storetest.Book(benchBookSize, seed)); err != nil {
		b.Fatal(err)
	}
	s, err := store.Open(path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkChangesSince measures reading the last 10 changes of the
// 100,000-contact book.
func BenchmarkChangesSince(b *testing.B) {
	s := openFreshBook(b, 3)
	ctx := context.Background()
	from := s.Revision()
	for i := range 10 {
		fav := i%2 == 0
		if _, err := s.UpdateHuman(ctx, int64(i*997+1), store.HumanPatch{IsFavorite: &fav}, ""); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		changes, _, err := s.ChangesSince(ctx, from)
		if err != nil || len(changes) != 10 {
			b.Fatalf("%v, %d changes", err, len(changes))
		}
	}
}

// BenchmarkUpdate measures one edit in the 100,000-contact book: a
// transaction with fsync, and the index kept in order.
func BenchmarkUpdate(b *testing.B) {
	s := openFreshBook(b, 4)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		i++
		name := fmt.Sprintf("Renamed %d", i)
		if _, err := s.UpdateHuman(ctx, int64(i%benchBookSize+1), store.HumanPatch{LastName: &name}, ""); err != nil {
			b.Fatal(err)
		}
	}
}
