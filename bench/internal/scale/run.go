// Package scale is the scale benchmark: each store filled with N records
// (200 bytes of data, one of 100 users each, 10% already expired, 20%
// idle for two hours), then every operation timed on it. Its rows are
// what cmd/scale writes and cmd/plot draws.
package scale

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/filestore"
)

// Config is how Run measures.
type Config struct {
	Ops   int    // operations timed per point (Load, Save, Touch); 200 when 0
	Label string // written in the rows' first column (for example before or after)
	Dir   string // where the file and bolt stores live; the system's temporary directory when ""
	// Logf reports progress (the fill's time, a purge that did not end);
	// nil for none.
	Logf func(format string, args ...any)
}

func (c Config) logf(format string, args ...any) {
	if c.Logf != nil {
		c.Logf(format, args...)
	}
}

// key is the store key of record i of a run.
func key(seed uint64, i int) string {
	h := sha256.Sum256([]byte(strconv.FormatUint(seed, 10) + "/" + strconv.Itoa(i)))
	return hex.EncodeToString(h[:])
}

// record is record i: i%10 == 0 expired an hour ago; i%10 == 1 or 2 alive
// but idle for two hours (pruned by the "prune-idle" step, which makes 28%
// of the records deleted in all).
func record(i int, now time.Time, data []byte) session.Record {
	r := session.Record{
		User: "user" + strconv.Itoa(i%100), Data: data,
		Created: now.Add(-3 * time.Hour), Accessed: now, Expires: now.Add(24 * time.Hour),
	}
	switch i % 10 {
	case 0:
		r.Accessed, r.Expires = now.Add(-2*time.Hour), now.Add(-time.Hour)
	case 1, 2:
		r.Accessed = now.Add(-2 * time.Hour)
	}
	return r
}

// Run fills store (one of Stores) with n records through its own Save, 16
// writers at once, and times Load, Save, Touch, the Prune of what expired,
// an idle sweep pass, the Prune of idle records and Save after those
// deletes. The store's data is removed however the run ends. A server
// store whose variable is unset is an error wrapping servers.ErrNotSet.
func Run(store string, n int, cfg Config) ([]Row, error) {
	if n < 100 {
		return nil, fmt.Errorf("scale: %d records: at least 100", n)
	}
	if cfg.Ops <= 0 {
		cfg.Ops = 200
	}
	hs, err := open(store, cfg)
	if err != nil {
		return nil, err
	}
	defer hs.close()
	r := &run{cfg: cfg, hs: hs, store: store, n: n, seed: rand.Uint64(), now: time.Now().UTC().Truncate(time.Microsecond)}
	if err := r.fill(); err != nil {
		return nil, err
	}
	if r.s, err = hs.reopen(); err != nil {
		return nil, err
	}
	settle()
	err = r.measure()
	return r.rows, err
}

// run is one run's state: what it fills, what it has measured.
type run struct {
	cfg   Config
	hs    *handles
	s     session.Store // the store the timings go through
	store string
	n     int
	seed  uint64
	now   time.Time
	rng   *rand.Rand
	rows  []Row
}

// fill saves the n records with 16 writers.
func (r *run) fill() error {
	ctx := context.Background()
	data := make([]byte, 200)
	for i := range data {
		data[i] = 'a' + byte(i%26)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	var fillErr error
	var errOnce sync.Once
	start := time.Now()
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= r.n {
					return
				}
				if err := r.hs.fill.Save(ctx, key(r.seed, i), record(i, r.now, data)); err != nil {
					errOnce.Do(func() { fillErr = fmt.Errorf("fill record %d: %w", i, err) })
					return
				}
			}
		}()
	}
	wg.Wait()
	if fillErr == nil {
		r.cfg.logf("%s: filled %d records in %v", r.store, r.n, time.Since(start).Round(time.Millisecond))
	}
	return fillErr
}

func (r *run) row(op string, p50, p99 time.Duration, count int) {
	r.rows = append(r.rows, Row{Label: r.cfg.Label, Store: r.store, N: r.n, Op: op, P50: p50, P99: p99, Count: count})
}

// live returns a live, not idle record: i%10 in 3..9.
func (r *run) live() int {
	for {
		i := r.rng.IntN(r.n)
		if i%10 >= 3 {
			return i
		}
	}
}

// measure times every operation in turn, adding a row for each.
func (r *run) measure() error {
	ctx := context.Background()
	if r.hs.disk != nil {
		if b, err := r.hs.disk(); err == nil {
			r.rows = append(r.rows, Row{Label: r.cfg.Label, Store: r.store, N: r.n, Op: "disk", Bytes: float64(b) / float64(r.n)})
		} else {
			r.cfg.logf("%s: no disk usage: %v", r.store, err)
		}
	}
	r.rng = rand.New(rand.NewPCG(r.seed, 1))
	if err := r.timeOps("load", func() error {
		_, err := r.s.Load(ctx, key(r.seed, r.live()))
		return err
	}); err != nil {
		return err
	}
	if err := r.timeSaves("save"); err != nil {
		return err
	}
	if err := r.timeOps("touch", func() error {
		// Expires moves by a whole minute and more, as a real touch
		// after the touch interval does.
		return r.s.Touch(ctx, key(r.seed, r.live()), r.now, r.now.Add(24*time.Hour+time.Duration(1+r.rng.IntN(60))*time.Minute))
	}); err != nil {
		return err
	}
	return r.measureDeletes()
}

// measureDeletes times the prunes and sweeps, then Save after them.
func (r *run) measureDeletes() error {
	ctx := context.Background()
	var wrong []error
	sweep := func() (int, error) {
		if fs, ok := r.s.(*filestore.Store); ok {
			st, err := fs.Sweep(ctx)
			return st.Expired, err
		}
		return r.s.Prune(ctx, session.Filter{ExpiresBefore: time.Now()})
	}
	if err := r.once("prune-expired", func() (int, error) {
		return r.s.Prune(ctx, session.Filter{ExpiresBefore: time.Now()})
	}); err != nil {
		return err
	}
	if c := r.rows[len(r.rows)-1].Count; c != r.n/10 {
		wrong = append(wrong, fmt.Errorf("scale: %s: prune-expired deleted %d records, want %d", r.store, c, r.n/10))
	}
	if !r.hs.noSweeper {
		if err := r.once("sweep-idle", sweep); err != nil {
			return err
		}
		if c := r.rows[len(r.rows)-1].Count; c != 0 {
			wrong = append(wrong, fmt.Errorf("scale: %s: the sweep after the prune deleted %d records", r.store, c))
		}
	}
	if r.hs.purge != nil {
		if err := r.hs.purge(); err != nil {
			return err
		}
		if err := r.once("sweep-idle-purged", sweep); err != nil {
			return err
		}
	}
	if err := r.once("prune-idle", func() (int, error) {
		return r.s.Prune(ctx, session.Filter{AccessedBefore: r.now.Add(-time.Hour)})
	}); err != nil {
		return err
	}
	if err := r.timeSaves("save-after-deletes"); err != nil {
		return err
	}
	return errors.Join(wrong...)
}

// timeOps times cfg.Ops calls of fn, one at a time.
func (r *run) timeOps(op string, fn func() error) error {
	lat := make([]time.Duration, 0, r.cfg.Ops)
	for range r.cfg.Ops {
		t0 := time.Now()
		if err := fn(); err != nil {
			return fmt.Errorf("scale: %s: %s: %w", r.store, op, err)
		}
		lat = append(lat, time.Since(t0))
	}
	r.addLatencies(op, lat)
	return nil
}

// timeSaves times cfg.Ops saves of live records, each changed after an
// untimed Load that gives it its version.
func (r *run) timeSaves(op string) error {
	ctx := context.Background()
	lat := make([]time.Duration, 0, r.cfg.Ops)
	for range r.cfg.Ops {
		i := r.live()
		k := key(r.seed, i)
		rec, err := r.s.Load(ctx, k)
		if err != nil {
			return fmt.Errorf("scale: %s: %s: load %d: %w", r.store, op, i, err)
		}
		rec.Data[0] ^= 1
		t0 := time.Now()
		if err := r.s.Save(ctx, k, rec); err != nil {
			return fmt.Errorf("scale: %s: %s: %w", r.store, op, err)
		}
		lat = append(lat, time.Since(t0))
	}
	r.addLatencies(op, lat)
	return nil
}

func (r *run) addLatencies(op string, lat []time.Duration) {
	slices.Sort(lat)
	r.row(op, lat[len(lat)/2], lat[len(lat)*99/100], len(lat))
}

// once times one call of fn, which returns the records it deleted.
func (r *run) once(op string, fn func() (int, error)) error {
	t0 := time.Now()
	c, err := fn()
	d := time.Since(t0)
	if err != nil {
		return fmt.Errorf("scale: %s: %s: %w", r.store, op, err)
	}
	r.row(op, d, d, c)
	return nil
}
