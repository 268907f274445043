package ui

import (
	"context"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/humans-contacts/humans/app"
	"github.com/humans-contacts/humans/assets"
)

// TestScreenshots renders the window (the card, the editor with an
// error, the trash) and checks every picture has content. With
// HUMANS_SCREENSHOTS set, the PNGs are kept in that directory, for the
// README and for looking at a change; pixels differ between machines, so
// they are not compared.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("HUMANS_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	svc := openService(t, t.TempDir())
	ctx := context.Background()
	co, err := svc.CreateCompany(ctx, &app.Company{Name: "Acme Corp"})
	if err != nil {
		t.Fatal(err)
	}
	g, err := svc.CreateGroup(ctx, &app.Group{Name: "Climbing"})
	if err != nil {
		t.Fatal(err)
	}
	fillBook(t, svc, 40)
	zoe, err := svc.CreateHuman(ctx, &app.Human{
		FirstName: "Zoë", LastName: "Durand", JobTitle: "Engineer", Department: "R&D", CompanyID: co.ID,
		IsFavorite: true, GroupIDs: []int64{g.ID}, Birthday: &app.Birthday{Year: 1990, Month: 3, Day: 12},
		Notes:     "Met at the climbing gym.\nLikes tea.",
		Phones:    []app.Phone{{Number: "+33 6 12 34 56 78", Type: "mobile", IsPrimary: true}, {Number: "+33 1 02 03 04 05", Type: "work", Extension: "12"}},
		Emails:    []app.Email{{Address: "zoe@example.com", Type: "home"}},
		Addresses: []app.Address{{Type: "home", Street: "rue de la Paix", Number: "12", Zip: "75002", City: "Paris", Country: "France"}},
		URLs:      []app.URL{{URL: "example.com/zoe", Type: "website"}},
		IMs:       []app.IM{{Handle: "@zoe", Service: "signal"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetPhoto(ctx, zoe.ID, assets.Icon, ""); err != nil {
		t.Fatal(err)
	}
	ids, err := svc.HumanIDs(ctx, app.Query{})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids[len(ids)-3:] {
		if err := svc.TrashHuman(ctx, id, ""); err != nil {
			t.Fatal(err)
		}
	}

	h := newHarnessOn(t, svc)
	save := func(name string) {
		t.Helper()
		f, err := os.Create(filepath.Join(dir, name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		img := h.win.Canvas().Capture()
		if b := img.Bounds(); b.Dx() < 400 || b.Dy() < 300 {
			t.Fatalf("%s: captured %v, want a window-sized picture", name, b)
		}
		colours := map[color.Color]bool{}
		for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y += 7 {
			for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x += 7 {
				colours[img.At(x, y)] = true
			}
		}
		if len(colours) < 8 {
			t.Fatalf("%s: the picture is nearly blank (%d colours)", name, len(colours))
		}
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
	}
	h.w.showContact(zoe.ID)
	h.waitFor("the card", func() bool { return h.w.detail.human != nil })
	save("card")

	h.w.editSelected()
	h.waitFor("the editor", func() bool { return h.w.editor != nil })
	h.w.editor.emails.rows[0].text.SetText("zoe@")
	h.w.editor.save()
	h.waitFor("the error", func() bool { return h.w.editor.emails.rows[0].err.Visible() })
	save("editor")
	h.w.editor.cancel()

	h.w.toggleTrash()
	h.waitFor("the trash", func() bool { return h.w.view.trash && !h.w.loading })
	h.selectRow(0)
	save("trash")
}
