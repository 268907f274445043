package google

import (
	"encoding/json"
	"testing"

	"google.golang.org/api/people/v1"

	"github.com/humans-contacts/humans/sync"
)

// personOf is c as the provider writes it (every mapped field, the UID,
// starred; labels aside: they need an account).
func personOf(t testing.TB, c sync.Contact) *people.Person {
	p := &people.Person{}
	for _, f := range mappedFields {
		if f == "memberships" {
			continue
		}
		if err := setField(p, c, f); err != nil {
			t.Fatalf("a contact the mapping gave cannot be written back: %v", err)
		}
	}
	if c.UID != "" {
		p.ClientData = []*people.ClientData{{Key: uidKey, Value: c.UID}}
	}
	if c.IsFavorite {
		p.Memberships = []*people.Membership{{ContactGroupMembership: &people.ContactGroupMembership{ContactGroupResourceName: groupStarred}}}
	}
	return p
}

var noGroups = func(string) (string, bool) { return "", false }

// FuzzMapping: any person Google may send maps without a panic, and the
// contact it gives, written back and read again, is the same contact:
// the mapping's normal form is stable, so a sync never sees a change
// that is only a matter of form (and never sends a fake update).
func FuzzMapping(f *testing.F) {
	for _, seed := range []string{
		`{"names":[{"givenName":"John","middleName":"Q","familyName":"Adams","unstructuredName":"J. Q. Adams"}]}`,
		`{"phoneNumbers":[{"value":"+1 555 0100 ext. 7","type":"homeFax"},{"value":"x","metadata":{"primary":true}}],"emailAddresses":[{"value":"a@b.c","metadata":{"sourcePrimary":true}},{"value":"d@e.f","metadata":{"primary":true}}]}`,
		`{"addresses":[{"streetAddress":"12 bis rue de la Paix","extendedAddress":"B","postalCode":"75002","city":"Paris","countryCode":"FR"},{"streetAddress":"Avenue 5th"}]}`,
		`{"birthdays":[{"date":{"month":2,"day":30}},{"text":"1990-01-02"}],"genders":[{"value":"nonbinary"}],"locales":[{"value":"??"}]}`,
		`{"urls":[{"value":"https://x.example","type":"homePage"},{"value":"a b"}],"imClients":[{"username":"u","protocol":"jabber"}],"userDefined":[{"key":"k","value":"v"},{"key":"k","value":"w"},{"key":" ","value":"z"}]}`,
		`{"clientData":[{"key":"humans.uid","value":"u1"}],"memberships":[{"contactGroupMembership":{"contactGroupResourceName":"contactGroups/starred"}},{}],"photos":[{"url":"http://p","default":true}]}`,
		`{"organizations":[{"name":"ACME","title":"Boss","department":"HQ","metadata":{"primary":true}},{"name":"Other"}],"biographies":[{"value":" notes "}],"nicknames":[{"value":"N"}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var p people.Person
		if json.Unmarshal(data, &p) != nil {
			return
		}
		c1 := toContact(&p, noGroups)
		sanitize(&c1)
		c2 := toContact(personOf(t, c1), noGroups)
		sanitize(&c2)
		if !c1.Equal(c2) || c1.UID != c2.UID {
			t.Fatalf("not stable:\n%+v\n%+v", c1, c2)
		}
		if fs := changedFields(c1, c2); len(fs) != 0 {
			t.Fatalf("equal contacts differ in %v", fs)
		}
	})
}
