package activities

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// PlotPassK renders pass^k against k (k = 1..len(passK)-1) as a PNG line chart.
func PlotPassK(title string, passK []float64) ([]byte, error) {
	return PlotSeries(title, "k", "pass^k", passK)
}

// PlotSeries renders ys[1..] (values in [0, 1]) against 1..len(ys)-1 as a
// PNG line chart with the given axis labels.
func PlotSeries(title, xLabel, yLabel string, passK []float64) ([]byte, error) {
	const w, h, left, right, top, bottom = 640, 400, 60, 20, 40, 50
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	black := color.RGBA{0, 0, 0, 255}
	grey := color.RGBA{220, 220, 220, 255}
	blue := color.RGBA{31, 119, 180, 255}
	pw, ph := w-left-right, h-top-bottom
	text := func(x, y int, s string, c color.Color) {
		d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
		d.DrawString(s)
	}
	// Grid and y labels at 0, 0.25, ..., 1.
	for i := 0; i <= 4; i++ {
		y := top + ph - i*ph/4
		line(img, left, y, left+pw, y, grey)
		text(left-40, y+4, fmt.Sprintf("%.2f", float64(i)/4), black)
	}
	line(img, left, top, left, top+ph, black)
	line(img, left, top+ph, left+pw, top+ph, black)
	k := len(passK) - 1
	if k < 1 {
		return nil, fmt.Errorf("plot: no values")
	}
	xAt := func(i int) int {
		if k == 1 {
			return left + pw/2
		}
		return left + (i-1)*pw/(k-1)
	}
	yAt := func(v float64) int { return top + ph - int(v*float64(ph)) }
	// Label every step-th point (and the last), so that long series (an RL
	// run of 30 iterations) keep readable axes and values.
	step := max(1, (k+11)/12)
	labelled := func(i int) bool { return i == k || (i-1)%step == 0 }
	for i := 1; i <= k; i++ {
		x := xAt(i)
		line(img, x, top+ph, x, top+ph+5, black)
		if labelled(i) {
			text(x-3, top+ph+18, fmt.Sprint(i), black)
		}
		if i > 1 {
			line(img, xAt(i-1), yAt(passK[i-1]), x, yAt(passK[i]), blue)
		}
		for dx := -3; dx <= 3; dx++ {
			for dy := -3; dy <= 3; dy++ {
				img.Set(x+dx, yAt(passK[i])+dy, blue)
			}
		}
		if labelled(i) {
			text(x+5, yAt(passK[i])-6, fmt.Sprintf("%.3f", passK[i]), blue)
		}
	}
	text(left, 24, title, black)
	text(left+pw/2-10, h-12, xLabel, black)
	text(4, top-10, yLabel, black)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// line draws a straight line with Bresenham's algorithm.
func line(img *image.RGBA, x0, y0, x1, y1 int, c color.Color) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := 1, 1
	if x0 > x1 {
		sx = -1
	}
	if y0 > y1 {
		sy = -1
	}
	e := dx + dy
	for {
		img.Set(x0, y0, c)
		if x0 == x1 && y0 == y1 {
			return
		}
		e2 := 2 * e
		if e2 >= dy {
			e += dy
			x0 += sx
		}
		if e2 <= dx {
			e += dx
			y0 += sy
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
