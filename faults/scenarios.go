package faults

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/boltstore"
	"github.com/session2/session2/stores/filestore"
	"github.com/session2/session2/stores/sqlstore/sqlstoretest"
)

// Row is one line of the fault table: a store under one fault.
type Row struct {
	Store, Fault string
	// Sent, OK (2xx), Failed (5xx or no answer), Hung (over the bound)
	// count the requests.
	Sent, OK, Failed, Hung int
	// Lost counts acknowledged writes missing from the store afterwards.
	Lost int
	// Recover is how long after the fault ended the last request failed
	// (0: none failed after it); -1 when the fault does not end.
	Recover time.Duration
	// P50 and P99 are the latencies of the answered requests.
	P50, P99 time.Duration
}

// Outcome is a scenario's row and what it found wrong: every problem is a
// bug.
type Outcome struct {
	Rows     []Row
	Problems []string
}

func (o *Outcome) problem(format string, args ...any) {
	o.Problems = append(o.Problems, fmt.Sprintf(format, args...))
}

// row builds a row from the phases' stats.
func row(store, fault string, lost int, recover time.Duration, phases ...*Stats) Row {
	var all Stats
	for _, p := range phases {
		all.add(p)
	}
	return Row{Store: store, Fault: fault, Sent: all.Sent, OK: all.OK, Failed: all.Failed, Hung: all.Hung,
		Lost: lost, Recover: recover, P50: all.Percentile(50), P99: all.Percentile(99)}
}

// recovery returns how long after end the last failure of after came.
func recovery(end time.Time, after *Stats) time.Duration {
	if after.Failed == 0 || after.LastFailure.Before(end) {
		return 0
	}
	return after.LastFailure.Sub(end)
}

// maxRecover is how soon service must be back after a fault ends.
const maxRecover = 5 * time.Second

// checkCommon reports hung requests, lost writes, failed requests without
// a cookie and a slow recovery.
func (o *Outcome) checkCommon(name string, r Row, phases ...*Stats) {
	if r.Hung > 0 {
		o.problem("%s: %d requests took longer than %v", name, r.Hung, Bound)
	}
	if r.Lost > 0 {
		o.problem("%s: %d acknowledged writes lost", name, r.Lost)
	}
	if r.Recover > maxRecover {
		o.problem("%s: requests still failed %v after the fault ended", name, r.Recover)
	}
	for _, p := range phases {
		if p.CookielessFailed > 0 {
			o.problem("%s: %d requests without a cookie failed: %v", name, p.CookielessFailed, p.Errors)
		}
	}
}

// Hung runs the load against a SQL store whose database stops answering
// for a while behind a proxy that keeps its connections open: requests
// with a cookie must answer 5xx within the bound, requests without one
// 200; Close of a store during the hang must return; once the proxy
// forwards again, service must come back within seconds, with no
// acknowledged write lost.
func Hung(ctx context.Context, e Env, kind string) (*Outcome, error) {
	dsn, err := e.dsn(kind)
	if err != nil {
		return nil, err
	}
	target, err := dsnAddr(kind, dsn)
	if err != nil {
		return nil, err
	}
	p, err := sqlstoretest.StartProxy(target, nil)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	defer p.Resume() // before the handles close: closing waits for hung connections
	st, err := openSQL(ctx, kind, dsn, p.Addr(), randomTable())
	if err != nil {
		return nil, err
	}
	defer st.drop()
	closing, err := st.sibling()
	if err != nil {
		return nil, err
	}
	a, err := startApp(st)
	if err != nil {
		return nil, err
	}
	defer a.srv.close()
	l := NewLoad(func() string { return a.srv.url })
	defer l.Close()
	o := &Outcome{}
	var before, during, after Stats
	l.Run(ctx, time.Second, &before)
	if _, err := closing.Load(ctx, strings.Repeat("0", 64)); !errors.Is(err, session.ErrNotFound) {
		o.problem("%s: Load before the hang: %v", kind, err)
	}

	e.logf("%s: hanging the database", kind)
	p.Hang()
	closed := make(chan time.Duration, 1)
	go func() {
		time.Sleep(500 * time.Millisecond)
		start := time.Now()
		_ = closing.Close()
		closed <- time.Since(start)
	}()
	l.Run(ctx, 3*time.Second, &during)
	select {
	case took := <-closed:
		if took > 2*time.Second {
			o.problem("%s: Close during the hang took %v", kind, took)
		}
	case <-time.After(5 * time.Second):
		o.problem("%s: Close during the hang has not returned after 7s", kind)
	}
	if n := during.Writes + during.ReadsOK; n > 0 {
		o.problem("%s: %d requests with a session answered 2xx while the database hung", kind, n)
	}
	p.Resume()
	resumed := time.Now()
	e.logf("%s: the database answers again", kind)
	l.Run(ctx, 4*time.Second, &after)
	lost, probs := l.Verify(5 * time.Second)
	o.Problems = append(o.Problems, probs...)
	r := row(kind, "hung database", lost, recovery(resumed, &after), &before, &during, &after)
	o.Rows = append(o.Rows, r)
	o.checkCommon(kind+" hung", r, &before, &during, &after)
	if after.Writes == 0 {
		o.problem("%s: no write succeeded after the hang: %v", kind, after.Errors)
	}
	return o, nil
}

// Restart runs the load against a SQL store on a private server that the
// scenario restarts: requests answer within the bound (5xx while it is
// down), the pool recovers by itself within seconds, and no acknowledged
// write is lost.
func Restart(ctx context.Context, e Env, kind string) (*Outcome, error) {
	var srv Server
	var err error
	if kind == Postgres {
		srv, err = StartPostgres(e.Dir)
	} else {
		srv, err = StartMariaDB(e.Dir)
	}
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	if kind == MariaDB {
		db, err := openRaw(kind, strings.TrimSuffix(srv.DSN(), "test"))
		if err != nil {
			return nil, err
		}
		_, err = db.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS test")
		db.Close()
		if err != nil {
			return nil, err
		}
	}
	st, err := openSQL(ctx, kind, srv.DSN(), srv.Addr(), randomTable())
	if err != nil {
		return nil, err
	}
	defer st.drop()
	a, err := startApp(st)
	if err != nil {
		return nil, err
	}
	defer a.srv.close()
	l := NewLoad(func() string { return a.srv.url })
	defer l.Close()
	o := &Outcome{}
	var before, during, after Stats
	l.Run(ctx, time.Second, &before)
	e.logf("%s: restarting the private server", kind)
	restarted := make(chan error, 1)
	rctx, stop := context.WithCancel(ctx)
	go func() {
		restarted <- srv.Restart(time.Second)
		stop()
	}()
	l.Run(rctx, 2*time.Minute, &during)
	if err := <-restarted; err != nil {
		return nil, fmt.Errorf("restart: %w", err)
	}
	end := time.Now()
	l.Run(ctx, 4*time.Second, &after)
	lost, probs := l.Verify(5 * time.Second)
	o.Problems = append(o.Problems, probs...)
	r := row(kind, "database restart", lost, recovery(end, &after), &before, &during, &after)
	o.Rows = append(o.Rows, r)
	o.checkCommon(kind+" restart", r, &before, &during, &after)
	if after.Writes == 0 {
		o.problem("%s: no write succeeded after the restart: %v", kind, after.Errors)
	}
	return o, nil
}

// Slow runs the load against a SQL store through a proxy, first as it
// is, then adding 200 ms to every round trip, and reports the latencies
// of both; no request may hang or fail, nor any write be lost.
func Slow(ctx context.Context, e Env, kind string) (*Outcome, error) {
	dsn, err := e.dsn(kind)
	if err != nil {
		return nil, err
	}
	target, err := dsnAddr(kind, dsn)
	if err != nil {
		return nil, err
	}
	p, err := sqlstoretest.StartProxy(target, nil)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	st, err := openSQL(ctx, kind, dsn, p.Addr(), randomTable())
	if err != nil {
		return nil, err
	}
	defer st.drop()
	// Room for a few round trips of 200 ms.
	a, err := startApp(st, session.WithLoadTimeout(3*time.Second), session.WithCommitTimeout(3*time.Second))
	if err != nil {
		return nil, err
	}
	defer a.srv.close()
	l := NewLoad(func() string { return a.srv.url })
	l.Bound = 4 * time.Second
	defer l.Close()
	o := &Outcome{}
	var base, slow Stats
	l.Run(ctx, 2*time.Second, &base)
	p.SetDelay(200 * time.Millisecond)
	l.Run(ctx, 3*time.Second, &slow)
	p.SetDelay(0)
	lost, probs := l.Verify(5 * time.Second)
	o.Problems = append(o.Problems, probs...)
	r0 := row(kind, "none (baseline)", 0, -1, &base)
	r1 := row(kind, "slow store +200ms/rt", lost, -1, &slow)
	o.Rows = append(o.Rows, r0, r1)
	for _, r := range []Row{r0, r1} {
		if r.Hung > 0 || r.Failed > 0 {
			o.problem("%s %s: %d failed, %d over %v: %v", kind, r.Fault, r.Failed, r.Hung, l.Bound, slow.Errors)
		}
	}
	if lost > 0 {
		o.problem("%s slow: %d acknowledged writes lost", kind, lost)
	}
	return o, nil
}

// FullDisk runs the load against the file store or bolt (kind "file" or
// "bolt") on a small tmpfs that the scenario fills: writes that need
// space fail with a 5xx and an error saying so, reads keep working, and
// once space returns writes work again, with no acknowledged write lost
// and no temporary file left. It needs root to mount; ErrSkip otherwise.
func FullDisk(ctx context.Context, e Env, kind string) (*Outcome, error) {
	mnt, err := os.MkdirTemp(e.Dir, "disk-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(mnt)
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%w: mount -t tmpfs: %v: %s (the full-disk scenario needs root)", ErrSkip, err, strings.TrimSpace(string(out)))
	}
	defer func() {
		if out, err := exec.Command("umount", "-l", mnt).CombinedOutput(); err != nil {
			e.logf("umount %s: %v: %s", mnt, err, out)
		}
	}()
	var store session.Store
	dir := filepath.Join(mnt, "sessions")
	switch kind {
	case "file":
		store, err = filestore.New(dir)
	case "bolt":
		if err = os.Mkdir(dir, 0o700); err == nil {
			store, err = boltstore.Open(filepath.Join(dir, "sessions.db"))
		}
	default:
		err = fmt.Errorf("faults: no full-disk scenario for %q", kind)
	}
	if err != nil {
		return nil, err
	}
	closeStore := sync1(func() { store.Close() })
	defer closeStore()
	if err := store.Setup(ctx); err != nil {
		return nil, err
	}
	a, err := startApp(store)
	if err != nil {
		return nil, err
	}
	defer a.srv.close()
	l := NewLoad(func() string { return a.srv.url })
	l.Grow = 512
	defer l.Close()
	o := &Outcome{}
	var before, full, after Stats
	l.Run(ctx, time.Second, &before)

	filler := filepath.Join(mnt, "filler")
	if err := fill(filler); err != nil {
		return nil, err
	}
	e.logf("%s: disk full", kind)
	// New sessions keep needing room, whatever room a store kept.
	l.FreshEvery = 4
	l.Run(ctx, 2*time.Second, &full)
	l.FreshEvery = 0
	if err := os.Remove(filler); err != nil {
		return nil, err
	}
	freed := time.Now()
	e.logf("%s: space back", kind)
	l.Run(ctx, 2*time.Second, &after)
	lost, probs := l.Verify(5 * time.Second)
	o.Problems = append(o.Problems, probs...)
	r := row(kind, "full disk", lost, recovery(freed, &after), &before, &full, &after)
	o.Rows = append(o.Rows, r)
	o.checkCommon(kind+" full disk", r, &before, &full, &after)
	if full.WritesFailed == 0 {
		o.problem("%s: no write failed on a full disk (%d succeeded): the scenario did not fill it", kind, full.Writes)
	}
	if full.ReadsFailed > 0 {
		o.problem("%s: %d reads failed on a full disk: %v", kind, full.ReadsFailed, full.Errors)
	}
	enospc := false
	for _, msg := range a.errs.all() {
		if strings.Contains(msg, syscall.ENOSPC.Error()) {
			enospc = true
			break
		}
	}
	if full.WritesFailed > 0 && !enospc {
		o.problem("%s: the errors of writes on a full disk do not say %q: %v", kind, syscall.ENOSPC.Error(), first(a.errs.all(), 3))
	}
	if after.Writes == 0 {
		o.problem("%s: no write succeeded after space returned: %v", kind, after.Errors)
	}
	a.srv.close()
	closeStore()
	_ = filepath.WalkDir(mnt, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(strings.ToLower(d.Name()), "tmp") {
			o.problem("%s: temporary file left after the full disk: %s", kind, path)
		}
		return nil
	})
	return o, nil
}

// fill writes path until the file system is full.
func fill(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for {
		if _, err := f.Write(buf); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return nil
			}
			return err
		}
	}
}

func first(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// sync1 returns f made idempotent.
func sync1(f func()) func() {
	done := false
	return func() {
		if !done {
			done = true
			f()
		}
	}
}
