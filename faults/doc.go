// Package faults is session2's fault suite: it runs the stores under load
// while something goes wrong, and checks that nothing hangs and no
// acknowledged write is lost. It is a test-only module that nothing
// requires.
//
// Each scenario serves a small application (see [NewHandler]: a counter
// per session behind the core's net/http middleware) to [Clients]
// concurrent clients sending a mix of writes, reads and requests without a
// cookie, and injects one fault:
//
//   - [Hung]: PostgreSQL or MariaDB behind a proxy that stops forwarding
//     but keeps its connections open;
//   - [Restart]: a private PostgreSQL or MariaDB server (never the shared
//     ones) stopped and started again;
//   - [Crash]: the application, in a process of its own
//     (internal/faultserver), killed with SIGKILL [Kills] times while it
//     serves writes, on the file store, bolt, PostgreSQL and MariaDB;
//   - [FullDisk]: the file store and bolt on a small tmpfs that fills up;
//   - [Slow]: PostgreSQL or MariaDB behind a proxy adding 200 ms to every
//     round trip.
//
// A request counts as hung when it takes longer than [Bound] (the load
// timeout plus one second). A write is acknowledged when it was answered
// 2xx; it is lost when the counter read back afterwards is lower than the
// one acknowledged. The tests fail on any hung request, lost write, failed
// request without a cookie or slow recovery; the command
// cmd/faulttable prints the table of every scenario.
package faults
