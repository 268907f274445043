package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Fyne's theme has no star; these are Material Design's "star" and
// "star_border" (Apache 2.0), recoloured by the theme like its own icons.
var (
	starFilled = fyne.NewStaticResource("star.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path fill="#000000" d="M12 17.27L18.18 21l-1.64-7.03L22 9.24l-7.19-.61L12 2 9.19 8.63 2 9.24l5.46 4.73L5.82 21z"/></svg>`))
	starEmpty  = fyne.NewStaticResource("star_border.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path fill="#000000" d="M22 9.24l-7.19-.62L12 2 9.19 8.63 2 9.24l5.46 4.73L5.82 21 12 17.27 18.18 21l-1.63-7.03L22 9.24zM12 15.4l-3.76 2.27 1-4.28-3.32-2.88 4.38-.38L12 6.1l1.71 4.04 4.38.38-3.32 2.88 1 4.28L12 15.4z"/></svg>`))
)

// favouriteIcon is the filled star in the theme's primary colour.
func favouriteIcon() fyne.Resource { return theme.NewPrimaryThemedResource(starFilled) }

// starIcon is the filled star in the foreground colour, for buttons.
func starIcon() fyne.Resource { return theme.NewThemedResource(starFilled) }

// starOutlineIcon is the empty star, for buttons.
func starOutlineIcon() fyne.Resource { return theme.NewThemedResource(starEmpty) }

// fixedWidth lays out one object at a fixed width (and its own height).
type fixedWidth float32

func (f fixedWidth) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var h float32
	for _, o := range objects {
		if o.Visible() {
			h = max(h, o.MinSize().Height)
		}
	}
	return fyne.NewSize(float32(f), h)
}

func (f fixedWidth) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

// sized wraps o so that it is always width wide.
func sized(o fyne.CanvasObject, width float32) *fyne.Container {
	return &fyne.Container{Layout: fixedWidth(width), Objects: []fyne.CanvasObject{o}}
}

// labelled puts a label in a column of the given width before obj; the
// label is right-aligned against obj, as in a form.
func labelled(label *widget.Label, width float32, obj fyne.CanvasObject) *fyne.Container {
	label.Alignment = fyne.TextAlignTrailing
	return container.NewBorder(nil, nil, container.NewVBox(sized(label, width)), nil, obj)
}
