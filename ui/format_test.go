package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/humans-contacts/humans/app"
)

func TestParseBirthday(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    *app.Birthday
		wantErr string
	}{
		{in: "", want: nil},
		{in: "   ", want: nil},
		{in: "1990-03-12", want: &app.Birthday{Year: 1990, Month: 3, Day: 12}},
		{in: " 1990-3-2 ", want: &app.Birthday{Year: 1990, Month: 3, Day: 2}},
		{in: "--03-12", want: &app.Birthday{Month: 3, Day: 12}},
		{in: "--0312", want: &app.Birthday{Month: 3, Day: 12}},
		{in: "--02-29", want: &app.Birthday{Month: 2, Day: 29}},
		{in: "2000-02-29", want: &app.Birthday{Year: 2000, Month: 2, Day: 29}},
		{in: "1999-02-29", wantErr: "no day 29"},
		{in: "1990-02-30", wantErr: "February has no day 30"},
		{in: "1990-13-01", wantErr: "month must be between"},
		{in: "--00-10", wantErr: "month must be between"},
		{in: "12/03/1990", wantErr: "is not a date"},
		{in: "1990-03", wantErr: "is not a date"},
		{in: "90-03-12", wantErr: "is not a date"},
		{in: "--3", wantErr: "is not a date"},
		{in: "--03-1x", wantErr: "is not a date"},
		{in: "1990-03-123", wantErr: "is not a date"},
		{in: "0000-03-12", wantErr: "is not a date"},
		{in: "tomorrow", wantErr: "is not a date"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := app.ParseBirthday(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("app.ParseBirthday(%q) = %+v, %v; want an error with %q", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("app.ParseBirthday(%q): %v", tc.in, err)
			}
			if (got == nil) != (tc.want == nil) || (got != nil && *got != *tc.want) {
				t.Fatalf("app.ParseBirthday(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
			// What the editor writes back reads the same.
			if again, err := app.ParseBirthday(birthdayText(got)); err != nil || (got != nil && *again != *got) {
				t.Errorf("round trip of %q through %q: %+v, %v", tc.in, birthdayText(got), again, err)
			}
		})
	}
}

func TestBirthdayLong(t *testing.T) {
	for _, tc := range []struct {
		in   *app.Birthday
		want string
	}{
		{nil, ""},
		{&app.Birthday{Year: 1990, Month: 3, Day: 12}, "12 March 1990"},
		{&app.Birthday{Month: 12, Day: 1}, "1 December"},
	} {
		if got := birthdayLong(tc.in); got != tc.want {
			t.Errorf("birthdayLong(%+v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSecondaryLine(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   app.Summary
		want string
	}{
		{"company first", app.Summary{DisplayName: "Ann", CompanyName: "Acme", JobTitle: "CEO", PrimaryEmail: "a@x.org"}, "Acme"},
		{"then the job", app.Summary{DisplayName: "Ann", JobTitle: "CEO", PrimaryEmail: "a@x.org"}, "CEO"},
		{"then the e-mail", app.Summary{DisplayName: "Ann", PrimaryEmail: "a@x.org", PrimaryPhone: "+33 6"}, "a@x.org"},
		{"then the phone", app.Summary{DisplayName: "Ann", PrimaryPhone: "+33 6"}, "+33 6"},
		{"not the name again", app.Summary{DisplayName: "a@x.org", PrimaryEmail: "a@x.org", PrimaryPhone: "+33 6"}, "+33 6"},
		{"blank company skipped", app.Summary{DisplayName: "Ann", CompanyName: "  ", JobTitle: "CEO"}, "CEO"},
		{"nothing", app.Summary{DisplayName: "Ann"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := secondaryLine(tc.in); got != tc.want {
				t.Errorf("secondaryLine = %q, want %q", got, tc.want)
			}
		})
	}
	if got := rowName(app.Summary{}); got != "(no name)" {
		t.Errorf("rowName of nothing = %q", got)
	}
}

func TestViewQuery(t *testing.T) {
	for _, tc := range []struct {
		name  string
		view  viewState
		q     string
		sort  string
		fav   bool
		trash bool
	}{
		{"everyone by name", viewState{}, "", "display_name", false, false},
		{"one letter is no search", viewState{text: " z "}, "", "display_name", false, false},
		{"search by relevance", viewState{text: " zoe "}, "zoe", "relevance", false, false},
		{"two runes", viewState{text: "zö"}, "zö", "relevance", false, false},
		{"favourites", viewState{favourites: true}, "", "display_name", true, false},
		{"favourite search", viewState{text: "ann", favourites: true}, "ann", "relevance", true, false},
		{"trash", viewState{trash: true, favourites: true}, "", "", false, true},
		{"trash search", viewState{trash: true, text: "ann"}, "ann", "", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := tc.view.query()
			if q.Q != tc.q || string(q.Sort) != tc.sort || (q.IsFavorite != nil) != tc.fav || q.Trashed != tc.trash {
				t.Errorf("query = %+v", q)
			}
			if q.IsFavorite != nil && !*q.IsFavorite {
				t.Error("favourites filter asks for non-favourites")
			}
		})
	}
}

func TestStatusText(t *testing.T) {
	for _, tc := range []struct {
		n    int
		view viewState
		want string
	}{
		{0, viewState{}, "No contacts"},
		{1, viewState{}, "1 contact"},
		{100000, viewState{}, "100,000 contacts"},
		{2, viewState{text: "an"}, "2 matches"},
		{0, viewState{text: "an"}, "No matches"},
		{2, viewState{text: "a"}, "2 contacts"},
		{3, viewState{favourites: true}, "3 favourites"},
		{0, viewState{trash: true}, "The Trash is empty"},
		{1, viewState{trash: true}, "1 contact in the Trash"},
	} {
		if got := statusText(tc.n, tc.view); got != tc.want {
			t.Errorf("statusText(%d, %+v) = %q, want %q", tc.n, tc.view, got, tc.want)
		}
	}
}

func TestFormatCount(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 123456: "123,456", 1234567: "1,234,567", -1500: "-1,500"} {
		if got := formatCount(n); got != want {
			t.Errorf("formatCount(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestEmptyStateText(t *testing.T) {
	for _, tc := range []struct {
		n         int
		bookEmpty bool
		view      viewState
		want      string
	}{
		{0, true, viewState{}, "No contacts yet – press Ctrl+N to add one"},
		{3, false, viewState{}, "Select a contact"},
		{0, false, viewState{text: "zz"}, "No contact matches “zz”"},
		{0, false, viewState{trash: true}, "The Trash is empty"},
		{2, false, viewState{trash: true}, "Select a contact in the Trash to restore it"},
	} {
		if got := emptyStateText(tc.n, tc.bookEmpty, tc.view); got != tc.want {
			t.Errorf("emptyStateText(%d, %v, %+v) = %q, want %q", tc.n, tc.bookEmpty, tc.view, got, tc.want)
		}
	}
}

func TestParseFieldKey(t *testing.T) {
	for key, want := range map[string]fieldKey{
		"birthday":                   {list: "birthday", index: -1},
		"emails[0].address":          {list: "emails", index: 0, sub: "address"},
		"phone_numbers[12].number":   {list: "phone_numbers", index: 12, sub: "number"},
		"addresses[1]":               {list: "addresses", index: 1},
		"custom_fields.shoe":         {list: "custom_fields.shoe", index: -1},
		"emails[x].address":          {list: "emails[x].address", index: -1},
		"emails[":                    {list: "emails[", index: -1},
		"consents[0].granted_at":     {list: "consents", index: 0, sub: "granted_at"},
		"phone_numbers":              {list: "phone_numbers", index: -1},
		"emails[-1].address":         {list: "emails[-1].address", index: -1},
		"ims[3].handle":              {list: "ims", index: 3, sub: "handle"},
		"urls[0].url":                {list: "urls", index: 0, sub: "url"},
		"addresses[0].zip":           {list: "addresses", index: 0, sub: "zip"},
		"group_ids":                  {list: "group_ids", index: -1},
		"first_name":                 {list: "first_name", index: -1},
		"company_id":                 {list: "company_id", index: -1},
		"name":                       {list: "name", index: -1},
		"phone_numbers[0].extension": {list: "phone_numbers", index: 0, sub: "extension"},
	} {
		if got := parseFieldKey(key); got != want {
			t.Errorf("parseFieldKey(%q) = %+v, want %+v", key, got, want)
		}
	}
}

func TestErrorText(t *testing.T) {
	for _, tc := range []struct{ label, msg, want string }{
		{"Address", "is empty", "Address is empty"},
		{"E-mail", `"x" is not an e-mail address`, `"x" is not an e-mail address`},
		{"Company", "no company has id 9", "No company has id 9"},
		{"", "is empty", "Is empty"},
		{"Language", "  ", ""},
	} {
		if got := errorText(tc.label, tc.msg); got != tc.want {
			t.Errorf("errorText(%q, %q) = %q, want %q", tc.label, tc.msg, got, tc.want)
		}
	}
}

func TestUniqueLabels(t *testing.T) {
	got := uniqueLabels([]string{"Acme", "Acme", "", "Acme (2)", "Beta"})
	want := []string{"Acme", "Acme (2)", "(no name)", "Acme (2) (2)", "Beta"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("uniqueLabels = %q, want %q", got, want)
	}
	seen := map[string]bool{}
	for _, l := range got {
		if seen[l] {
			t.Errorf("label %q repeated", l)
		}
		seen[l] = true
	}
}

func TestFormatAddress(t *testing.T) {
	a := app.Address{Street: "rue de la Paix", Number: "12", Zip: "75002", City: "Paris", Country: "France"}
	if got, want := formatAddress(a), "12 rue de la Paix\n75002 Paris\nFrance"; got != want {
		t.Errorf("formatAddress = %q, want %q", got, want)
	}
	if got := formatAddress(app.Address{City: "Lyon"}); got != "Lyon" {
		t.Errorf("formatAddress of a city = %q", got)
	}
}

func TestTrashLine(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.Local)
	for _, tc := range []struct {
		deleted time.Time
		want    string
	}{
		{now.Add(-time.Hour), "Deleted today · 30 days left"},
		{now.Add(-24 * time.Hour), "Deleted yesterday · 29 days left"},
		{now.Add(-29*24*time.Hour - time.Hour), "Deleted 9 Feb · 1 day left"},
		{now.Add(-31 * 24 * time.Hour), "Deleted 7 Feb · deleted for good soon"},
		{time.Date(2025, 12, 31, 12, 0, 0, 0, time.Local), "Deleted 31 Dec 2025 · deleted for good soon"},
		{time.Time{}, "In the Trash"},
	} {
		if got := trashLine(tc.deleted, now, 30); got != tc.want {
			t.Errorf("trashLine(%v) = %q, want %q", tc.deleted, got, tc.want)
		}
	}
}

func TestPatchForSetsEveryEditedField(t *testing.T) {
	h := &app.Human{FirstName: "Ann", Birthday: &app.Birthday{Month: 1, Day: 2}}
	p := patchFor(h)
	for name, set := range map[string]bool{
		"FirstName": p.FirstName != nil, "LastName": p.LastName != nil, "DisplayName": p.DisplayName != nil,
		"Nickname": p.Nickname != nil, "Prefix": p.Prefix != nil, "Suffix": p.Suffix != nil,
		"Gender": p.Gender != nil, "JobTitle": p.JobTitle != nil, "Department": p.Department != nil,
		"CompanyID": p.CompanyID != nil, "Birthday": p.Birthday != nil, "Notes": p.Notes != nil,
		"Language": p.Language != nil, "Phones": p.Phones != nil, "Emails": p.Emails != nil,
		"Addresses": p.Addresses != nil, "URLs": p.URLs != nil, "IMs": p.IMs != nil, "GroupIDs": p.GroupIDs != nil,
	} {
		if !set {
			t.Errorf("patch leaves %s unset", name)
		}
	}
	for name, set := range map[string]bool{
		"Source": p.Source != nil, "IsFavorite": p.IsFavorite != nil, "PhotoURL": p.PhotoURL != nil,
		"CustomFields": p.CustomFields != nil, "Consents": p.Consents != nil, "Extra": p.Extra != nil,
	} {
		if set {
			t.Errorf("patch sets %s, which the editor does not show", name)
		}
	}
	if *p.FirstName != "Ann" || *p.Birthday != h.Birthday {
		t.Errorf("patch values: %q %v", *p.FirstName, *p.Birthday)
	}
}

func TestDetailSections(t *testing.T) {
	h := &app.Human{
		FirstName: "Ann", LastName: "Lee", DisplayName: "Annie L.",
		Phones:       []app.Phone{{Number: "+33 6", Type: "mobile", IsPrimary: true}, {Number: "01", Extension: "12"}},
		URLs:         []app.URL{{URL: "example.com/ann", Type: "website"}},
		GroupIDs:     []int64{2, 1},
		Birthday:     &app.Birthday{Month: 5, Day: 4},
		Notes:        "Likes tea",
		CustomFields: map[string]string{"shoe": "38", "budget": "12"},
	}
	d := detailData{human: h, groups: map[int64]string{1: "Work", 2: "Climbing"},
		fields: map[string]app.CustomFieldDef{"budget": {Key: "budget", Label: "Budget", Currency: "EUR"}}}
	var got []string
	for _, s := range detailSections(d) {
		for _, r := range s.rows {
			got = append(got, s.title+"/"+r.key+"="+r.text)
		}
	}
	want := []string{
		"Phone/Mobile (primary)=+33 6", "Phone/Other=01 ext. 12",
		"Web/Website=example.com/ann",
		"Personal/Birthday=4 May", "Personal/Groups=Climbing, Work", "Personal/Full name=Ann Lee",
		"More/Budget=12 EUR", "More/shoe=38",
		"Notes/=Likes tea",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("sections:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if u := webLink("example.com/ann"); u == nil || u.String() != "https://example.com/ann" {
		t.Errorf("webLink = %v", u)
	}
	if u := webLink("javascript:alert(1)"); u != nil {
		t.Errorf("webLink of a script = %v", u)
	}
}

func TestJobLine(t *testing.T) {
	for _, tc := range []struct{ job, dept, company, want string }{
		{"CEO", "", "Acme", "CEO · Acme"},
		{"Engineer", "R&D", "Acme", "Engineer, R&D · Acme"},
		{"", "", "Acme", "Acme"},
		{"", "", "", ""},
	} {
		if got := jobLine(tc.job, tc.dept, tc.company); got != tc.want {
			t.Errorf("jobLine(%q, %q, %q) = %q, want %q", tc.job, tc.dept, tc.company, got, tc.want)
		}
	}
}

func TestFooterLine(t *testing.T) {
	created := time.Date(2026, 1, 2, 10, 0, 0, 0, time.Local)
	for _, tc := range []struct {
		h    app.Human
		want string
	}{
		{app.Human{Source: "manual", CreatedAt: created, UpdatedAt: created}, "Created here on 2 Jan 2026"},
		{app.Human{Source: "carddav", CreatedAt: created, UpdatedAt: created.Add(time.Hour)}, "From a phone or mail app (CardDAV) on 2 Jan 2026 · changed 2 Jan 2026 11:00"},
		{app.Human{Source: "fax"}, "From fax"},
		{app.Human{}, ""},
	} {
		if got := footerLine(&tc.h); got != tc.want {
			t.Errorf("footerLine(%s) = %q, want %q", tc.h.Source, got, tc.want)
		}
	}
}

func TestAlreadyRunningContent(t *testing.T) {
	test.NewTempApp(t)
	pressed := false
	c := alreadyRunningContent("/home/zoe/.config/Humans", func() { pressed = true })
	w := test.NewWindow(c)
	defer w.Close()
	var label *widget.Label
	var button *widget.Button
	for _, o := range test.LaidOutObjects(c) {
		switch v := o.(type) {
		case *widget.Label:
			label = v
		case *widget.Button:
			button = v
		}
	}
	if label == nil || !strings.Contains(label.Text, "already running") || !strings.Contains(label.Text, "/home/zoe/.config/Humans") {
		t.Fatalf("message: %+v", label)
	}
	test.Tap(button)
	if !pressed {
		t.Fatal("OK does not close")
	}
}
