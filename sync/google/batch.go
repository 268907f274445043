package google

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"google.golang.org/api/people/v1"

	"github.com/humans-contacts/humans/sync"
)

// Google's batch limits.
const (
	maxBatchCreate = 200
	maxBatchUpdate = 200
	maxBatchDelete = 500
)

// BatchLimits are Google's: 200 creates, 200 updates, 500 deletes a call.
func (p *Provider) BatchLimits() (create, update, delete int) {
	return maxBatchCreate, maxBatchUpdate, maxBatchDelete
}

// CreateBatch creates contacts with one batchCreateContacts. When Google
// refuses the batch for one contact (nothing is created then), the
// contacts are created one at a time, each with its own result.
func (p *Provider) CreateBatch(ctx context.Context, cs []sync.Contact) ([]sync.BatchResult, error) {
	if len(cs) > maxBatchCreate {
		return nil, fmt.Errorf("google: %d contacts in one create batch, more than %d", len(cs), maxBatchCreate)
	}
	results := make([]sync.BatchResult, len(cs))
	req := &people.BatchCreateContactsRequest{ReadMask: readFields, Sources: contactSource}
	var sent []int
	for i, c := range cs {
		person, err := p.newPerson(ctx, c)
		if validation(err) {
			results[i].Err = err
			continue
		}
		if err != nil {
			return nil, err
		}
		req.Contacts = append(req.Contacts, &people.ContactToCreate{ContactPerson: person})
		sent = append(sent, i)
	}
	if len(sent) == 0 {
		return results, nil
	}
	resp, err := p.svc.People.BatchCreateContacts(req).Context(ctx).Do()
	if err != nil {
		err = classify(fmt.Sprintf("creating %d contacts", len(sent)), err, true)
		if !validation(err) {
			return nil, err
		}
		p.log.Info("google: a create batch was refused; creating its contacts one by one", "err", err)
		for _, i := range sent {
			results[i].Remote, results[i].Err = p.Create(ctx, cs[i])
		}
		return results, nil
	}
	if len(resp.CreatedPeople) != len(sent) {
		return nil, fmt.Errorf("google: %d contacts created for %d sent", len(resp.CreatedPeople), len(sent))
	}
	for k, pr := range resp.CreatedPeople {
		results[sent[k]] = p.personResult(ctx, pr)
	}
	return results, nil
}

// personResult is the result of one contact of a batch answer.
func (p *Provider) personResult(ctx context.Context, pr *people.PersonResponse) sync.BatchResult {
	if pr == nil || pr.Person == nil || (pr.HttpStatusCode != 0 && pr.HttpStatusCode != 200) {
		msg := "no contact in Google's answer"
		if pr != nil && pr.Status != nil {
			msg = pr.Status.Message
		}
		if pr != nil && pr.HttpStatusCode == 404 {
			return sync.BatchResult{Err: fmt.Errorf("google: %w: %s", sync.ErrRemoteNotFound, msg)}
		}
		return sync.BatchResult{Err: fmt.Errorf("google: %s", msg)}
	}
	r, err := p.remote(ctx, pr.Person)
	return sync.BatchResult{Remote: r, Err: err}
}

// UpdateBatch updates contacts with batchUpdateContacts. Google applies
// one updateMask to a whole batch, so the contacts are sent in one call
// per set of changed fields: a contact is never sent a field it did not
// change. A contact with no change is not sent. When Google refuses a
// call for one contact (an etag that moved, one gone, one invalid),
// that call's contacts are updated one at a time, each with its own
// result.
func (p *Provider) UpdateBatch(ctx context.Context, items []sync.BatchUpdate) ([]sync.BatchResult, error) {
	if len(items) > maxBatchUpdate {
		return nil, fmt.Errorf("google: %d contacts in one update batch, more than %d", len(items), maxBatchUpdate)
	}
	results := make([]sync.BatchResult, len(items))
	byMask := map[string][]int{}
	for i, it := range items {
		mask := changedFields(it.Contact, it.Base)
		if len(mask) == 0 {
			results[i].Remote = sync.Remote{ID: it.ID, ETag: it.ETag, Contact: it.Contact}
			continue
		}
		key := strings.Join(mask, ",")
		byMask[key] = append(byMask[key], i)
	}
	applied := false // once a call went through, failures are per contact
	perContact := func(err error) bool {
		return validation(err) || errors.Is(err, sync.ErrPrecondition) || errors.Is(err, sync.ErrRemoteNotFound)
	}
	for _, key := range slices.Sorted(maps.Keys(byMask)) {
		mask, idxs := strings.Split(key, ","), byMask[key]
		current := map[string]*people.Person{}
		if slices.Contains(mask, "memberships") {
			// The contacts as they are now, for their system groups: one
			// read per 200 instead of one per contact.
			var err error
			if current, err = p.batchGet(ctx, items, idxs); err != nil {
				if !applied {
					return nil, err
				}
				for _, i := range idxs {
					results[i].Err = err
				}
				continue
			}
		}
		req := &people.BatchUpdateContactsRequest{Contacts: map[string]people.Person{}, UpdateMask: key, ReadMask: readFields, Sources: contactSource}
		var sent []int
		for _, i := range idxs {
			it := items[i]
			cur, ok := current[it.ID]
			if slices.Contains(mask, "memberships") && !ok {
				results[i].Err = fmt.Errorf("google: updating %s: %w", it.ID, sync.ErrRemoteNotFound)
				continue
			}
			body, err := p.updateBody(ctx, it.ID, it.ETag, it.Contact, mask, cur)
			if err != nil {
				if perContact(err) || applied {
					results[i].Err = err
					continue
				}
				return nil, err
			}
			req.Contacts[it.ID] = *body
			sent = append(sent, i)
		}
		if len(sent) == 0 {
			continue
		}
		resp, err := p.svc.People.BatchUpdateContacts(req).Context(ctx).Do()
		if err != nil {
			err = classify(fmt.Sprintf("updating %d contacts", len(sent)), err, true)
			if perContact(err) {
				p.log.Info("google: an update batch was refused; updating its contacts one by one", "err", err)
				for _, i := range sent {
					it := items[i]
					results[i].Remote, results[i].Err = p.update(ctx, it.ID, it.ETag, it.Contact, mask)
				}
				applied = true
				continue
			}
			if !applied {
				return nil, err
			}
			for _, i := range sent {
				results[i].Err = err
			}
			continue
		}
		applied = true
		for _, i := range sent {
			pr, ok := resp.UpdateResult[items[i].ID]
			if !ok {
				results[i].Err = fmt.Errorf("google: %s missing from the update batch's answer", items[i].ID)
				continue
			}
			results[i] = p.personResult(ctx, &pr)
		}
	}
	return results, nil
}

// batchGet reads the contacts of items[idxs] (people:batchGet, 200 at
// most a call); a contact gone is missing from the map.
func (p *Provider) batchGet(ctx context.Context, items []sync.BatchUpdate, idxs []int) (map[string]*people.Person, error) {
	out := map[string]*people.Person{}
	for start := 0; start < len(idxs); start += maxBatchUpdate {
		var ids []string
		for _, i := range idxs[start:min(start+maxBatchUpdate, len(idxs))] {
			ids = append(ids, items[i].ID)
		}
		resp, err := p.svc.People.GetBatchGet().ResourceNames(ids...).PersonFields(readFields).Sources(contactSource...).Context(ctx).Do()
		if err != nil {
			return nil, classify(fmt.Sprintf("reading %d contacts", len(ids)), err, false)
		}
		for _, r := range resp.Responses {
			if r != nil && r.Person != nil && (r.HttpStatusCode == 0 || r.HttpStatusCode == 200) {
				out[r.RequestedResourceName] = r.Person
			}
		}
	}
	return out, nil
}

// DeleteBatch deletes contacts with batchDeleteContacts, which takes no
// etags. Google refuses the whole call when one contact is gone already
// (sync.ErrRemoteNotFound): nothing is deleted then, and the engine
// deletes them one by one.
func (p *Provider) DeleteBatch(ctx context.Context, ids []string) error {
	if len(ids) > maxBatchDelete {
		return fmt.Errorf("google: %d contacts in one delete batch, more than %d", len(ids), maxBatchDelete)
	}
	if len(ids) == 0 {
		return nil
	}
	_, err := p.svc.People.BatchDeleteContacts(&people.BatchDeleteContactsRequest{ResourceNames: ids}).Context(ctx).Do()
	return classify(fmt.Sprintf("deleting %d contacts", len(ids)), err, true)
}
