package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Group cards: the groups a CardDAV client keeps as vCards of their own
// (Apple's X-ADDRESSBOOKSERVER-KIND:group, vCard 4.0's KIND:group, DAVx5's
// "groups as separate vCards"), mapped onto the store's one group model:
// the card's FN is the group's name and its members are the contacts'
// Human.GroupIDs, the same membership CATEGORIES carries.
var (
	bucketGroupResNames = []byte("resgnames") // resource name → group id
	bucketGroupResIDs   = []byte("resgids")   // group id → UID "\x00" resource name
)

// GroupResource is a group as a card of the address book.
type GroupResource struct {
	Name     string // resource name
	UID      string
	ID       int64
	Revision uint64
	Named    bool // a client created the card (else its name is derived)
}

// GroupResourceOf is the name and UID of a group no client named.
func GroupResourceOf(id int64) (name, uid string) {
	uid = "humans-group-" + strconv.FormatInt(id, 10)
	return uid + ".vcf", uid
}

func groupResTx(tx *bolt.Tx, id int64) (name, uid string, named bool) {
	if v := tx.Bucket(bucketGroupResIDs).Get(itob(id)); v != nil {
		uid, name, _ = strings.Cut(string(v), "\x00")
		return name, uid, true
	}
	name, uid = GroupResourceOf(id)
	return name, uid, false
}

// resolveGroupTx finds the group named name; 0 when none.
func resolveGroupTx(tx *bolt.Tx, name string) int64 {
	var id int64
	if v := tx.Bucket(bucketGroupResNames).Get([]byte(name)); len(v) == 8 {
		id = btoi(v)
	} else if rest, ok := strings.CutPrefix(name, "humans-group-"); ok {
		id, _ = strconv.ParseInt(strings.TrimSuffix(rest, ".vcf"), 10, 64)
		if n, _, named := groupResTx(tx, id); named && n != name {
			return 0
		}
	}
	if id <= 0 || tx.Bucket(bucketGroups).Get(itob(id)) == nil {
		return 0
	}
	return id
}

// GroupResources lists the groups served as cards: those a client
// created as cards, and every group when all is true; in id order.
func (s *Store) GroupResources(ctx context.Context, all bool) ([]GroupResource, error) {
	var out []GroupResource
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketGroups).ForEach(func(k, v []byte) error {
			id := btoi(k)
			name, uid, named := groupResTx(tx, id)
			if !named && !all {
				return nil
			}
			g, err := getJSON[Group](tx, bucketGroups, id, "group")
			if err != nil {
				return err
			}
			out = append(out, GroupResource{Name: name, UID: uid, ID: id, Revision: g.Revision, Named: named})
			return nil
		})
	})
	return out, err
}

// ResolveGroupResource returns the group named name, or ErrNotFound.
func (s *Store) ResolveGroupResource(ctx context.Context, name string) (GroupResource, error) {
	var gr GroupResource
	err := s.view(func(tx *bolt.Tx) error {
		id := resolveGroupTx(tx, name)
		if id == 0 {
			return fmt.Errorf("group resource %q: %w", name, ErrNotFound)
		}
		g, err := getJSON[Group](tx, bucketGroups, id, "group")
		if err != nil {
			return err
		}
		n, uid, named := groupResTx(tx, id)
		gr = GroupResource{Name: n, UID: uid, ID: id, Revision: g.Revision, Named: named}
		return nil
	})
	return gr, err
}

// GroupResourceNames returns the resource names of groups, deleted ones
// too when a client had named them.
func (s *Store) GroupResourceNames(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	err := s.view(func(tx *bolt.Tx) error {
		for _, id := range ids {
			name, _, _ := groupResTx(tx, id)
			out[id] = name
		}
		return nil
	})
	return out, err
}

// HumanGroups returns the groups of a contact from memory.
func (s *Store) HumanGroups(id int64) []int64 {
	r, ok := s.idx.record(id)
	if !ok || !r.live() {
		return nil
	}
	return slices.Clone(r.GroupIDs)
}

// GroupMemberships returns the groups of every live contact that is in
// one, from memory.
func (s *Store) GroupMemberships() map[int64][]int64 {
	s.idx.mu.RLock()
	defer s.idx.mu.RUnlock()
	out := make(map[int64][]int64)
	for id, r := range s.idx.recs {
		if r.live() && len(r.GroupIDs) > 0 {
			out[id] = slices.Clone(r.GroupIDs)
		}
	}
	return out
}

// HumanUIDs returns the UIDs of contacts (one pass over the UID index).
func (s *Store) HumanUIDs(ctx context.Context, ids []int64) (map[int64]string, error) {
	want := make(map[int64]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	out := make(map[int64]string, len(ids))
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketUIDs).ForEach(func(k, v []byte) error {
			if id := btoi(v); want[id] {
				out[id] = string(k)
			}
			return nil
		})
	})
	return out, err
}

// GroupWrite is a group card written by a client.
type GroupWrite struct {
	Name       string // resource name
	UID        string
	GroupName  string   // the card's FN
	MemberUIDs []string // the UIDs its members name; unknown ones are ignored
	// IfMatchRevision, when not 0, must be the group's revision, else
	// ErrConflict; MustNotExist fails with ErrConflict when the name
	// points at a group.
	IfMatchRevision uint64
	MustNotExist    bool
}

// PutGroupResource creates or replaces, in one transaction, the group a
// group card names: its name, and its members, whose GroupIDs change. A
// new card whose name is that of a group without a card (one made from
// CATEGORIES or in the app) takes that group over. It returns the group,
// whether it was created, and the ids of contacts whose membership
// changed.
func (s *Store) PutGroupResource(ctx context.Context, gw GroupWrite) (*Group, bool, error) {
	if !ValidResourceName(gw.Name) {
		return nil, false, &ValidationError{Fields: map[string]string{"name": fmt.Sprintf("%q is not a valid resource name", gw.Name)}}
	}
	var out *Group
	var created bool
	err := s.update(func(w *writer) error {
		created = false
		groupName := strings.Join(strings.Fields(gw.GroupName), " ")
		id := resolveGroupTx(w.tx, gw.Name)
		var g *Group
		if id != 0 {
			var err error
			if g, err = getJSON[Group](w.tx, bucketGroups, id, "group"); err != nil {
				return err
			}
			if gw.MustNotExist {
				return fmt.Errorf("group resource %q exists: %w", gw.Name, ErrConflict)
			}
			if gw.IfMatchRevision != 0 && gw.IfMatchRevision != g.Revision {
				return fmt.Errorf("group resource %q changed: %w", gw.Name, ErrConflict)
			}
			if _, uid, _ := groupResTx(w.tx, id); gw.UID != "" && gw.UID != uid {
				return &UIDConflictError{UID: uid, Name: gw.Name}
			}
		} else {
			if gw.IfMatchRevision != 0 {
				return fmt.Errorf("group resource %q does not exist: %w", gw.Name, ErrConflict)
			}
			if tx := w.tx; gw.UID != "" {
				var clash string
				if err := tx.Bucket(bucketGroupResIDs).ForEach(func(k, v []byte) error {
					if uid, name, _ := strings.Cut(string(v), "\x00"); uid == gw.UID && tx.Bucket(bucketGroups).Get(k) != nil {
						clash = name
					}
					return nil
				}); err != nil {
					return err
				}
				if clash != "" {
					return &UIDConflictError{UID: gw.UID, Name: clash}
				}
			}
			// A group of that name without a card of its own becomes the
			// card's.
			gid, err := w.groupNamed(groupName)
			if err != nil {
				return err
			}
			if gid == 0 {
				return &ValidationError{Fields: map[string]string{"name": "a group card needs a name (FN)"}}
			}
			if _, _, named := groupResTx(w.tx, gid); named {
				return &ValidationError{Fields: map[string]string{"name": fmt.Sprintf("a group named %q has a card already", groupName)}}
			}
			if g, err = getJSON[Group](w.tx, bucketGroups, gid, "group"); err != nil {
				return err
			}
			id, created = gid, true
		}
		if groupName == "" {
			return &ValidationError{Fields: map[string]string{"name": "a group card needs a name (FN)"}}
		}
		if groupName != g.Name {
			if err := w.checkGroupNameFree(groupName, id); err != nil {
				return err
			}
			g.Name = groupName
			if err := validateGroup(g); err != nil {
				return err
			}
		}
		// Members: the contacts the card names, live ones.
		want := map[int64]bool{}
		uids := w.tx.Bucket(bucketUIDs)
		for _, u := range gw.MemberUIDs {
			if v := uids.Get([]byte(u)); len(v) == 8 {
				if r := w.currentRecord(btoi(v)); r != nil && r.live() {
					want[btoi(v)] = true
				}
			}
		}
		var current []int64
		w.s.idx.mu.RLock()
		for hid, r := range w.s.idx.recs {
			if r.live() && slices.Contains(r.GroupIDs, id) {
				current = append(current, hid)
			}
		}
		w.s.idx.mu.RUnlock()
		slices.Sort(current)
		change := func(hid int64, add bool) error {
			h, err := getHumanTx(w.tx, hid)
			if err != nil {
				return err
			}
			if add {
				h.GroupIDs = append(h.GroupIDs, id)
			} else {
				h.GroupIDs = slices.DeleteFunc(h.GroupIDs, func(x int64) bool { return x == id })
			}
			h.UpdatedAt = w.now
			return w.putHuman(h, nil)
		}
		for _, hid := range current {
			if !want[hid] {
				if err := change(hid, false); err != nil {
					return err
				}
			}
			delete(want, hid)
		}
		added := make([]int64, 0, len(want))
		for hid := range want {
			added = append(added, hid)
		}
		slices.Sort(added)
		for _, hid := range added {
			if err := change(hid, true); err != nil {
				return err
			}
		}
		g.UpdatedAt = w.now
		if err := w.putGroup(g); err != nil {
			return err
		}
		uid := gw.UID
		if uid == "" {
			_, uid = GroupResourceOf(id)
		}
		if err := w.nameGroupResource(id, gw.Name, uid); err != nil {
			return err
		}
		out = g
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	out.MemberCount = s.memberCount(out.ID)
	return out, created, nil
}

func (w *writer) nameGroupResource(id int64, name, uid string) error {
	names, ids := w.tx.Bucket(bucketGroupResNames), w.tx.Bucket(bucketGroupResIDs)
	if prev := ids.Get(itob(id)); prev != nil {
		_, prevName, _ := strings.Cut(string(prev), "\x00")
		if prevName != name {
			if err := names.Delete([]byte(prevName)); err != nil {
				return fmt.Errorf("store: renaming group resource: %w", err)
			}
		}
	}
	if err := names.Put([]byte(name), itob(id)); err != nil {
		return fmt.Errorf("store: naming group resource: %w", err)
	}
	if err := ids.Put(itob(id), []byte(uid+"\x00"+name)); err != nil {
		return fmt.Errorf("store: naming group resource: %w", err)
	}
	return nil
}
