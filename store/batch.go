package store

import "sync"

// batcher groups concurrent writes into one transaction (group commit):
// a commit costs an fsync, so four phones writing at once share one
// instead of queueing for four. bbolt's own DB.Batch does the same but
// runs outside the store's writer (index updates, events), hence this.
type batcher struct {
	mu      sync.Mutex
	pending []*batchReq
}

type batchReq struct {
	fn   func(w *writer) error
	done chan error
}

// updateBatched runs fn in a write transaction like update, possibly
// together with other writes that arrived while the previous transaction
// was committing. fn must not depend on being alone: it sees the writes
// batched before it, as it would after them in sequence. When any write
// of a batch fails, each write of the batch is run again alone, so that
// one write's error never undoes or fails another.
func (s *Store) updateBatched(fn func(w *writer) error) error {
	req := &batchReq{fn: fn, done: make(chan error, 1)}
	s.batch.mu.Lock()
	s.batch.pending = append(s.batch.pending, req)
	s.batch.mu.Unlock()

	// Whoever holds the write lock next commits everything pending,
	// this write included unless an earlier holder took it already.
	s.writeMu.Lock()
	s.batch.mu.Lock()
	reqs := s.batch.pending
	s.batch.pending = nil
	s.batch.mu.Unlock()
	s.runBatchLocked(reqs)
	s.writeMu.Unlock()
	return <-req.done
}

func (s *Store) runBatchLocked(reqs []*batchReq) {
	switch len(reqs) {
	case 0:
		return
	case 1:
		reqs[0].done <- s.updateLocked(reqs[0].fn)
		return
	}
	err := s.updateLocked(func(w *writer) error {
		for _, r := range reqs {
			if err := r.fn(w); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		for _, r := range reqs {
			r.done <- nil
		}
		return
	}
	for _, r := range reqs {
		r.done <- s.updateLocked(r.fn)
	}
}
