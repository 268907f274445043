// Package assets holds the bundled resources: the app icon.
//
// It imports nothing of the app; any package may use it.
package assets

import (
	_ "embed"

	"fyne.io/fyne/v2"
)

// Icon is the 512×512 PNG app icon (drawn by gen_icon.go).
//
//go:embed icon.png
var Icon []byte

// IconResource returns the icon as a Fyne resource, for app.SetIcon and
// window.SetIcon.
func IconResource() fyne.Resource {
	return fyne.NewStaticResource("icon.png", Icon)
}
