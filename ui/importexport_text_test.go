package ui

import (
	"strings"
	"testing"

	"github.com/humans-contacts/humans/app"
)

func TestExportFileName(t *testing.T) {
	byLabel := map[string]exportChoice{}
	for _, c := range exportChoices {
		byLabel[c.label] = c
	}
	for _, tc := range []struct {
		choice, base, want string
	}{
		{"JSON", "", "contacts.json"},
		{"CSV", "", "contacts.csv"},
		{"vCard 3.0", "", "contacts.vcf"},
		{"vCard 4.0", "", "contacts.vcf"},
		{"Google CSV", "", "contacts-google.csv"},
		{"Outlook CSV", "", "contacts-outlook.csv"},
		{"Whole book (unified JSON)", "", "humans-export.json"},
		{"Whole book (unified JSON)", "Zoë", "humans-export.json"},
		{"vCard 3.0", "Zoë Durand", "Zoë Durand.vcf"},
		{"Google CSV", "Climbing", "Climbing-google.csv"},
		{"CSV", "a/b: c?", "a b c.csv"},
		{"JSON", "  ", "contacts.json"},
		{"JSON", "...", "contacts.json"},
	} {
		c, ok := byLabel[tc.choice]
		if !ok {
			t.Fatalf("no format %q", tc.choice)
		}
		if got := exportFileName(c, tc.base); got != tc.want {
			t.Errorf("exportFileName(%s, %q) = %q, want %q", tc.choice, tc.base, got, tc.want)
		}
	}
}

func TestSafeFileName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Zoë Durand", "Zoë Durand"},
		{`a\b/c:d*e?f"g<h>i|j`, "a b c d e f g h i j"},
		{".hidden", "hidden"},
		{"tab\there\nnewline", "tab here newline"},
		{"trailing. ", "trailing"},
		{strings.Repeat("x", 80), strings.Repeat("x", 64)},
		{"", ""},
	} {
		if got := safeFileName(tc.in); got != tc.want {
			t.Errorf("safeFileName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestExportChoicesCoverServiceFormats(t *testing.T) {
	seen := map[app.ExportFormat]bool{}
	for _, c := range exportChoices {
		seen[c.format] = true
	}
	for _, f := range app.ExportFormats {
		if !seen[f] {
			t.Errorf("format %s not offered", f)
		}
	}
	if !seen[""] {
		t.Error("the whole book is not offered")
	}
}

func counts(created, updated, skipped, failed int) app.ImportResultCounts {
	return app.ImportResultCounts{Created: created, Updated: updated, Skipped: skipped, Failed: failed}
}

func TestImportSummary(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    app.ImportResult
		want string
	}{
		{"dry run", app.ImportResult{DryRun: true, ImportResultCounts: counts(12, 3, 1, 2)}, "12 would be created, 3 updated, 1 skipped, 2 failed"},
		{"import", app.ImportResult{ImportResultCounts: counts(12, 3, 1, 2)}, "12 created, 3 updated, 1 skipped, 2 failed"},
		{"thousands", app.ImportResult{ImportResultCounts: counts(100000, 0, 0, 0)}, "100,000 created, 0 updated, 0 skipped, 0 failed"},
		{"empty", app.ImportResult{DryRun: true}, "No contacts found."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := importSummary(tc.r); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestImportCreatedText(t *testing.T) {
	many := []string{"A", "B", "C", "D", "E", "F", "G", "H", "I", "J"}
	for _, tc := range []struct {
		name string
		r    app.ImportResult
		want string
	}{
		{"nothing", app.ImportResult{}, ""},
		{"dry run", app.ImportResult{DryRun: true, CompaniesCreated: []string{"Acme"}, GroupsCreated: []string{"Clients", "Family"}},
			"Would create 1 company: Acme\nWould create 2 groups: Clients, Family"},
		{"import, groups only", app.ImportResult{GroupsCreated: []string{"Clients"}}, "Created 1 group: Clients"},
		{"capped", app.ImportResult{CompaniesCreated: many}, "Created 10 companies: A, B, C, D, E, F, G, H and 2 more"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := importCreatedText(tc.r); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestProblemAndActionText(t *testing.T) {
	for _, tc := range []struct {
		p    app.ImportProblem
		want string
	}{
		{app.ImportProblem{File: "people.vcf", Position: 4, Line: 12, Reason: "no name"}, "people.vcf, record 4, line 12: no name"},
		{app.ImportProblem{File: "b.csv", Position: 2, Reason: "bad e-mail"}, "b.csv, record 2: bad e-mail"},
		{app.ImportProblem{Position: 1, Reason: "x"}, "record 1: x"},
		{app.ImportProblem{File: "a.vcf", Position: 4, Line: 25, Reason: `card 4, line 25: malformed parameter`}, "a.vcf, record 4, line 25: malformed parameter"},
		{app.ImportProblem{File: "a.json", Position: 2, Line: 7, Reason: "line 7: bad birthday"}, "a.json, record 2, line 7: bad birthday"},
		{app.ImportProblem{File: "a.vcf", Position: 3, Reason: "invalid input: name: a contact needs a name"}, "a.vcf, record 3: name: a contact needs a name"},
	} {
		if got := problemText(tc.p); got != tc.want {
			t.Errorf("problemText(%+v) = %q, want %q", tc.p, got, tc.want)
		}
	}
	for _, tc := range []struct {
		a        app.ImportAction
		withFile bool
		want     string
	}{
		{app.ImportAction{File: "a.vcf", Position: 2, Name: "Zoë Núñez", Action: "create"}, false, "#2 Zoë Núñez: new"},
		{app.ImportAction{File: "a.vcf", Position: 1, Name: "Jean", Action: "update", Rule: "email"}, true, "a.vcf #1 Jean: update (same e-mail)"},
		{app.ImportAction{Position: 3, Name: "Zoe", Action: "update", Reason: "same person as record 2"}, false, "#3 Zoe: update (same person as record 2)"},
		{app.ImportAction{Position: 5, Name: "Old", Action: "skip", Rule: "uid", Reason: "already there"}, false, "#5 Old: skip (same UID, already there)"},
		{app.ImportAction{Position: 4, Action: "fail", Reason: "no name"}, false, "#4: failed (no name)"},
	} {
		if got := actionText(tc.a, tc.withFile); got != tc.want {
			t.Errorf("actionText(%+v) = %q, want %q", tc.a, got, tc.want)
		}
	}
}

func TestProblemAndActionLinesSayWhatIsLeftOut(t *testing.T) {
	r := app.ImportResult{
		ImportResultCounts: counts(1, 0, 0, 1002),
		Problems:           []app.ImportProblem{{File: "a.vcf", Position: 1, Reason: "x"}},
		Actions:            []app.ImportAction{{File: "a.vcf", Position: 1, Action: "fail"}, {File: "b.vcf", Position: 1, Name: "B", Action: "create"}},
	}
	p := problemLines(r)
	if len(p) != 2 || p[1] != "… and 1,001 more" {
		t.Errorf("problem lines %q", p)
	}
	a := actionLines(r)
	if len(a) != 3 || a[1] != "b.vcf #1 B: new" || a[2] != "… and 1,001 more" {
		t.Errorf("action lines %q", a)
	}
}

func TestProgressText(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    app.ImportProgress
		dry  bool
		want string
	}{
		{"start", app.ImportProgress{File: "a.vcf"}, true, "Checking a.vcf…"},
		{"known size", app.ImportProgress{File: "a.vcf", Records: 1500, BytesRead: 1_200_000, BytesTotal: 3_400_000}, false,
			"Importing a.vcf… 1,500 records read (1.2 MB of 3.4 MB)"},
		{"unknown size", app.ImportProgress{File: "pipe", Records: 500, BytesRead: 40_000}, false, "Importing pipe… 500 records read (40 KB)"},
		{"one record", app.ImportProgress{File: "a.csv", Records: 1, BytesRead: 90, BytesTotal: 90}, true, "Checking a.csv… 1 record read (90 bytes of 90 bytes)"},
		{"read past the size", app.ImportProgress{File: "a.csv", Records: 2, BytesRead: 120, BytesTotal: 90}, true, "Checking a.csv… 2 records read (90 bytes of 90 bytes)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := progressText(tc.p, tc.dry); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestFormatBytes(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{
		{0, "0 bytes"}, {1, "1 byte"}, {999, "999 bytes"}, {1000, "1 KB"}, {12_499, "12 KB"},
		{999_499, "999 KB"}, {1_500_000, "1.5 MB"}, {2_340_000_000, "2.34 GB"},
	} {
		if got := formatBytes(tc.n); got != tc.want {
			t.Errorf("formatBytes(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestImportMeter(t *testing.T) {
	type step struct {
		p     app.ImportProgress
		want  float64
		known bool
	}
	for _, tc := range []struct {
		name  string
		paths []string
		sizes []int64
		steps []step
	}{
		{"one file", []string{"/x/a.vcf"}, []int64{1000}, []step{
			{app.ImportProgress{File: "a.vcf", BytesRead: 250}, 0.25, true},
			{app.ImportProgress{File: "a.vcf", BytesRead: 1200}, 1, true},
		}},
		{"two files", []string{"/x/a.vcf", "/y/b.csv"}, []int64{100, 300}, []step{
			{app.ImportProgress{File: "a.vcf", BytesRead: 100}, 0.25, true},
			{app.ImportProgress{File: "b.csv", BytesRead: 150}, 0.625, true},
			{app.ImportProgress{File: "b.csv", BytesRead: 300, Done: true}, 1, true},
		}},
		{"same name twice", []string{"/x/a.vcf", "/y/a.vcf"}, []int64{100, 100}, []step{
			{app.ImportProgress{File: "a.vcf", BytesRead: 80}, 0.4, true},
			{app.ImportProgress{File: "a.vcf", BytesRead: 20}, 0.6, true},
		}},
		{"unknown size", []string{"/x/a.vcf", "/dev/stdin"}, []int64{100, 0}, []step{
			{app.ImportProgress{File: "a.vcf", BytesRead: 50}, 0, false},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newImportMeter(tc.paths, tc.sizes)
			for i, s := range tc.steps {
				got, known := m.fraction(s.p)
				if known != s.known || (known && (got < s.want-1e-9 || got > s.want+1e-9)) {
					t.Errorf("step %d: %v %v, want %v %v", i, got, known, s.want, s.known)
				}
			}
		})
	}
}

func TestExportDoneText(t *testing.T) {
	for _, tc := range []struct {
		n       int
		unified bool
		want    string
	}{
		{12, false, "Exported 12 contacts to /tmp/c.vcf"},
		{1, false, "Exported 1 contact to /tmp/c.vcf"},
		{0, false, "Exported no contacts to /tmp/c.vcf"},
		{1200, true, "Exported the whole book (1,200 contacts) to /tmp/c.vcf"},
	} {
		if got := exportDoneText(tc.n, tc.unified, "/tmp/c.vcf"); got != tc.want {
			t.Errorf("exportDoneText(%d, %v) = %q, want %q", tc.n, tc.unified, got, tc.want)
		}
	}
}
