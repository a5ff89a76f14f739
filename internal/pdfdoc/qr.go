package pdfdoc

import (
	"fmt"

	qrcode "github.com/skip2/go-qrcode"
)

// qr draws the QR code of url as vector squares, size mm wide, its top
// left at (x, y), with the quiet zone the code needs around it (inside size).
func (d *doc) qr(url string, x, y, size float64) error {
	q, err := qrcode.New(url, qrcode.Medium)
	if err != nil {
		return fmt.Errorf("pdfdoc: QR code: %w", err)
	}
	bm := q.Bitmap() // with a 4-module quiet zone
	mod := size / float64(len(bm))
	d.color(black)
	for row, line := range bm {
		for col := 0; col < len(line); {
			if !line[col] {
				col++
				continue
			}
			run := col
			for run < len(line) && line[run] {
				run++
			}
			// A hair wider than the modules so no seam shows between them.
			d.Rect(x+float64(col)*mod, y+float64(row)*mod, float64(run-col)*mod+0.02, mod+0.02, "F")
			col = run
		}
	}
	return nil
}
