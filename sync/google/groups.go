package google

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/api/googleapi"
	"google.golang.org/api/people/v1"

	"github.com/humans-contacts/humans/store"
)

// groups caches the account's user contact groups (labels), read once
// per provider and again when a contact names one it does not know.
type groups struct {
	p      *Provider
	loaded bool
	byRN   map[string]string // user groups: resource name → name
	byName map[string]string // folded name → resource name
	// missing are groups contacts name that the listing does not have.
	missing map[string]bool
}

func (g *groups) load(ctx context.Context) error {
	byRN, byName := map[string]string{}, map[string]string{}
	err := g.p.svc.ContactGroups.List().PageSize(1000).GroupFields("name,groupType,metadata").Pages(ctx,
		func(resp *people.ListContactGroupsResponse) error {
			for _, cg := range resp.ContactGroups {
				if cg == nil || cg.GroupType != "USER_CONTACT_GROUP" || (cg.Metadata != nil && cg.Metadata.Deleted) {
					continue
				}
				byRN[cg.ResourceName] = cg.Name
				if _, dup := byName[store.Fold(cg.Name)]; !dup {
					byName[store.Fold(cg.Name)] = cg.ResourceName
				}
			}
			return nil
		})
	if err != nil {
		return classify("listing contact groups", err, false)
	}
	g.byRN, g.byName, g.loaded = byRN, byName, true
	if g.missing == nil {
		g.missing = map[string]bool{}
	}
	return nil
}

// name is the name of a user group; false for a system group or an
// unknown one.
func (g *groups) name(rn string) (string, bool) {
	n, ok := g.byRN[rn]
	return n, ok
}

// ensureKnown loads the groups when persons name a user group not
// known yet. A group still unknown after a reload (deleted since) is
// remembered, so that it costs one reload, not one per page.
func (g *groups) ensureKnown(ctx context.Context, persons []*people.Person) error {
	for _, person := range persons {
		if person == nil {
			continue
		}
		for _, m := range person.Memberships {
			if m == nil || m.ContactGroupMembership == nil {
				continue
			}
			rn := groupRN(m.ContactGroupMembership)
			if _, ok := g.byRN[rn]; ok || systemGroup(rn) || g.missing[rn] {
				continue
			}
			if err := g.load(ctx); err != nil {
				return err
			}
			if _, ok := g.byRN[rn]; !ok {
				g.missing[rn] = true
			}
		}
	}
	return nil
}

// systemGroup: Google's own groups are named by a word, user groups by a
// hexadecimal id.
func systemGroup(rn string) bool {
	switch rn {
	case "contactGroups/myContacts", "contactGroups/starred", "contactGroups/friends", "contactGroups/family",
		"contactGroups/coworkers", "contactGroups/chatBuddies", "contactGroups/all", "contactGroups/blocked":
		return true
	}
	return false
}

// ensure returns the resource name of the user group called name
// (folded), creating it when the account has none; an existing label of
// that name is always reused, never duplicated.
func (g *groups) ensure(ctx context.Context, name string) (string, error) {
	if !g.loaded {
		if err := g.load(ctx); err != nil {
			return "", err
		}
	}
	if rn, ok := g.byName[store.Fold(name)]; ok {
		return rn, nil
	}
	cg, err := g.p.svc.ContactGroups.Create(&people.CreateContactGroupRequest{
		ContactGroup: &people.ContactGroup{Name: name}}).Context(ctx).Do()
	var ge *googleapi.Error
	if errors.As(err, &ge) && ge.Code == 409 {
		// Made meanwhile (or a name Google folds alike): read it back.
		if err := g.load(ctx); err != nil {
			return "", err
		}
		if rn, ok := g.byName[store.Fold(name)]; ok {
			return rn, nil
		}
		// A name Google keeps for itself ("Starred"): this contact's
		// groups cannot be sent; the others go on.
		return "", &store.ValidationError{Fields: map[string]string{"groups": fmt.Sprintf("Google has a label %q of its own: rename the group to sync it", name)}}
	}
	if err != nil {
		return "", classify(fmt.Sprintf("creating label %q", name), err, true)
	}
	g.byRN[cg.ResourceName] = cg.Name
	g.byName[store.Fold(name)] = cg.ResourceName
	g.p.log.Info("google: label created", "name", name, "group", cg.ResourceName)
	return cg.ResourceName, nil
}

// RenameGroup renames the label called old to new (sync.GroupRenamer):
// a group renamed in the book stays one label in Google, with its
// members, instead of a new label beside an emptied old one. Nothing is
// done when Google has no label called old, or one called new already
// (the push then moves the contacts as usual).
func (p *Provider) RenameGroup(ctx context.Context, old, new string) error {
	g := p.groups
	if !g.loaded {
		if err := g.load(ctx); err != nil {
			return err
		}
	}
	rn, ok := g.byName[store.Fold(old)]
	if !ok {
		return nil
	}
	if _, taken := g.byName[store.Fold(new)]; taken && store.Fold(new) != store.Fold(old) {
		return nil
	}
	cur, err := p.svc.ContactGroups.Get(rn).GroupFields("name").Context(ctx).Do()
	if err != nil {
		return classify(fmt.Sprintf("reading label %q", old), err, false)
	}
	cg, err := p.svc.ContactGroups.Update(rn, &people.UpdateContactGroupRequest{
		ContactGroup: &people.ContactGroup{Name: new, Etag: cur.Etag}, UpdateGroupFields: "name"}).Context(ctx).Do()
	var ge *googleapi.Error
	if errors.As(err, &ge) && ge.Code == 409 {
		// A label of that name appeared meanwhile: the push uses it.
		return g.load(ctx)
	}
	if err != nil {
		return classify(fmt.Sprintf("renaming label %q", old), err, true)
	}
	delete(g.byName, store.Fold(old))
	g.byRN[rn] = cg.Name
	g.byName[store.Fold(cg.Name)] = rn
	p.log.Info("google: label renamed", "from", old, "to", cg.Name, "group", rn)
	return nil
}
