package server

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/humans-contacts/humans/app"
)

// TestVdirsyncer syncs a folder of .vcf files with the server using
// vdirsyncer, a real CardDAV client from Debian (make deps installs it):
// download, upload of a new card (If-None-Match: *), an edit (If-Match),
// a delete, and an edit made in the app, both ways.
func TestVdirsyncer(t *testing.T) {
	bin, err := exec.LookPath("vdirsyncer")
	if err != nil {
		t.Fatal("vdirsyncer is not installed: run make deps (apt-get install vdirsyncer)")
	}
	e := newEnv(t, Options{})
	co, _ := e.svc.CreateCompany(ctx, &app.Company{Name: "Analytical Engines"})
	ada, err := e.svc.CreateHuman(ctx, &app.Human{UID: "ada", FirstName: "Ada", LastName: "Lovelace", CompanyID: co.ID, Emails: []app.Email{{Address: "ada@example.org"}}})
	if err != nil {
		t.Fatal(err)
	}
	alan, _ := e.svc.CreateHuman(ctx, &app.Human{UID: "alan", FirstName: "Alan", LastName: "Turing"})

	dir := t.TempDir()
	local := filepath.Join(dir, "local")
	os.MkdirAll(local, 0o700)
	config := `[general]
status_path = "` + filepath.Join(dir, "status") + `/"

[pair humans]
a = "local"
b = "remote"
collections = null
conflict_resolution = "b wins"

[storage local]
type = "filesystem"
path = "` + local + `/"
fileext = ".vcf"

[storage remote]
type = "carddav"
url = "` + e.srv.URL + BookPath + `"
username = "` + e.user + `"
password = "` + e.pass + `"
`
	cfg := filepath.Join(dir, "config")
	if err := os.WriteFile(cfg, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	vd := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"-c", cfg}, args...)...)
		cmd.Stdin = strings.NewReader(strings.Repeat("y\n", 10))
		cmd.Env = append(os.Environ(), "HOME="+dir, "LC_ALL=C.UTF-8", "LANG=C.UTF-8")
		out, err := cmd.CombinedOutput()
		if err != nil || strings.Contains(string(out), "error:") {
			t.Fatalf("vdirsyncer %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	read := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(local, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	vd("discover")
	vd("sync")
	if got := read("ada.vcf"); !strings.Contains(got, "FN:Ada Lovelace") || !strings.Contains(got, "ORG:Analytical Engines") {
		t.Fatalf("downloaded card:\n%s", got)
	}
	read("alan.vcf")

	// A card written locally is uploaded.
	os.WriteFile(filepath.Join(local, "grace.vcf"), []byte("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:grace\r\nFN:Grace Hopper\r\nN:Hopper;Grace;;;\r\nTEL;TYPE=CELL:+1 202 555 0143\r\nEND:VCARD\r\n"), 0o600)
	vd("sync")
	page, err := e.svc.ListHumans(ctx, app.Query{Q: "Grace Hopper"})
	if err != nil || page.Total != 1 || page.Humans[0].Phones[0].Number == "" {
		t.Fatalf("the uploaded card is not in the book: %+v %v", page, err)
	}
	// vdirsyncer reads back what the server made of it.
	vd("sync")

	// A local edit reaches the app, with If-Match.
	edited := strings.Replace(read("ada.vcf"), "FN:Ada Lovelace", "FN:Ada King", 1)
	edited = strings.Replace(edited, "N:Lovelace;Ada;;;", "N:King;Ada;;;", 1)
	os.WriteFile(filepath.Join(local, "ada.vcf"), []byte(edited), 0o600)
	vd("sync")
	got, err := e.svc.Human(ctx, ada.ID)
	if err != nil || got.LastName != "King" || got.CompanyID != co.ID {
		t.Fatalf("after the local edit: %+v %v", got, err)
	}

	// A local delete moves the contact to the app's trash.
	os.Remove(filepath.Join(local, "alan.vcf"))
	vd("sync")
	if got, err := e.svc.Human(ctx, alan.ID); err != nil || got.DeletedAt == nil {
		t.Fatalf("after the local delete: %+v %v", got, err)
	}

	// An edit in the app reaches the folder.
	note := "met at the Difference Engine demo"
	if _, err := e.svc.UpdateHuman(ctx, ada.ID, app.HumanPatch{Notes: &note}, ""); err != nil {
		t.Fatal(err)
	}
	vd("sync")
	if got := read("ada.vcf"); !strings.Contains(got, "NOTE:met at the Difference Engine demo") || !strings.Contains(got, "FN:Ada King") {
		t.Fatalf("after the app edit:\n%s", got)
	}
	// Nothing left to do: the two sides agree.
	if out := vd("sync"); strings.Contains(out, "Copying") || strings.Contains(out, "conflict") {
		t.Fatalf("a sync with no changes still copied:\n%s", out)
	}
}
