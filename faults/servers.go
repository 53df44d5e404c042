package faults

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"time"
)

// ErrSkip marks a scenario that cannot run here (a missing server binary,
// no permission to mount): the tests skip it with its message.
var ErrSkip = errors.New("faults: cannot run here")

// Server is a private database server the suite starts, restarts and
// stops: never one shared with others.
type Server interface {
	// Addr is the server's TCP address, host:port.
	Addr() string
	// DSN is the data source name of its database "test" for the driver.
	DSN() string
	// Restart stops the server, waits down for a moment, and starts it
	// again on the same address and data.
	Restart(down time.Duration) error
	// Stop stops it for good and removes its files.
	Stop()
}

// freePort returns a free loopback TCP port.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// waitTCP waits until addr accepts connections.
func waitTCP(addr string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s does not accept connections after %v: %w", addr, d, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// pgServer is a private PostgreSQL cluster.
type pgServer struct {
	bin, dir, data string
	port           int
	asUser         string // run the tools as this user (root may not)
}

// StartPostgres initialises and starts a private PostgreSQL cluster in a
// new directory under dir, from the newest /usr/lib/postgresql/*/bin. As
// root it runs the tools as the user postgres, since initdb refuses root.
func StartPostgres(dir string) (Server, error) {
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		return nil, fmt.Errorf("%w: no /usr/lib/postgresql/*/bin/initdb for a private PostgreSQL", ErrSkip)
	}
	sort.Strings(bins)
	s := &pgServer{bin: filepath.Dir(bins[len(bins)-1])}
	d, err := os.MkdirTemp(dir, "pg-")
	if err != nil {
		return nil, err
	}
	s.dir, s.data = d, filepath.Join(d, "data")
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("%w: running as root and there is no user postgres to run initdb as", ErrSkip)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(d, uid, gid); err != nil {
			return nil, err
		}
		// The tools must reach the directory: open the path up to it.
		for p := filepath.Dir(d); p != "/" && p != "."; p = filepath.Dir(p) {
			if fi, err := os.Stat(p); err == nil && fi.Mode().Perm()&0o001 == 0 {
				_ = os.Chmod(p, fi.Mode().Perm()|0o011)
			}
		}
		s.asUser = "postgres"
	}
	if s.port, err = freePort(); err != nil {
		return nil, err
	}
	if out, err := s.tool("initdb", "-D", s.data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8").CombinedOutput(); err != nil {
		os.RemoveAll(d)
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	if err := s.start(); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

func (s *pgServer) tool(name string, args ...string) *exec.Cmd {
	path := filepath.Join(s.bin, name)
	if s.asUser != "" {
		return exec.Command("runuser", append([]string{"-u", s.asUser, "--", path}, args...)...)
	}
	return exec.Command(path, args...)
}

func (s *pgServer) start() error {
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60", s.port, s.dir)
	cmd := s.tool("pg_ctl", "-D", s.data, "-o", opts, "-l", filepath.Join(s.dir, "log"), "-w", "-t", "30", "start")
	if out, err := cmd.CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(s.dir, "log"))
		return fmt.Errorf("pg_ctl start: %v: %s\n%s", err, out, log)
	}
	return waitTCP(s.Addr(), 30*time.Second)
}

func (s *pgServer) stop(mode string) error {
	if out, err := s.tool("pg_ctl", "-D", s.data, "-m", mode, "-w", "-t", "30", "stop").CombinedOutput(); err != nil {
		return fmt.Errorf("pg_ctl stop: %v: %s", err, out)
	}
	return nil
}

func (s *pgServer) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

func (s *pgServer) DSN() string {
	return fmt.Sprintf("postgres://postgres@%s/postgres?sslmode=disable", s.Addr())
}

func (s *pgServer) Restart(down time.Duration) error {
	if err := s.stop("fast"); err != nil {
		return err
	}
	time.Sleep(down)
	return s.start()
}

func (s *pgServer) Stop() {
	_ = s.stop("immediate")
	os.RemoveAll(s.dir)
}

// mariaServer is a private MariaDB server.
type mariaServer struct {
	bin, dir string
	port     int
	cmd      *exec.Cmd
	exited   chan struct{}
}

// StartMariaDB installs and starts a private MariaDB server in a new
// directory under dir, with mariadb-install-db and mariadbd (or mysqld),
// on a free port, its grant tables skipped (root without a password, on
// loopback only), with a database "test".
func StartMariaDB(dir string) (Server, error) {
	install, err1 := exec.LookPath("mariadb-install-db")
	if err1 != nil {
		install, err1 = exec.LookPath("mysql_install_db")
	}
	bin, err2 := exec.LookPath("mariadbd")
	if err2 != nil {
		for _, p := range []string{"/usr/sbin/mariadbd", "/usr/sbin/mysqld"} {
			if _, err := os.Stat(p); err == nil {
				bin, err2 = p, nil
				break
			}
		}
	}
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("%w: no mariadb-install-db and mariadbd for a private MariaDB", ErrSkip)
	}
	d, err := os.MkdirTemp(dir, "maria-")
	if err != nil {
		return nil, err
	}
	s := &mariaServer{bin: bin, dir: d}
	if s.port, err = freePort(); err != nil {
		return nil, err
	}
	args := []string{"--no-defaults", "--datadir=" + filepath.Join(d, "data"), "--skip-test-db", "--auth-root-authentication-method=normal"}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	if out, err := exec.Command(install, args...).CombinedOutput(); err != nil {
		os.RemoveAll(d)
		return nil, fmt.Errorf("mariadb-install-db: %v: %s", err, out)
	}
	if err := s.start(); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

func (s *mariaServer) start() error {
	args := []string{"--no-defaults",
		"--datadir=" + filepath.Join(s.dir, "data"),
		"--socket=" + filepath.Join(s.dir, "sock"),
		"--pid-file=" + filepath.Join(s.dir, "pid"),
		"--port=" + strconv.Itoa(s.port),
		"--bind-address=127.0.0.1",
		"--skip-grant-tables", "--skip-name-resolve",
		"--innodb-buffer-pool-size=32M", "--innodb-log-file-size=16M",
		"--log-error=" + filepath.Join(s.dir, "err.log"),
	}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	s.cmd = exec.Command(s.bin, args...)
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("mariadbd: %w", err)
	}
	s.exited = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) {
		_ = cmd.Wait()
		close(done)
	}(s.cmd, s.exited)
	if err := waitTCP(s.Addr(), 60*time.Second); err != nil {
		log, _ := os.ReadFile(filepath.Join(s.dir, "err.log"))
		return fmt.Errorf("%w\n%s", err, log)
	}
	return nil
}

func (s *mariaServer) stop(sig syscall.Signal) error {
	if s.cmd == nil || s.cmd.Process == nil {
		return nil
	}
	_ = s.cmd.Process.Signal(sig)
	select {
	case <-s.exited:
		return nil
	case <-time.After(60 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
		return errors.New("mariadbd did not stop within 60s of SIGTERM")
	}
}

func (s *mariaServer) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

func (s *mariaServer) DSN() string { return "root@tcp(" + s.Addr() + ")/test" }

func (s *mariaServer) Restart(down time.Duration) error {
	if err := s.stop(syscall.SIGTERM); err != nil {
		return err
	}
	time.Sleep(down)
	return s.start()
}

func (s *mariaServer) Stop() {
	_ = s.stop(syscall.SIGKILL)
	os.RemoveAll(s.dir)
}
