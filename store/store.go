package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Bucket names. Keys of id-addressed buckets are 8-byte big-endian ids,
// so a cursor walks them in id order.
var (
	bucketMeta      = []byte("meta")
	bucketHumans    = []byte("humans")    // id → JSON Human
	bucketSummaries = []byte("summaries") // id → binary indexRecord
	bucketUIDs      = []byte("uids")      // UID → id
	bucketCompanies = []byte("companies") // id → JSON Company
	bucketGroups    = []byte("groups")    // id → JSON Group
	bucketFieldDefs = []byte("fielddefs") // key → JSON CustomFieldDef
	bucketPhotos    = []byte("photos")    // hash → photo record
	bucketChanges   = []byte("changes")   // revision → change entry
	bucketSMS       = []byte("sms")       // id → JSON SMS (the outbox)
	bucketAPIKeys   = []byte("apikeys")   // id → JSON APIKey
	bucketKeyHashes = []byte("keyhashes") // APIKey.Hash → id

	allBuckets = [][]byte{bucketMeta, bucketHumans, bucketSummaries, bucketUIDs, bucketCompanies,
		bucketGroups, bucketFieldDefs, bucketPhotos, bucketChanges, bucketSMS, bucketAPIKeys, bucketKeyHashes,
		bucketResNames, bucketResIDs, bucketGroupResNames, bucketGroupResIDs,
		bucketSyncAccounts, bucketSyncLinks, bucketSyncRemote, bucketSyncDirty, bucketSyncConflicts, bucketSyncJobs,
		bucketSyncPending}

	keySchema   = []byte("schema")
	keyRevision = []byte("revision")
	keyCreated  = []byte("created")
	keyRegion   = []byte("phone_region")
)

// Options configure Open.
type Options struct {
	// Timeout is how long Open waits for another process to release the
	// file before failing with ErrLocked; 0 means one second.
	Timeout time.Duration
	// DefaultRegion is the country assumed for phone numbers written
	// without a country code, for phone-digit search ("FR").
	DefaultRegion string
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// NoSync skips fsync on commit. Only for tests and benchmarks that
	// measure something else; a crash may lose recent commits.
	NoSync bool
}

// Store is the contact book in one bbolt file. It is safe for concurrent
// use: any number of readers, and writers serialised one at a time.
type Store struct {
	path string
	opts Options
	log  *slog.Logger
	now  func() time.Time

	// writeMu serialises writers, so that the in-memory index is updated
	// in commit order, and guards db against Restore swapping it.
	writeMu sync.Mutex
	dbMu    sync.RWMutex // held for reading by every operation, for writing by Restore
	db      *bolt.DB

	idx      *index
	revision atomic.Uint64

	subMu   sync.Mutex
	subs    map[int]chan Event
	nextSub int

	batch batcher // concurrent writes committed together (batch.go)
}

// Open opens the store file at path, creating it when missing, runs the
// schema migrations and loads the in-memory indexes.
func Open(path string, opts Options) (*Store, error) {
	if opts.Timeout == 0 {
		opts.Timeout = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.DefaultRegion == "" {
		opts.DefaultRegion = "FR"
	}
	s := &Store{
		path: path,
		opts: opts,
		log:  opts.Logger,
		now:  opts.Now,
		idx:  newIndex(),
		subs: make(map[int]chan Event),
	}
	db, err := openBolt(path, opts)
	if err != nil {
		return nil, err
	}
	s.db = db
	if err := s.loadFrom(db); errors.Is(err, errRecordFormat) {
		// Written by another version: derive the records again.
		s.log.Info("re-indexing contacts for a new index format", "path", path)
		err = db.Update(func(tx *bolt.Tx) error { return rebuildSummaries(tx, opts.DefaultRegion) })
		if err == nil {
			err = s.loadFrom(db)
		}
		if err != nil {
			db.Close()
			return nil, err
		}
	} else if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func openBolt(path string, opts Options) (*bolt.DB, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.Timeout, NoSync: opts.NoSync, FreelistType: bolt.FreelistMapType,
		InitialMmapSize: initialMmapSize})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("%w (%s)", ErrLocked, path)
	}
	if err != nil {
		return nil, fmt.Errorf("store: opening %s: %w", path, err)
	}
	if err := migrate(db, opts); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	return db, nil
}

// loadFrom reads the index records, companies and groups of db into
// memory, replacing the index.
func (s *Store) loadFrom(db *bolt.DB) error {
	var recs []*indexRecord
	companies := make(map[int64]string)
	groups := make(map[int64]string)
	var rev uint64
	err := db.View(func(tx *bolt.Tx) error {
		rev = getUint(tx.Bucket(bucketMeta), keyRevision)
		var err error
		recs, err = decodeRecords(tx.Bucket(bucketSummaries))
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketCompanies).ForEach(func(k, v []byte) error {
			var c Company
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("company %d: %w", btoi(k), err)
			}
			companies[c.ID] = c.Name
			return nil
		}); err != nil {
			return err
		}
		if err := tx.Bucket(bucketGroups).ForEach(func(k, v []byte) error {
			var g Group
			if err := json.Unmarshal(v, &g); err != nil {
				return fmt.Errorf("group %d: %w", btoi(k), err)
			}
			groups[g.ID] = g.Name
			return nil
		}); err != nil {
			return err
		}
		s.idx.load(recs, companies, groups, func(byID []*indexRecord, live int) map[SortKey][]*indexRecord {
			return loadOrders(tx, rev, byID, live)
		})
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: loading indexes: %w", err)
	}
	s.revision.Store(rev)
	return nil
}

// decodeRecords decodes every index record of the summaries bucket, on
// every core: it is most of what opening a large book costs.
func decodeRecords(b *bolt.Bucket) ([]*indexRecord, error) {
	var raw [][]byte // valid for the transaction's lifetime
	if err := b.ForEach(func(_, v []byte) error {
		raw = append(raw, v)
		return nil
	}); err != nil {
		return nil, err
	}
	recs := make([]*indexRecord, len(raw))
	workers := max(1, min(runtime.GOMAXPROCS(0), len(raw)/1024))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(raw); i += workers {
				r, err := unmarshalIndexRecord(raw[i])
				if err != nil {
					errs[w] = fmt.Errorf("index record %d: %w", i, err)
					return
				}
				recs[i] = r
			}
		})
	}
	wg.Wait()
	return recs, errors.Join(errs...)
}

// Close closes the file. Subscriber channels are closed.
func (s *Store) Close() error {
	s.subMu.Lock()
	for id, ch := range s.subs {
		close(ch)
		delete(s.subs, id)
	}
	s.subMu.Unlock()
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.dbMu.Lock()
	defer s.dbMu.Unlock()
	if err := s.saveOrders(); err != nil {
		// Only the next Open's speed depends on it.
		s.log.Warn("saving the sort orders for the next start", "err", err)
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: closing: %w", err)
	}
	return nil
}

// SetDefaultRegion changes the country assumed for phone numbers without
// a country code, and re-indexes every contact for it.
func (s *Store) SetDefaultRegion(region string) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.dbMu.Lock()
	defer s.dbMu.Unlock()
	if err := s.db.Update(func(tx *bolt.Tx) error { return reindexForRegion(tx, region) }); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	s.opts.DefaultRegion = region
	return s.loadFrom(s.db)
}

// Path is the store file's path.
func (s *Store) Path() string { return s.path }

// Revision is the revision of the last committed change; 0 for an empty
// store.
func (s *Store) Revision() uint64 { return s.revision.Load() }

// Subscribe returns a channel that receives an Event after every commit,
// and a function that ends the subscription. Events are coalesced: the
// channel holds at most one pending event, the newest.
func (s *Store) Subscribe() (<-chan Event, func()) {
	ch := make(chan Event, 1)
	s.subMu.Lock()
	id := s.nextSub
	s.nextSub++
	s.subs[id] = ch
	s.subMu.Unlock()
	return ch, func() {
		s.subMu.Lock()
		defer s.subMu.Unlock()
		if c, ok := s.subs[id]; ok {
			close(c)
			delete(s.subs, id)
		}
	}
}

func (s *Store) notify(ev Event) {
	s.subMu.Lock()
	defer s.subMu.Unlock()
	for _, ch := range s.subs {
		select {
		case ch <- ev:
		default:
			// Replace the pending event with the newer one.
			select {
			case old := <-ch:
				ev.Reset = ev.Reset || old.Reset
			default:
			}
			select {
			case ch <- ev:
			default:
			}
		}
	}
}

// view runs fn in a read transaction.
func (s *Store) view(fn func(tx *bolt.Tx) error) error {
	s.dbMu.RLock()
	defer s.dbMu.RUnlock()
	return s.db.View(fn)
}

// update runs fn in one write transaction. fn records what it changed on
// the writer; after the commit the index is updated and subscribers are
// told. If fn or the commit fails, nothing is changed.
func (s *Store) update(fn func(w *writer) error) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	return s.updateLocked(fn)
}

// updateLocked is update for a caller holding writeMu (batch.go).
func (s *Store) updateLocked(fn func(w *writer) error) error {
	s.dbMu.RLock()
	defer s.dbMu.RUnlock()
	var w *writer
	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range appendedBuckets {
			if b := tx.Bucket(name); b != nil {
				b.FillPercent = appendedFill
			}
		}
		w = &writer{tx: tx, s: s, now: s.now().UTC()}
		w.rev = getUint(tx.Bucket(bucketMeta), keyRevision)
		w.startRev = w.rev
		if err := fn(w); err != nil {
			return err
		}
		if w.rev == w.startRev {
			return nil
		}
		return putUint(tx.Bucket(bucketMeta), keyRevision, w.rev)
	})
	if err != nil {
		return err
	}
	if w.rev == w.startRev {
		return nil
	}
	s.idx.applyHumans(w.humans)
	for _, c := range w.companies {
		s.idx.setCompany(c.id, c.name, c.deleted)
	}
	for _, g := range w.groups {
		s.idx.setGroup(g.id, g.name, g.deleted)
	}
	s.revision.Store(w.rev)
	s.notify(Event{Revision: w.rev})
	return nil
}

// appendedBuckets are keyed by ids and revisions the store hands out in
// increasing order, so their records are mostly appended: pages split at
// appendedFill instead of bbolt's half, which halves the pages a bulk
// insert writes (and the file), with room left for a contact that grows.
var appendedBuckets = [][]byte{bucketHumans, bucketSummaries, bucketChanges}

const appendedFill = 0.9

// writer is the state of one write transaction.
type writer struct {
	tx       *bolt.Tx
	s        *Store
	now      time.Time
	startRev uint64
	rev      uint64

	humans    []humanDelta
	deltaAt   map[int64]int            // contact → its change in humans
	newPhotos map[string]preparedPhoto // photos prepared for new contacts (Tx.PreparePhoto), by hash
	written   map[int64]*indexRecord   // the latest record of each contact written
	companies []namedDelta
	groups    []namedDelta
}

// preparedPhoto is a photo kept for the contacts a transaction creates.
type preparedPhoto struct {
	mediaType string
	data      []byte
}

type namedDelta struct {
	id      int64
	name    string
	deleted bool
}

// logChange takes the next revision and appends it to the change log.
func (w *writer) logChange(kind EntityKind, id int64, deleted bool) (uint64, error) {
	w.rev++
	v := make([]byte, 10)
	v[0] = byte(kind)
	binary.BigEndian.PutUint64(v[1:9], uint64(id))
	if deleted {
		v[9] = 1
	}
	if err := w.tx.Bucket(bucketChanges).Put(itob(int64(w.rev)), v); err != nil {
		return 0, fmt.Errorf("store: appending to the change log: %w", err)
	}
	return w.rev, nil
}

func itob(v int64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, uint64(v))
	return b
}

func btoi(b []byte) int64 {
	if len(b) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(b))
}

func getUint(b *bolt.Bucket, key []byte) uint64 {
	v := b.Get(key)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

func putUint(b *bolt.Bucket, key []byte, v uint64) error {
	buf := make([]byte, 8)
	binary.BigEndian.PutUint64(buf, v)
	return b.Put(key, buf)
}

func timeFromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

// etagFor is the etag of an entity at a revision.
func etagFor(rev uint64) string { return fmt.Sprintf("%x", rev) }
