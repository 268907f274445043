package ui

import (
	"context"
	"fmt"
	"io"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"

	"github.com/humans-contacts/humans/app"
)

// maxPhotoBytes bounds what the window reads of a chosen file; the store
// refuses photos over 10 MB with its own message.
const maxPhotoBytes = 10<<20 + 1

// choosePhoto asks for an image file and makes it the photo of the
// contact shown. Only images are offered (GNOME Contacts 45).
func (w *Window) choosePhoto() {
	h := w.detail.human
	if h == nil || h.DeletedAt != nil {
		return
	}
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			w.fail("Opening the photo", err)
			return
		}
		if r == nil {
			return // cancelled
		}
		background(w, func(context.Context) ([]byte, error) {
			defer r.Close()
			return io.ReadAll(io.LimitReader(r, maxPhotoBytes))
		}, func(data []byte, err error) {
			if err != nil {
				w.fail("Reading the photo", err)
				return
			}
			w.setPhoto(h.ID, data)
		})
	}, w.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".jpg", ".jpeg", ".png", ".gif", ".webp"}))
	d.Show()
}

// removePhoto removes the photo of the contact shown.
func (w *Window) removePhoto() {
	if h := w.detail.human; h != nil && h.PhotoHash != "" {
		w.setPhoto(h.ID, nil)
	}
}

// setPhoto stores data as the photo of contact id (nil removes it); the
// change event then refreshes the card.
func (w *Window) setPhoto(id int64, data []byte) {
	background(w, func(ctx context.Context) (*app.Human, error) {
		return w.svc.SetPhoto(ctx, id, data, "")
	}, func(_ *app.Human, err error) {
		if err != nil {
			w.fail(fmt.Sprintf("Setting the photo of %s", displayName(w.detail.human)), err)
		}
	})
}
