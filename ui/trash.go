package ui

import (
	"context"
	"fmt"

	"github.com/humans-contacts/humans/app"
)

// restoreSelected brings the contact shown back from the trash.
func (w *Window) restoreSelected() {
	h := w.detail.human
	if h == nil || h.DeletedAt == nil {
		return
	}
	background(w, func(ctx context.Context) (*app.Human, error) {
		return w.svc.RestoreHuman(ctx, h.ID)
	}, func(_ *app.Human, err error) {
		if err != nil {
			w.fail("Restoring the contact", err)
			return
		}
		if w.selected == h.ID {
			w.clearSelection()
		}
		w.reload()
	})
}

// deleteForever deletes a contact of the trash for good, after asking.
func (w *Window) deleteForever(h *app.Human) {
	w.confirm("Delete forever?",
		fmt.Sprintf("%s will be deleted for good. This cannot be undone.", displayName(h)),
		"Delete forever", func() {
			background(w, func(ctx context.Context) (struct{}, error) {
				return struct{}{}, w.svc.DeleteHumanForever(ctx, h.ID)
			}, func(_ struct{}, err error) {
				if err != nil {
					w.fail("Deleting the contact", err)
					return
				}
				if w.selected == h.ID {
					w.clearSelection()
				}
				w.reload()
			})
		}, nil)
}

// emptyTheTrash deletes every contact in the trash for good, after asking.
func (w *Window) emptyTheTrash() {
	n := w.list.Length()
	if !w.view.trash || n == 0 {
		return
	}
	what := plural(n, "contact", "contacts", "No contact")
	if w.view.searchText() != "" {
		what = "Every contact in the Trash, not only the ones the search shows,"
	}
	w.confirm("Empty the Trash?",
		fmt.Sprintf("%s will be deleted for good. This cannot be undone.", what),
		"Empty Trash", func() {
			background(w, func(ctx context.Context) (int, error) {
				return w.svc.EmptyTrash(ctx)
			}, func(_ int, err error) {
				if err != nil {
					w.fail("Emptying the Trash", err)
					return
				}
				w.clearSelection()
				w.reload()
			})
		}, nil)
}

// displayName is the name to show for h, never empty.
func displayName(h *app.Human) string {
	if h == nil {
		return "this contact"
	}
	if n := h.Name(); n != "" {
		return n
	}
	return "(no name)"
}
