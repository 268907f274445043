package assets

import (
	"bytes"
	"image/png"
	"testing"
)

func TestIconIsA512PNG(t *testing.T) {
	cfg, err := png.DecodeConfig(bytes.NewReader(Icon))
	if err != nil {
		t.Fatalf("icon.png does not decode as PNG: %v", err)
	}
	if cfg.Width != 512 || cfg.Height != 512 {
		t.Errorf("icon is %dx%d, want 512x512", cfg.Width, cfg.Height)
	}
	r := IconResource()
	if r.Name() != "icon.png" || !bytes.Equal(r.Content(), Icon) {
		t.Errorf("IconResource() = %q with %d bytes, want icon.png with the embedded bytes", r.Name(), len(r.Content()))
	}
}
