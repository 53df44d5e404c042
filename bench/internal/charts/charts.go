// Package charts draws the charts of bench/README.md from the rows of
// cmd/scale and cmd/tput, with gonum.org/v1/plot, and renders the scale
// rows as a Markdown table.
package charts

import (
	"image/color"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/session2/session2/bench/internal/scale"
	"github.com/session2/session2/bench/internal/tput"
)

// scaleCharts are the charts of the scale benchmark: which op, what is
// drawn on the y axis, and how it is computed from a row.
var scaleCharts = []struct {
	op, title, ylabel string
	y                 func(scale.Row) float64
}{
	{"load", "Load (median)", "µs", func(r scale.Row) float64 { return float64(r.P50) / 1e3 }},
	{"save", "Save of an existing record (median)", "µs", func(r scale.Row) float64 { return float64(r.P50) / 1e3 }},
	{"touch", "Touch (median)", "µs", func(r scale.Row) float64 { return float64(r.P50) / 1e3 }},
	{"save-after-deletes", "Save after 28% of the records were deleted (median)", "µs", func(r scale.Row) float64 { return float64(r.P50) / 1e3 }},
	{"prune-expired", "Prune of the 10% expired, per record pruned", "µs per record", func(r scale.Row) float64 {
		return float64(r.P50) / 1e3 / float64(max(r.Count, 1))
	}},
	{"sweep-idle", "A sweep pass with nothing expired", "ms", func(r scale.Row) float64 { return float64(r.P50) / 1e6 }},
	{"sweep-idle-purged", "The same pass once the database has purged the prune's deletions", "ms", func(r scale.Row) float64 { return float64(r.P50) / 1e6 }},
	{"disk", "Disk per record", "bytes", func(r scale.Row) float64 { return r.Bytes }},
}

// storeColors keeps one colour per store across the charts.
var storeColors = map[string]color.Color{
	"memory":   color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	"bolt":     color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	"file":     color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
	"postgres": color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	"mysql":    color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff},
	"redis":    color.RGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff},
}

// Scale draws a chart per operation of the scale rows into dir, as
// scale-OP.png, and returns the files written. An operation without rows
// gets no chart.
func Scale(rows []scale.Row, dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var written []string
	for _, c := range scaleCharts {
		path := filepath.Join(dir, "scale-"+c.op+".png")
		ok, err := drawScale(rows, c.op, c.title, c.ylabel, c.y, path)
		if err != nil {
			return written, err
		}
		if ok {
			written = append(written, path)
		}
	}
	return written, nil
}

// Tput draws the throughput rows' requests per second and p99 latency
// against the number of clients into dir, as tput-rps.png and
// tput-p99.png, and returns the files written.
func Tput(rows []tput.Row, dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var written []string
	for _, c := range []struct {
		name, title, ylabel string
		y                   func(tput.Row) float64
	}{
		{"tput-rps", "Requests per second, 90% reads (higher is better)", "requests/s", func(r tput.Row) float64 { return r.RPS }},
		{"tput-p99", "99th percentile latency (lower is better)", "ms", func(r tput.Row) float64 { return float64(r.P99) / 1e6 }},
	} {
		path := filepath.Join(dir, c.name+".png")
		if err := drawTput(rows, c.title, c.ylabel, c.y, path); err != nil {
			return written, err
		}
		written = append(written, path)
	}
	return written, nil
}

// save writes p as a PNG with its legend to the right of the plot, where
// it hides no line.
func save(p *plot.Plot, leg plot.Legend, path string) error {
	const w, h, legendW = 8.4 * vg.Inch, 4.5 * vg.Inch, 2.1 * vg.Inch
	widen(&p.X)
	widen(&p.Y)
	img := vgimg.New(w, h)
	dc := draw.New(img)
	p.Draw(draw.Crop(dc, 0, -legendW, 0, 0))
	leg.Top, leg.Left = true, true
	leg.Draw(draw.Crop(dc, w-legendW+vg.Points(6), 0, 0, -vg.Points(20)))
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// widen gives an axis of a single value a range around it: gonum would
// draw it from one unit below, which on a log axis may reach zero.
func widen(a *plot.Axis) {
	if a.Min == a.Max {
		a.Min, a.Max = a.Min/2, a.Max*2
	}
}

func logAxes(p *plot.Plot) {
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Add(plotter.NewGrid())
}

// line is one line of a chart.
type line struct {
	store  string // picks the colour
	name   string // the legend's
	dashed bool   // a "before" line, or the peer's
	xys    plotter.XYs
}

// lines collects the points of a chart's lines, one per key, in the order
// they are first met.
type lines[K comparable] struct {
	byKey map[K]*line
	order []*line
}

// add adds a point to key's line, making the line with mk when new. A log
// axis has no zero: a value at or below it is drawn at 0.001.
func (ls *lines[K]) add(key K, x, y float64, mk func() *line) {
	if ls.byKey == nil {
		ls.byKey = map[K]*line{}
	}
	l := ls.byKey[key]
	if l == nil {
		l = mk()
		ls.byKey[key] = l
		ls.order = append(ls.order, l)
	}
	if y <= 0 {
		y = 0.001
	}
	l.xys = append(l.xys, plotter.XY{X: x, Y: y})
}

// newChart returns an empty chart with log scales on both axes.
func newChart(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel + " (log scale)"
	logAxes(p)
	return p
}

// drawLines draws ls on p, sorted by cmp, each in its store's colour, and
// writes the chart to path.
func drawLines(p *plot.Plot, ls []*line, cmp func(a, b *line) int, path string) error {
	slices.SortFunc(ls, cmp)
	leg := plot.NewLegend()
	for _, ln := range ls {
		slices.SortFunc(ln.xys, func(a, b plotter.XY) int { return int(a.X - b.X) })
		l, s, err := plotter.NewLinePoints(ln.xys)
		if err != nil {
			return err
		}
		c := storeColors[ln.store]
		if c == nil {
			c = color.Black
		}
		l.Color, s.Color = c, c
		l.Width = vg.Points(1.5)
		if ln.dashed {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			s.Shape = draw.CrossGlyph{}
		}
		p.Add(l, s)
		leg.Add(ln.name, l, s)
	}
	return save(p, leg, path)
}

// drawScale draws op's y against N, a line per store and label: solid for
// "after", dashed for "before". It draws nothing, and says so, when no row
// is of op.
func drawScale(rows []scale.Row, op, title, ylabel string, y func(scale.Row) float64, path string) (bool, error) {
	type key struct{ store, label string }
	var ls lines[key]
	for _, r := range rows {
		if r.Op != op {
			continue
		}
		ls.add(key{r.Store, r.Label}, float64(r.N), y(r), func() *line {
			name := r.Store
			if r.Label != "" {
				name += " " + r.Label
			}
			return &line{store: r.Store, name: name, dashed: r.Label == "before"}
		})
	}
	if len(ls.order) == 0 {
		return false, nil
	}
	p := newChart(title, "records in the store", ylabel)
	return true, drawLines(p, ls.order, func(a, b *line) int {
		if c := strings.Compare(a.store, b.store); c != 0 {
			return c
		}
		return strings.Compare(b.name, a.name) // "before" after "after"
	}, path)
}

// drawTput draws y against the number of clients, a line per library and
// store: scs's dashed.
func drawTput(rows []tput.Row, title, ylabel string, y func(tput.Row) float64, path string) error {
	type key struct{ store, lib string }
	var ls lines[key]
	for _, r := range rows {
		ls.add(key{r.Store, r.Lib}, float64(r.Clients), y(r), func() *line {
			return &line{store: r.Store, name: r.Lib + " on " + r.Store, dashed: r.Lib == "scs"}
		})
	}
	p := newChart(title, "concurrent clients", ylabel)
	return drawLines(p, ls.order, func(a, b *line) int {
		return strings.Compare(a.store+a.name, b.store+b.name)
	}, path)
}
