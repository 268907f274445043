package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-vcard"

	"github.com/humans-contacts/humans/carddav"
	"github.com/humans-contacts/humans/store"
)

// Group cards: a group as a vCard of its own, as Apple clients
// (X-ADDRESSBOOKSERVER-KIND:group and -MEMBER) and DAVx5 or vCard 4.0
// clients (KIND:group and MEMBER) keep groups. They map onto the one
// group model: the card's FN is the group's name, its members are the
// contacts whose CATEGORIES name the group.

// GroupResource is a group as a card of the address book.
type GroupResource = store.GroupResource

// IsGroupCardBody reports whether body is a group card (it parses as a
// vCard with KIND:group or X-ADDRESSBOOKSERVER-KIND:group).
func IsGroupCardBody(body []byte) bool {
	card, err := carddav.ParseCard(body)
	return err == nil && carddav.IsGroupCard(card)
}

// PutGroupCardOptions are the preconditions of PutGroupCard.
type PutGroupCardOptions struct {
	// IfMatchRevision, when not 0, is the group revision the group must
	// still have, else ErrConflict.
	IfMatchRevision uint64
	MustNotExist    bool
}

// PutGroupCard stores a group card under the resource name: the group
// named by its FN (created, or taken over when a group of that name has
// no card yet), with the contacts its MEMBER (4.0) or
// X-ADDRESSBOOKSERVER-MEMBER (3.0) lines name as members ("urn:uuid:"
// UIDs; unknown ones are left out). It returns the group and whether it
// was created.
func (s *Service) PutGroupCard(ctx context.Context, name string, body []byte, opts PutGroupCardOptions) (*Group, bool, error) {
	card, err := carddav.ParseCard(body)
	if err != nil {
		return nil, false, &CardError{Err: err}
	}
	if !carddav.IsGroupCard(card) {
		return nil, false, &CardError{Err: fmt.Errorf("not a group card (no KIND:group)")}
	}
	groupName := strings.TrimSpace(card.PreferredValue(vcard.FieldFormattedName))
	if groupName == "" {
		if n := card.Name(); n != nil {
			groupName = strings.TrimSpace(n.FamilyName)
		}
	}
	var members []string
	for _, prop := range []string{vcard.FieldMember, "X-ADDRESSBOOKSERVER-MEMBER"} {
		for _, f := range card[prop] {
			v := strings.TrimSpace(f.Value)
			v = strings.TrimPrefix(strings.TrimPrefix(v, "urn:uuid:"), "URN:UUID:")
			if v != "" {
				members = append(members, v)
			}
		}
	}
	uid := strings.TrimPrefix(strings.TrimSpace(card.Value(vcard.FieldUID)), "urn:uuid:")
	g, created, err := s.store.PutGroupResource(ctx, store.GroupWrite{
		Name: name, UID: uid, GroupName: groupName, MemberUIDs: members,
		IfMatchRevision: opts.IfMatchRevision, MustNotExist: opts.MustNotExist,
	})
	if err != nil {
		return nil, false, fmt.Errorf("app: storing group card %q: %w", name, err)
	}
	return g, created, nil
}

// GroupCards lists the groups served as cards: those a client created as
// cards, and every group when all is true.
func (s *Service) GroupCards(ctx context.Context, all bool) ([]GroupResource, error) {
	return s.store.GroupResources(ctx, all)
}

// GroupCardByName returns the group card named name, or ErrNotFound.
func (s *Service) GroupCardByName(ctx context.Context, name string) (GroupResource, error) {
	return s.store.ResolveGroupResource(ctx, name)
}

// GroupCardNames returns the resource names of groups, deleted ones too.
func (s *Service) GroupCardNames(ctx context.Context, ids []int64) (map[int64]string, error) {
	return s.store.GroupResourceNames(ctx, ids)
}

// HumanGroups returns a live contact's group ids from memory.
func (s *Service) HumanGroups(id int64) []int64 { return s.store.HumanGroups(id) }

// GroupMemberships returns the groups of every live contact in one.
func (s *Service) GroupMemberships() map[int64][]int64 { return s.store.GroupMemberships() }

// EncodeGroupCard writes a group card of version "3.0" (Apple's
// X-ADDRESSBOOKSERVER-KIND and -MEMBER) or "4.0" (KIND and MEMBER), with
// its members' UIDs in order.
func (s *Service) EncodeGroupCard(ctx context.Context, gr GroupResource, version string) ([]byte, error) {
	g, err := s.store.GetGroup(ctx, gr.ID)
	if err != nil {
		return nil, err
	}
	ids, err := s.store.GroupMemberIDs(ctx, gr.ID)
	if err != nil {
		return nil, err
	}
	uids, err := s.store.HumanUIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	members := make([]string, 0, len(uids))
	for _, u := range uids {
		members = append(members, u)
	}
	slices.Sort(members)
	return encodeGroupCard(gr.UID, g.Name, members, g.UpdatedAt, version)
}

func encodeGroupCard(uid, name string, members []string, updated time.Time, version string) ([]byte, error) {
	field := func(v string) []*vcard.Field { return []*vcard.Field{{Value: v}} }
	card := vcard.Card{
		vcard.FieldVersion:       field(version),
		vcard.FieldProductID:     field(carddav.ProductID),
		vcard.FieldUID:           field(uid),
		vcard.FieldFormattedName: field(name),
		vcard.FieldRevision:      field(updated.UTC().Format("20060102T150405Z")),
	}
	kind, member := "X-ADDRESSBOOKSERVER-KIND", "X-ADDRESSBOOKSERVER-MEMBER"
	if version == "4.0" {
		kind, member = vcard.FieldKind, vcard.FieldMember
	} else {
		card[vcard.FieldName] = field(strings.ReplaceAll(name, ";", `\;`) + ";;;;")
	}
	card[kind] = field("group")
	for _, m := range members {
		card[member] = append(card[member], &vcard.Field{Value: "urn:uuid:" + m})
	}
	return carddav.AppendCard(nil, card)
}
