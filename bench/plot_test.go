package bench

import (
	"bufio"
	"flag"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// The charts of bench/README.md, drawn from the CSV files TestScale and
// TestThroughput write.
var (
	plotScale = flag.String("plot.scale", "", "comma-separated CSV files of TestScale rows to draw")
	plotTput  = flag.String("plot.tput", "", "CSV file of TestThroughput rows to draw")
	plotDir   = flag.String("plot.dir", "charts", "directory TestPlot writes its PNG files to")
)

// scaleCharts are the charts of the scale benchmark: which op, what is
// drawn on the y axis, and how it is computed from a row.
var scaleCharts = []struct {
	op, title, ylabel string
	y                 func(scaleRow) float64
}{
	{"load", "Load (median)", "µs", func(r scaleRow) float64 { return float64(r.p50) / 1e3 }},
	{"save", "Save of an existing record (median)", "µs", func(r scaleRow) float64 { return float64(r.p50) / 1e3 }},
	{"touch", "Touch (median)", "µs", func(r scaleRow) float64 { return float64(r.p50) / 1e3 }},
	{"save-after-deletes", "Save after 28% of the records were deleted (median)", "µs", func(r scaleRow) float64 { return float64(r.p50) / 1e3 }},
	{"prune-expired", "Prune of the 10% expired, per record pruned", "µs per record", func(r scaleRow) float64 {
		return float64(r.p50) / 1e3 / float64(max(r.count, 1))
	}},
	{"sweep-idle", "A sweep pass with nothing expired", "ms", func(r scaleRow) float64 { return float64(r.p50) / 1e6 }},
	{"sweep-idle-purged", "The same pass once the database has purged the prune's deletions", "ms", func(r scaleRow) float64 { return float64(r.p50) / 1e6 }},
	{"disk", "Disk per record", "bytes", func(r scaleRow) float64 { return r.extra }},
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

// TestPlot draws the charts from -plot.scale and -plot.tput into
// -plot.dir. It skips when neither is given.
func TestPlot(t *testing.T) {
	if *plotScale == "" && *plotTput == "" {
		t.Skip("no -plot.scale or -plot.tput: nothing to draw")
	}
	if err := os.MkdirAll(*plotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if *plotScale != "" {
		var rows []scaleRow
		for _, f := range strings.Split(*plotScale, ",") {
			r, err := readScaleCSV(f)
			if err != nil {
				t.Fatal(err)
			}
			rows = append(rows, r...)
		}
		for _, c := range scaleCharts {
			path := filepath.Join(*plotDir, "scale-"+c.op+".png")
			if err := drawScale(rows, c.op, c.title, c.ylabel, c.y, path); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s", path)
		}
		t.Logf("\n%s", scaleTable(rows))
	}
	if *plotTput != "" {
		rows, err := readTputCSV(*plotTput)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name, title, ylabel string
			y                   func(tputRow) float64
		}{
			{"tput-rps", "Requests per second, 90% reads (higher is better)", "requests/s", func(r tputRow) float64 { return r.rps }},
			{"tput-p99", "99th percentile latency (lower is better)", "ms", func(r tputRow) float64 { return float64(r.p99) / 1e6 }},
		} {
			path := filepath.Join(*plotDir, c.name+".png")
			if err := drawTput(rows, c.title, c.ylabel, c.y, path); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s", path)
		}
	}
}

// save writes p as a PNG with its legend to the right of the plot, where
// it hides no line.
func save(p *plot.Plot, leg plot.Legend, path string) error {
	const w, h, legendW = 8.4 * vg.Inch, 4.5 * vg.Inch, 2.1 * vg.Inch
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

func logAxes(p *plot.Plot) {
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Add(plotter.NewGrid())
}

// drawScale draws op's y against N, a line per store and label: solid for
// "after", dashed for "before".
func drawScale(rows []scaleRow, op, title, ylabel string, y func(scaleRow) float64, path string) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "records in the store"
	p.Y.Label.Text = ylabel + " (log scale)"
	logAxes(p)
	leg := plot.NewLegend()
	type series struct{ store, label string }
	pts := map[series]plotter.XYs{}
	for _, r := range rows {
		if r.op != op {
			continue
		}
		v := y(r)
		if v <= 0 {
			v = 0.001 // a log axis has no zero
		}
		k := series{r.store, r.label}
		pts[k] = append(pts[k], plotter.XY{X: float64(r.n), Y: v})
	}
	if len(pts) == 0 {
		return nil
	}
	keys := make([]series, 0, len(pts))
	for k := range pts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b series) int {
		if c := strings.Compare(a.store, b.store); c != 0 {
			return c
		}
		return strings.Compare(b.label, a.label) // "before" after "after"
	})
	for _, k := range keys {
		xys := pts[k]
		slices.SortFunc(xys, func(a, b plotter.XY) int { return int(a.X - b.X) })
		l, s, err := plotter.NewLinePoints(xys)
		if err != nil {
			return err
		}
		c := storeColors[k.store]
		if c == nil {
			c = color.Black
		}
		l.Color, s.Color = c, c
		l.Width = vg.Points(1.5)
		name := k.store
		if k.label != "" {
			name += " " + k.label
		}
		if k.label == "before" {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			s.Shape = draw.CrossGlyph{}
		}
		p.Add(l, s)
		leg.Add(name, l, s)
	}
	return save(p, leg, path)
}

// drawTput draws y against the number of clients, a line per library and
// store.
func drawTput(rows []tputRow, title, ylabel string, y func(tputRow) float64, path string) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "concurrent clients"
	p.Y.Label.Text = ylabel + " (log scale)"
	logAxes(p)
	leg := plot.NewLegend()
	type series struct{ store, lib string }
	pts := map[series]plotter.XYs{}
	for _, r := range rows {
		k := series{r.store, r.lib}
		pts[k] = append(pts[k], plotter.XY{X: float64(r.clients), Y: max(y(r), 0.001)})
	}
	keys := make([]series, 0, len(pts))
	for k := range pts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b series) int {
		return strings.Compare(a.store+a.lib, b.store+b.lib)
	})
	for _, k := range keys {
		xys := pts[k]
		slices.SortFunc(xys, func(a, b plotter.XY) int { return int(a.X - b.X) })
		l, s, err := plotter.NewLinePoints(xys)
		if err != nil {
			return err
		}
		c := storeColors[k.store]
		l.Color, s.Color = c, c
		l.Width = vg.Points(1.5)
		if k.lib == "scs" {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			s.Shape = draw.CrossGlyph{}
		}
		p.Add(l, s)
		leg.Add(k.lib+" on "+k.store, l, s)
	}
	return save(p, leg, path)
}

func readTputCSV(path string) ([]tputRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rows []tputRow
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line == tputCSVHeader {
			continue
		}
		fs := strings.Split(line, ",")
		if len(fs) != 6 {
			return nil, fmt.Errorf("%s: bad row %q", path, line)
		}
		c, err1 := strconv.Atoi(fs[2])
		rps, err2 := strconv.ParseFloat(fs[3], 64)
		p50, err3 := strconv.ParseFloat(fs[4], 64)
		p99, err4 := strconv.ParseFloat(fs[5], 64)
		for _, err := range []error{err1, err2, err3, err4} {
			if err != nil {
				return nil, fmt.Errorf("%s: row %q: %w", path, line, err)
			}
		}
		rows = append(rows, tputRow{store: fs[0], lib: fs[1], clients: c, rps: rps,
			p50: time.Duration(p50 * 1e3), p99: time.Duration(p99 * 1e3)})
	}
	return rows, sc.Err()
}

// scaleTable renders the rows as a Markdown table: a row per store and
// operation, a column per size, "before → after" where both exist.
func scaleTable(rows []scaleRow) string {
	type key struct{ store, op string }
	type cell struct{ before, after string }
	cells := map[key]map[int]*cell{}
	var sizes []int
	var keys []key
	for _, r := range rows {
		k := key{r.store, r.op}
		if cells[k] == nil {
			cells[k] = map[int]*cell{}
			keys = append(keys, k)
		}
		if !slices.Contains(sizes, r.n) {
			sizes = append(sizes, r.n)
		}
		c := cells[k][r.n]
		if c == nil {
			c = &cell{}
			cells[k][r.n] = c
		}
		v := formatCell(r)
		if r.label == "before" {
			c.before = v
		} else {
			c.after = v
		}
	}
	slices.Sort(sizes)
	var b strings.Builder
	b.WriteString("| store | operation |")
	for _, n := range sizes {
		fmt.Fprintf(&b, " %s |", humanN(n))
	}
	b.WriteString("\n|---|---|")
	for range sizes {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "| %s | %s |", k.store, k.op)
		for _, n := range sizes {
			c := cells[k][n]
			switch {
			case c == nil:
				b.WriteString(" |")
			case c.before != "" && c.after != "":
				fmt.Fprintf(&b, " %s → %s |", c.before, c.after)
			case c.after != "":
				fmt.Fprintf(&b, " %s |", c.after)
			default:
				fmt.Fprintf(&b, " %s (before) |", c.before)
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

func formatCell(r scaleRow) string {
	switch {
	case r.op == "disk":
		return fmt.Sprintf("%.0f B", r.extra)
	case strings.HasPrefix(r.op, "prune"):
		return fmt.Sprintf("%s (%.1f µs/rec)", fmtDur(r.p50), float64(r.p50)/1e3/float64(max(r.count, 1)))
	case strings.HasPrefix(r.op, "sweep-idle"):
		return fmtDur(r.p50)
	}
	return fmtDur(r.p50) + " / " + fmtDur(r.p99)
}

func fmtDur(d time.Duration) string {
	switch {
	case d < time.Microsecond:
		return fmt.Sprintf("%.2f µs", float64(d)/1e3)
	case d < time.Millisecond:
		return fmt.Sprintf("%.0f µs", float64(d)/1e3)
	case d < time.Second:
		return fmt.Sprintf("%.1f ms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

func humanN(n int) string {
	switch {
	case n >= 1000000 && n%1000000 == 0:
		return strconv.Itoa(n/1000000) + "M"
	case n >= 1000 && n%1000 == 0:
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}
