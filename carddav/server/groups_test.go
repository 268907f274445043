package server

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/humans-contacts/humans/app"
)

// TestGroupCards: the three group models are one. A group card (4.0
// KIND:group from DAVx5, 3.0 X-ADDRESSBOOKSERVER-KIND from Apple) is the
// group of the same name, its members are the contacts whose CATEGORIES
// name it, and a change on either side shows on the other, in sync too.
func TestGroupCards(t *testing.T) {
	e := newEnv(t, Options{})
	a, _ := e.svc.CreateHuman(ctx, &app.Human{UID: "a", FirstName: "Ann", LastName: "A"})
	b, _ := e.svc.CreateHuman(ctx, &app.Human{UID: "b", FirstName: "Bob", LastName: "B"})
	_, body := e.expect(207, "REPORT", BookPath, syncBody("", ""))
	tok := first(reToken, body)

	// DAVx5 uploads a 4.0 group card.
	e.expect(201, "PUT", BookPath+"grp.vcf", "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:grp-uid\r\nKIND:group\r\nFN:Team\r\nMEMBER:urn:uuid:a\r\nMEMBER:urn:uuid:nobody\r\nEND:VCARD\r\n", "If-None-Match", "*")
	groups, _ := e.svc.Groups(ctx)
	if len(groups) != 1 || groups[0].Name != "Team" || groups[0].MemberCount != 1 {
		t.Fatalf("groups %+v", groups)
	}
	gid := groups[0].ID
	_, v3 := e.expect(200, "GET", BookPath+"grp.vcf", "")
	_, v4 := e.expect(200, "GET", BookPath+"grp.vcf", "", "Accept", "text/vcard; version=4.0")
	for _, want := range []string{"X-ADDRESSBOOKSERVER-KIND:group", "X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:a", "UID:grp-uid", "FN:Team", "N:Team;;;;"} {
		if !strings.Contains(v3, want) {
			t.Errorf("3.0 group card lacks %q:\n%s", want, v3)
		}
	}
	for _, want := range []string{"KIND:group", "MEMBER:urn:uuid:a", "VERSION:4.0"} {
		if !strings.Contains(v4, want) {
			t.Errorf("4.0 group card lacks %q:\n%s", want, v4)
		}
	}
	if strings.Contains(v3, "nobody") {
		t.Errorf("an unknown member is served:\n%s", v3)
	}
	_, ac := e.expect(200, "GET", BookPath+"a.vcf", "")
	if !strings.Contains(ac, "CATEGORIES:Team") {
		t.Fatalf("the member's card has no CATEGORIES:\n%s", ac)
	}
	_, body = e.expect(207, "REPORT", BookPath, syncBody(tok, ""))
	if got := all(reHref, body); !slices.Contains(got, BookPath+"grp.vcf") || !slices.Contains(got, BookPath+"a.vcf") || slices.Contains(got, BookPath+"b.vcf") {
		t.Fatalf("sync after the group card: %v", got)
	}
	tok = first(reToken, body)

	// The app adds Bob: the group card changes.
	if _, err := e.svc.AddGroupMembers(ctx, gid, []int64{b.ID}); err != nil {
		t.Fatal(err)
	}
	_, body = e.expect(207, "REPORT", BookPath, syncBody(tok, ""))
	if got := all(reHref, body); !slices.Contains(got, BookPath+"grp.vcf") || !slices.Contains(got, BookPath+"b.vcf") {
		t.Fatalf("sync after the app added a member: %v", got)
	}
	tok = first(reToken, body)
	h, v3 := e.expect(200, "GET", BookPath+"grp.vcf", "")
	if !strings.Contains(v3, "MEMBER:urn:uuid:b") {
		t.Fatalf("Bob is not in the card:\n%s", v3)
	}
	// A phone drops Ann's CATEGORIES: she leaves the group, and the group
	// card changes.
	e.expect(204, "PUT", BookPath+"a.vcf", card("a", "Ann A"))
	_, body = e.expect(207, "REPORT", BookPath, syncBody(tok, ""))
	if got := all(reHref, body); !slices.Contains(got, BookPath+"grp.vcf") {
		t.Fatalf("sync after a member left: %v", got)
	}
	tok = first(reToken, body)
	// A stale ETag on the group card: 412.
	e.expect(412, "PUT", BookPath+"grp.vcf", "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:grp-uid\r\nFN:Team\r\nN:Team;;;;\r\nX-ADDRESSBOOKSERVER-KIND:group\r\nEND:VCARD\r\n", "If-Match", h.Get("ETag"))
	h, _ = e.expect(200, "GET", BookPath+"grp.vcf", "")
	// Apple renames it and sets the members.
	e.expect(204, "PUT", BookPath+"grp.vcf", "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:grp-uid\r\nFN:Team B\r\nN:Team B;;;;\r\nX-ADDRESSBOOKSERVER-KIND:group\r\nX-ADDRESSBOOKSERVER-MEMBER:urn:uuid:a\r\nEND:VCARD\r\n", "If-Match", h.Get("ETag"))
	g, _ := e.svc.Group(ctx, gid)
	if g.Name != "Team B" || g.MemberCount != 1 {
		t.Fatalf("after the Apple write: %+v", g)
	}
	if hb, _ := e.svc.Human(ctx, b.ID); len(hb.GroupIDs) != 0 {
		t.Fatalf("Bob is still a member: %v", hb.GroupIDs)
	}
	// The two kinds of card do not replace each other.
	e.expect(409, "PUT", BookPath+"grp.vcf", card("grp-uid", "Not A Group"))
	e.expect(409, "PUT", BookPath+"a.vcf", "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:a\r\nKIND:group\r\nFN:X\r\nEND:VCARD\r\n")
	// Deleting the card deletes the group; its members stay.
	h, _ = e.expect(200, "GET", BookPath+"grp.vcf", "")
	e.expect(204, "DELETE", BookPath+"grp.vcf", "", "If-Match", h.Get("ETag"))
	if _, err := e.svc.Group(ctx, gid); err == nil {
		t.Fatal("the group survived its card")
	}
	if ha, err := e.svc.Human(ctx, a.ID); err != nil || ha.DeletedAt != nil || len(ha.GroupIDs) != 0 {
		t.Fatalf("Ann after the group's delete: %+v %v", ha, err)
	}
	_, body = e.expect(207, "REPORT", BookPath, syncBody(tok, ""))
	if !strings.Contains(body, "<d:href>"+BookPath+"grp.vcf</d:href><d:status>HTTP/1.1 404 Not Found</d:status>") {
		t.Fatalf("the deleted group card is not reported:\n%s", body)
	}
}

// TestAllGroupsAsCards: with the setting on, groups made from CATEGORIES
// or in the app are served as group cards too, and a card of the same
// name takes the group over.
func TestAllGroupsAsCards(t *testing.T) {
	e := newEnv(t, Options{})
	e.expect(201, "PUT", BookPath+"c.vcf", card("c", "Cat Egory", "CATEGORIES:Friends"))
	_, body := e.expect(207, "PROPFIND", BookPath, `<propfind xmlns="DAV:"><prop><getetag/></prop></propfind>`, "Depth", "1")
	if n := len(all(reHref, body)); n != 2 {
		t.Fatalf("group cards listed with the setting off:\n%s", body)
	}
	if err := e.svc.SetServerSettings(func(s *app.ServerSettings) { s.GroupCards = true }); err != nil {
		t.Fatal(err)
	}
	groups, _ := e.svc.Groups(ctx)
	_, body = e.expect(207, "PROPFIND", BookPath, `<propfind xmlns="DAV:"><prop><getetag/></prop></propfind>`, "Depth", "1")
	derived := BookPath + "humans-group-" + strconv.FormatInt(groups[0].ID, 10) + ".vcf"
	if !slices.Contains(all(reHref, body), derived) {
		t.Fatalf("the group is not listed as a card:\n%s", body)
	}
	_, got := e.expect(200, "GET", derived, "")
	if !strings.Contains(got, "FN:Friends") || !strings.Contains(got, "X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:c") {
		t.Fatalf("derived group card:\n%s", got)
	}
	// iOS creates a group card named Friends: it is the same group.
	e.expect(201, "PUT", BookPath+"ios-group.vcf", "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:ios-g\r\nFN:Friends\r\nN:Friends;;;;\r\nX-ADDRESSBOOKSERVER-KIND:group\r\nX-ADDRESSBOOKSERVER-MEMBER:urn:uuid:c\r\nEND:VCARD\r\n")
	after, _ := e.svc.Groups(ctx)
	if len(after) != 1 || after[0].ID != groups[0].ID {
		t.Fatalf("groups after the card: %+v", after)
	}
	_, body = e.expect(207, "PROPFIND", BookPath, `<propfind xmlns="DAV:"><prop><getetag/></prop></propfind>`, "Depth", "1")
	if got := all(reHref, body); !slices.Contains(got, BookPath+"ios-group.vcf") || slices.Contains(got, derived) {
		t.Fatalf("listing after the takeover: %v", got)
	}
}
