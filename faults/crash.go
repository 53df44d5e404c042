package faults

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// Kills is how many times the crash scenario kills the server.
const Kills = 20

// buildServer builds the suite's server command (internal/faultserver)
// into dir with go build.
func buildServer(dir string) (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", fmt.Errorf("%w: cannot find the suite's sources to build its server", ErrSkip)
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(dir, "faultserver")
	cmd := exec.Command(goTool, "build", "-o", bin, "./internal/faultserver")
	cmd.Dir = filepath.Dir(file)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./internal/faultserver: %v\n%s", err, out)
	}
	return bin, nil
}

// proc is a running server process.
type proc struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{}
}

// startServer starts bin on storeURL and waits for its address.
func startServer(bin, storeURL string) (*proc, error) {
	cmd := exec.Command(bin, "-store", storeURL)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			line <- sc.Text()
		}
		close(line)
		for sc.Scan() {
		}
		_ = cmd.Wait()
		close(p.done)
	}()
	select {
	case l, ok := <-line:
		if !ok || !strings.HasPrefix(l, "listening ") {
			p.kill()
			return nil, fmt.Errorf("faultserver did not start: %q", l)
		}
		p.url = strings.TrimPrefix(l, "listening ")
		return p, nil
	case <-time.After(30 * time.Second):
		p.kill()
		return nil, fmt.Errorf("faultserver did not start within 30s")
	}
}

// kill sends SIGKILL and waits for the process to end.
func (p *proc) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// Crash runs the load against the suite's server in a process of its
// own on a store (kind "file", "bolt", Postgres or MariaDB), kills it with
// SIGKILL [Kills] times while it serves writes, restarting it on the same
// store each time, and then checks that every acknowledged write is
// there.
func Crash(ctx context.Context, e Env, kind string) (*Outcome, error) {
	var target string
	switch kind {
	case "file":
		target = "file:" + filepath.Join(e.Dir, "crash-sessions")
	case "bolt":
		target = "bolt:" + filepath.Join(e.Dir, "crash-sessions.db")
	case Postgres, MariaDB:
		dsn, err := e.dsn(kind)
		if err != nil {
			return nil, err
		}
		table := randomTable()
		if target, err = storeURL(kind, dsn, table); err != nil {
			return nil, err
		}
		defer dropTables(kind, dsn, table)
	default:
		return nil, fmt.Errorf("faults: no crash scenario for %q", kind)
	}
	bin, err := buildServer(e.Dir)
	if err != nil {
		return nil, err
	}
	var cur atomic.Value
	cur.Store("http://127.0.0.1:1")
	l := NewLoad(func() string { return cur.Load().(string) })
	defer l.Close()
	o := &Outcome{}
	var st Stats
	var worst time.Duration
	rng := rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))
	var killedAt time.Time
	for i := 0; i < Kills; i++ {
		p, err := startServer(bin, target)
		if err != nil {
			return nil, fmt.Errorf("start %d: %w", i, err)
		}
		if !killedAt.IsZero() {
			worst = max(worst, time.Since(killedAt))
		}
		cur.Store(p.url)
		lctx, cancel := context.WithCancel(ctx)
		ran := make(chan struct{})
		go func() {
			l.Run(lctx, time.Minute, &st)
			close(ran)
		}()
		time.Sleep(150*time.Millisecond + time.Duration(rng.IntN(250))*time.Millisecond)
		p.kill()
		killedAt = time.Now()
		cancel()
		<-ran
	}
	p, err := startServer(bin, target)
	if err != nil {
		return nil, fmt.Errorf("start after the kills: %w", err)
	}
	worst = max(worst, time.Since(killedAt))
	cur.Store(p.url)
	lost, probs := l.Verify(5 * time.Second)
	p.kill()
	o.Problems = append(o.Problems, probs...)
	// Requests cut by a kill fail; none may hang.
	r := row(kind, fmt.Sprintf("app crash (SIGKILL x%d)", Kills), lost, worst, &st)
	o.Rows = append(o.Rows, r)
	if r.Hung > 0 {
		o.problem("%s crash: %d requests took longer than %v", kind, r.Hung, Bound)
	}
	if lost > 0 {
		o.problem("%s crash: %d acknowledged writes lost", kind, lost)
	}
	if st.Writes == 0 {
		o.problem("%s crash: no write was acknowledged: %v", kind, st.Errors)
	}
	e.logf("%s crash: %d acknowledged writes over %d kills", kind, st.Writes, Kills)
	return o, nil
}

// dropTables drops a table of the suite and its schema table.
func dropTables(kind, dsn, table string) {
	db, err := openRaw(kind, dsn)
	if err != nil {
		return
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	q := `"`
	if kind == MariaDB {
		q = "`"
	}
	for _, t := range []string{table, table + "_schema"} {
		_, _ = db.ExecContext(ctx, "DROP TABLE IF EXISTS "+q+t+q)
	}
}
