package store

import (
	"encoding/binary"
	"fmt"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// The sort orders are the costliest part of opening a large book (three
// string sorts of every contact). A clean Close saves them, stamped with
// the revision and the record format; Open reuses them when the stamp
// still matches the file, and sorts again otherwise (after a crash, or a
// write by another version).

var (
	bucketOrderCache = []byte("ordercache")
	keyOrderStamp    = []byte("stamp")
)

// orderStamp identifies the state the saved orders describe.
func orderStamp(rev uint64, live int) []byte {
	b := make([]byte, 0, 20)
	b = append(b, recordFormat)
	b = binary.AppendUvarint(b, rev)
	b = binary.AppendUvarint(b, uint64(len(SortKeys)))
	return binary.AppendUvarint(b, uint64(live))
}

// saveOrders writes the current sort orders; called by Close.
func (s *Store) saveOrders() error {
	s.idx.mu.RLock()
	defer s.idx.mu.RUnlock()
	live := len(s.idx.orders[SortCreatedAt])
	return s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketOrderCache) != nil {
			if err := tx.DeleteBucket(bucketOrderCache); err != nil {
				return err
			}
		}
		b, err := tx.CreateBucket(bucketOrderCache)
		if err != nil {
			return err
		}
		rev := getUint(tx.Bucket(bucketMeta), keyRevision)
		for _, key := range SortKeys {
			order := s.idx.orders[key]
			packed := make([]byte, 0, len(order)*3)
			for _, r := range order {
				packed = binary.AppendUvarint(packed, uint64(r.ID))
			}
			if err := b.Put([]byte(key), packed); err != nil {
				return err
			}
		}
		return b.Put(keyOrderStamp, orderStamp(rev, live))
	})
}

// loadOrders returns the saved orders when they describe exactly the
// live records of byID (indexed by id) at revision rev; nil otherwise. It is called inside
// the transaction that read recs.
func loadOrders(tx *bolt.Tx, rev uint64, byID []*indexRecord, live int) map[SortKey][]*indexRecord {
	b := tx.Bucket(bucketOrderCache)
	if b == nil || string(b.Get(keyOrderStamp)) != string(orderStamp(rev, live)) {
		return nil
	}
	orders := make(map[SortKey][]*indexRecord, len(SortKeys))
	var mu sync.Mutex
	var wg sync.WaitGroup
	ok := true
	for _, key := range SortKeys {
		packed := b.Get([]byte(key))
		wg.Go(func() {
			order, err := unpackOrder(packed, byID, live)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				ok = false
				return
			}
			orders[key] = order
		})
	}
	wg.Wait()
	if !ok {
		return nil
	}
	return orders
}

func unpackOrder(packed []byte, byID []*indexRecord, live int) ([]*indexRecord, error) {
	order := make([]*indexRecord, 0, live)
	for len(packed) > 0 {
		id, n := binary.Uvarint(packed)
		if n <= 0 {
			return nil, errBadRecord
		}
		packed = packed[n:]
		var r *indexRecord
		if id < uint64(len(byID)) {
			r = byID[id]
		}
		if r == nil || !r.live() {
			return nil, fmt.Errorf("saved order names contact %d, which is not live", id)
		}
		order = append(order, r)
	}
	if len(order) != live {
		return nil, fmt.Errorf("saved order has %d contacts, want %d", len(order), live)
	}
	return order, nil
}
