//go:build ignore

// gen_icon draws assets/icon.png: a warm rounded square with a white
// person silhouette. Run from the repository root:
//
//	go run assets/gen_icon.go
package main

import (
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"log"
	"math"
	"os"
)

const (
	size = 512
	ss   = 4 // supersamples per axis, for smooth edges
)

// inRoundedSquare reports whether (x, y) lies in the rounded background.
func inRoundedSquare(x, y float64) bool {
	const margin, radius = 24.0, 96.0
	lo, hi := margin, size-margin
	if x < lo || x > hi || y < lo || y > hi {
		return false
	}
	cx := math.Max(lo+radius, math.Min(x, hi-radius))
	cy := math.Max(lo+radius, math.Min(y, hi-radius))
	return (x-cx)*(x-cx)+(y-cy)*(y-cy) <= radius*radius
}

// inPerson reports whether (x, y) lies in the silhouette: a round head
// above the upper half of an ellipse for the shoulders.
func inPerson(x, y float64) bool {
	const headX, headY, headR = 256.0, 196.0, 78.0
	if (x-headX)*(x-headX)+(y-headY)*(y-headY) <= headR*headR {
		return true
	}
	const bodyX, bodyY, bodyRX, bodyRY = 256.0, 420.0, 148.0, 140.0
	if y > bodyY {
		return false
	}
	dx, dy := (x-bodyX)/bodyRX, (y-bodyY)/bodyRY
	return dx*dx+dy*dy <= 1
}

func main() {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	draw.Draw(img, img.Bounds(), image.Transparent, image.Point{}, draw.Src)

	top := color.NRGBA{R: 0xF2, G: 0x8C, B: 0x4B, A: 0xFF}    // warm orange
	bottom := color.NRGBA{R: 0xD9, G: 0x4F, B: 0x3D, A: 0xFF} // terracotta
	white := color.NRGBA{R: 0xFF, G: 0xFF, B: 0xFF, A: 0xFF}

	for py := 0; py < size; py++ {
		t := float64(py) / size
		bg := color.NRGBA{
			R: uint8(float64(top.R)*(1-t) + float64(bottom.R)*t),
			G: uint8(float64(top.G)*(1-t) + float64(bottom.G)*t),
			B: uint8(float64(top.B)*(1-t) + float64(bottom.B)*t),
			A: 0xFF,
		}
		for px := 0; px < size; px++ {
			var inBg, inFg int
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					x := float64(px) + (float64(sx)+0.5)/ss
					y := float64(py) + (float64(sy)+0.5)/ss
					if inRoundedSquare(x, y) {
						inBg++
						if inPerson(x, y) {
							inFg++
						}
					}
				}
			}
			if inBg == 0 {
				continue
			}
			f := float64(inFg) / float64(inBg)
			c := color.NRGBA{
				R: uint8(float64(bg.R)*(1-f) + float64(white.R)*f),
				G: uint8(float64(bg.G)*(1-f) + float64(white.G)*f),
				B: uint8(float64(bg.B)*(1-f) + float64(white.B)*f),
				A: uint8(255 * inBg / (ss * ss)),
			}
			img.SetNRGBA(px, py, c)
		}
	}

	f, err := os.Create("assets/icon.png")
	if err != nil {
		log.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
