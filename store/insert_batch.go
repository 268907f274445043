package store

import "fmt"

// insertHumans is insertHuman for many new contacts, with the same
// result and the same errors: the ids, UIDs, timestamps, revisions and
// etags are given in order, one contact after the other, and the
// contacts' JSON is then encoded on every core before they are written in
// order. A contact that cannot be taken (its UID, company or groups)
// stops the batch there, as insertHuman would have: the contacts before
// it are written, and the error names its position. (A contact whose JSON
// cannot be encoded also fails the batch at its position, but the
// contacts after it have had their ids and revisions by then: no caller
// commits a transaction after such an error.)
func (w *writer) insertHumans(hs []*Human, recs []*indexRecord) ([]int64, error) {
	n := len(hs)
	var stop error
	for i, h := range hs {
		err := w.assignHuman(h)
		if err == nil {
			err = w.stampHuman(h)
		}
		if err != nil {
			n, stop = i, fmt.Errorf("store: contact [%d]: %w", i, err)
			break
		}
	}
	data := make([][]byte, n)
	errs := make([]error, n)
	parallel(n, func(i int) { data[i], errs[i] = encodeHuman(hs[i]) })
	ids := make([]int64, len(hs))
	for i := range n {
		err := errs[i]
		if err == nil {
			err = w.storeHuman(hs[i], data[i], recs[i])
		}
		if err != nil {
			return nil, fmt.Errorf("store: contact [%d]: %w", i, err)
		}
		ids[i] = hs[i].ID
	}
	if stop != nil {
		return nil, stop
	}
	return ids, nil
}
