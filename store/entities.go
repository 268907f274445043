package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
)

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

func getJSON[T any](tx *bolt.Tx, bucket []byte, id int64, what string) (*T, error) {
	v := tx.Bucket(bucket).Get(itob(id))
	if v == nil {
		return nil, fmt.Errorf("%s %d: %w", what, id, ErrNotFound)
	}
	var out T
	if err := json.Unmarshal(v, &out); err != nil {
		return nil, fmt.Errorf("store: decoding %s %d: %w", what, id, err)
	}
	return &out, nil
}

func putJSON(tx *bolt.Tx, bucket []byte, id int64, v any, what string) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: encoding %s %d: %w", what, id, err)
	}
	if err := tx.Bucket(bucket).Put(itob(id), data); err != nil {
		return fmt.Errorf("store: writing %s %d: %w", what, id, err)
	}
	return nil
}

func listJSON[T any](tx *bolt.Tx, bucket []byte, what string) ([]*T, error) {
	var out []*T
	err := tx.Bucket(bucket).ForEach(func(k, v []byte) error {
		var x T
		if err := json.Unmarshal(v, &x); err != nil {
			return fmt.Errorf("store: decoding %s %d: %w", what, btoi(k), err)
		}
		out = append(out, &x)
		return nil
	})
	return out, err
}

// ----- Companies -----

// CreateCompany validates c and stores it as a new company.
func (s *Store) CreateCompany(ctx context.Context, c *Company) (*Company, error) {
	c = cloneCompany(c)
	if err := s.update(func(w *writer) error { return w.createCompany(c) }); err != nil {
		return nil, err
	}
	return cloneCompany(c), nil
}

// createCompany validates c (the caller's copy) and stores it with a new id.
func (w *writer) createCompany(c *Company) error {
	c.ID = 0
	if err := validateCompany(c, w.lookups().companyExists); err != nil {
		return err
	}
	seq, err := w.tx.Bucket(bucketCompanies).NextSequence()
	if err != nil {
		return fmt.Errorf("store: allocating an id: %w", err)
	}
	c.ID = int64(seq)
	c.CreatedAt, c.UpdatedAt = w.now, w.now
	return w.putCompany(c)
}

func cloneCompany(c *Company) *Company {
	out := *c
	if c.Address != nil {
		a := *c.Address
		out.Address = &a
	}
	out.CustomFields = maps.Clone(c.CustomFields)
	return &out
}

func (w *writer) putCompany(c *Company) error {
	rev, err := w.logChange(KindCompany, c.ID, false)
	if err != nil {
		return err
	}
	c.Revision = rev
	if err := putJSON(w.tx, bucketCompanies, c.ID, c, "company"); err != nil {
		return err
	}
	w.companies = append(w.companies, namedDelta{id: c.ID, name: c.Name})
	return nil
}

// GetCompany returns one company.
func (s *Store) GetCompany(ctx context.Context, id int64) (*Company, error) {
	var c *Company
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		c, err = getJSON[Company](tx, bucketCompanies, id, "company")
		return err
	})
	return c, err
}

// UpdateCompany replaces every field of the company with c.ID.
func (s *Store) UpdateCompany(ctx context.Context, c *Company) (*Company, error) {
	c = cloneCompany(c)
	err := s.update(func(w *writer) error {
		old, err := getJSON[Company](w.tx, bucketCompanies, c.ID, "company")
		if err != nil {
			return err
		}
		if err := validateCompany(c, w.lookups().companyExists); err != nil {
			return err
		}
		if c.ParentID != 0 && w.companyAncestorIs(c.ParentID, c.ID) {
			return &ValidationError{Fields: map[string]string{"parent_id": "a company cannot be its own parent, even through a branch"}}
		}
		c.CreatedAt, c.UpdatedAt = old.CreatedAt, w.now
		return w.putCompany(c)
	})
	if err != nil {
		return nil, err
	}
	return cloneCompany(c), nil
}

// companyAncestorIs reports whether target is id or one of id's parents.
func (w *writer) companyAncestorIs(id, target int64) bool {
	for seen := 0; id != 0 && seen < 1000; seen++ {
		if id == target {
			return true
		}
		c, err := getJSON[Company](w.tx, bucketCompanies, id, "company")
		if err != nil {
			return false
		}
		id = c.ParentID
	}
	return false
}

// DeleteCompany deletes a company. Its people stay, without a company,
// and its branches lose their parent.
func (s *Store) DeleteCompany(ctx context.Context, id int64) error {
	return s.update(func(w *writer) error {
		if _, err := getJSON[Company](w.tx, bucketCompanies, id, "company"); err != nil {
			return err
		}
		if err := w.unlinkHumans(func(h *Human) bool {
			if h.CompanyID != id {
				return false
			}
			h.CompanyID = 0
			return true
		}); err != nil {
			return err
		}
		branches, err := listJSON[Company](w.tx, bucketCompanies, "company")
		if err != nil {
			return err
		}
		for _, b := range branches {
			if b.ParentID == id {
				b.ParentID = 0
				b.UpdatedAt = w.now
				if err := w.putCompany(b); err != nil {
					return err
				}
			}
		}
		if err := w.tx.Bucket(bucketCompanies).Delete(itob(id)); err != nil {
			return fmt.Errorf("store: deleting company %d: %w", id, err)
		}
		if _, err := w.logChange(KindCompany, id, true); err != nil {
			return err
		}
		w.companies = append(w.companies, namedDelta{id: id, deleted: true})
		return nil
	})
}

// unlinkHumans rewrites every contact (live or trashed) for which change
// returns true. It walks the contacts' records, so it costs a scan; it
// serves rare operations such as deleting a company or a group.
func (w *writer) unlinkHumans(change func(h *Human) bool) error {
	var ids []int64
	c := w.tx.Bucket(bucketHumans).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var h Human
		if err := json.Unmarshal(v, &h); err != nil {
			return fmt.Errorf("store: decoding contact %d: %w", btoi(k), err)
		}
		if change(&h) {
			ids = append(ids, h.ID)
		}
	}
	for _, id := range ids {
		h, err := getHumanTx(w.tx, id)
		if err != nil {
			return err
		}
		change(h)
		h.UpdatedAt = w.now
		if err := w.putHuman(h, nil); err != nil {
			return err
		}
	}
	return nil
}

// ListCompanies returns every company, by name.
func (s *Store) ListCompanies(ctx context.Context) ([]*Company, error) {
	var out []*Company
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		out, err = listJSON[Company](tx, bucketCompanies, "company")
		return err
	})
	slices.SortFunc(out, func(a, b *Company) int {
		return strings.Compare(foldText(a.Name), foldText(b.Name))
	})
	return out, err
}

// ----- Groups -----

// CreateGroup validates g and stores it as a new group. Group names are
// unique, ignoring case and accents, since vCard CATEGORIES name them.
func (s *Store) CreateGroup(ctx context.Context, g *Group) (*Group, error) {
	g2 := *g
	g = &g2
	if err := s.update(func(w *writer) error { return w.createGroup(g) }); err != nil {
		return nil, err
	}
	g.MemberCount = s.memberCount(g.ID)
	return g, nil
}

// createGroup validates g (the caller's copy) and stores it with a new id.
func (w *writer) createGroup(g *Group) error {
	g.ID = 0
	if err := validateGroup(g); err != nil {
		return err
	}
	if err := w.checkGroupNameFree(g.Name, 0); err != nil {
		return err
	}
	seq, err := w.tx.Bucket(bucketGroups).NextSequence()
	if err != nil {
		return fmt.Errorf("store: allocating an id: %w", err)
	}
	g.ID = int64(seq)
	g.CreatedAt, g.UpdatedAt = w.now, w.now
	return w.putGroup(g)
}

func (w *writer) checkGroupNameFree(name string, self int64) error {
	groups, err := listJSON[Group](w.tx, bucketGroups, "group")
	if err != nil {
		return err
	}
	for _, other := range groups {
		if other.ID != self && foldText(other.Name) == foldText(name) {
			return &ValidationError{Fields: map[string]string{"name": fmt.Sprintf("a group named %q exists already", other.Name)}}
		}
	}
	return nil
}

func (w *writer) putGroup(g *Group) error {
	rev, err := w.logChange(KindGroup, g.ID, false)
	if err != nil {
		return err
	}
	g.Revision = rev
	stored := *g
	stored.MemberCount = 0 // derived, never stored
	if err := putJSON(w.tx, bucketGroups, g.ID, &stored, "group"); err != nil {
		return err
	}
	w.groups = append(w.groups, namedDelta{id: g.ID, name: g.Name})
	return nil
}

func (s *Store) memberCount(id int64) int {
	s.idx.mu.RLock()
	defer s.idx.mu.RUnlock()
	return s.idx.groupCounts[id]
}

// GetGroup returns one group with its member count.
func (s *Store) GetGroup(ctx context.Context, id int64) (*Group, error) {
	var g *Group
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		g, err = getJSON[Group](tx, bucketGroups, id, "group")
		return err
	})
	if err != nil {
		return nil, err
	}
	g.MemberCount = s.memberCount(id)
	return g, nil
}

// UpdateGroup replaces the name, colour and description of group g.ID.
func (s *Store) UpdateGroup(ctx context.Context, g *Group) (*Group, error) {
	g2 := *g
	g = &g2
	err := s.update(func(w *writer) error {
		old, err := getJSON[Group](w.tx, bucketGroups, g.ID, "group")
		if err != nil {
			return err
		}
		if err := validateGroup(g); err != nil {
			return err
		}
		if err := w.checkGroupNameFree(g.Name, g.ID); err != nil {
			return err
		}
		g.CreatedAt, g.UpdatedAt = old.CreatedAt, w.now
		return w.putGroup(g)
	})
	if err != nil {
		return nil, err
	}
	g.MemberCount = s.memberCount(g.ID)
	return g, nil
}

// DeleteGroup deletes a group; its members stay, without it.
func (s *Store) DeleteGroup(ctx context.Context, id int64) error {
	return s.update(func(w *writer) error {
		if _, err := getJSON[Group](w.tx, bucketGroups, id, "group"); err != nil {
			return err
		}
		if err := w.unlinkHumans(func(h *Human) bool {
			i := slices.Index(h.GroupIDs, id)
			if i < 0 {
				return false
			}
			h.GroupIDs = slices.Delete(h.GroupIDs, i, i+1)
			return true
		}); err != nil {
			return err
		}
		if err := w.tx.Bucket(bucketGroups).Delete(itob(id)); err != nil {
			return fmt.Errorf("store: deleting group %d: %w", id, err)
		}
		if _, err := w.logChange(KindGroup, id, true); err != nil {
			return err
		}
		w.groups = append(w.groups, namedDelta{id: id, deleted: true})
		return nil
	})
}

// ListGroups returns every group by name, with member counts.
func (s *Store) ListGroups(ctx context.Context) ([]*Group, error) {
	var out []*Group
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		out, err = listJSON[Group](tx, bucketGroups, "group")
		return err
	})
	if err != nil {
		return nil, err
	}
	s.idx.mu.RLock()
	for _, g := range out {
		g.MemberCount = s.idx.groupCounts[g.ID]
	}
	s.idx.mu.RUnlock()
	slices.SortFunc(out, func(a, b *Group) int { return strings.Compare(foldText(a.Name), foldText(b.Name)) })
	return out, nil
}

// GroupMemberIDs returns the ids of a group's live members, by name.
func (s *Store) GroupMemberIDs(ctx context.Context, id int64) ([]int64, error) {
	return s.QueryIDs(ctx, Query{GroupID: id, Sort: SortDisplayName})
}

// AddGroupMembers adds live contacts to a group. Ids that are not live
// contacts are counted as requested but not valid.
func (s *Store) AddGroupMembers(ctx context.Context, groupID int64, ids []int64) (MembershipResult, error) {
	return s.changeMembers(groupID, ids, true)
}

// RemoveGroupMembers removes contacts from a group.
func (s *Store) RemoveGroupMembers(ctx context.Context, groupID int64, ids []int64) (MembershipResult, error) {
	return s.changeMembers(groupID, ids, false)
}

func (s *Store) changeMembers(groupID int64, ids []int64, add bool) (MembershipResult, error) {
	res := MembershipResult{Requested: len(ids)}
	if len(ids) > 10_000 {
		return res, &ValidationError{Fields: map[string]string{"human_ids": "at most 10000 ids at a time"}}
	}
	err := s.update(func(w *writer) error {
		res.Valid, res.Changed = 0, 0
		if _, err := getJSON[Group](w.tx, bucketGroups, groupID, "group"); err != nil {
			return err
		}
		seen := make(map[int64]bool, len(ids))
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			h, err := w.liveHuman(id, "")
			if isNotFound(err) {
				continue
			}
			if err != nil {
				return err
			}
			res.Valid++
			i := slices.Index(h.GroupIDs, groupID)
			switch {
			case add && i < 0:
				h.GroupIDs = append(h.GroupIDs, groupID)
			case !add && i >= 0:
				h.GroupIDs = slices.Delete(h.GroupIDs, i, i+1)
			default:
				continue
			}
			h.UpdatedAt = w.now
			if err := w.putHuman(h, nil); err != nil {
				return err
			}
			res.Changed++
		}
		return nil
	})
	return res, err
}

// ----- Custom field definitions -----

// PutCustomFieldDef creates or replaces a custom field definition.
func (s *Store) PutCustomFieldDef(ctx context.Context, d CustomFieldDef) error {
	if err := validateFieldDef(&d); err != nil {
		return err
	}
	return s.update(func(w *writer) error {
		data, err := json.Marshal(d)
		if err != nil {
			return fmt.Errorf("store: encoding field %q: %w", d.Key, err)
		}
		return w.tx.Bucket(bucketFieldDefs).Put([]byte(d.Key), data)
	})
}

// DeleteCustomFieldDef removes a definition; contacts keep their values
// as free text.
func (s *Store) DeleteCustomFieldDef(ctx context.Context, key string) error {
	return s.update(func(w *writer) error {
		b := w.tx.Bucket(bucketFieldDefs)
		if b.Get([]byte(key)) == nil {
			return fmt.Errorf("custom field %q: %w", key, ErrNotFound)
		}
		return b.Delete([]byte(key))
	})
}

// CustomFieldDefs lists the definitions by key.
func (s *Store) CustomFieldDefs(ctx context.Context) ([]CustomFieldDef, error) {
	var out []CustomFieldDef
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketFieldDefs).ForEach(func(k, v []byte) error {
			var d CustomFieldDef
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("store: decoding field %q: %w", k, err)
			}
			out = append(out, d)
			return nil
		})
	})
	return out, err
}
