// Package redisstore keeps sessions in Redis through
// github.com/redis/go-redis/v9: a single server, a Sentinel-managed
// master with failover, or a Redis Cluster, all through one
// [redis.UniversalClient].
//
// # Layout
//
// A session is a hash at "<prefix>s:<key>" with the fields v (version),
// u (user), d (data), c, a and e (created, accessed and expires, in Unix
// microseconds). Its Redis TTL is its Expires plus a retention period
// ([WithRetention], one minute by default), so Redis itself removes
// expired sessions; Load never returns a record whose Expires has passed,
// by the store's clock.
//
// Each user has an index, a sorted set at "<prefix>u:<user>" whose members
// are the keys of that user's sessions, each scored by the time its entry
// was last written (Unix microseconds); an index that is still a hash, the
// layout of development builds before, is converted on first use. In a
// Cluster the index and a session live in different hash slots, so no
// script can change both: the index is maintained by separate commands,
// always written before a session names its user, and trimmed lazily (see
// "What is eventual" below).
//
// # Round trips
//
// Load is one HMGET. Save is one script (EVALSHA, falling back to EVAL
// when the server does not have it cached) that compares versions and
// writes the hash and its TTL atomically; a Save that gives a session a
// new user costs one more round trip, to write the index entry first (two
// more again when that login's bounded heal step runs, see below).
// Touch is one script that moves the accessed time, the expiry and the
// TTL without rewriting the data. Delete is one DEL.
//
// # What is eventual
//
// The user index is a superset of the truth: every session that names a
// user is in that user's index from before the moment it names the user
// (a Save writes the entry first, then runs its script). The index may
// also hold entries whose session was deleted, expired or moved to another
// user: they stay until a heal removes them. A heal removes an entry only
// when it is older than 10 minutes and still holds the score the heal
// read (a compare-and-delete on a score each writer renews), so it can
// never remove the entry of a Save that is about to write its session: a
// Save whose entry has grown older than 5 minutes before its script runs
// writes the entry again. This holds as long as the clocks of the
// application hosts agree within a few minutes.
//
// Heals happen when the index is read in full (List or Prune by that user,
// and every index during a Prune without a user: sessionctl gc), and in
// bounded steps on logins: a login reads, with its own entry and in the
// same round trip, at most the 32 oldest entries older than 10 minutes;
// when it finds 32 it checks their sessions, drops the stale ones and
// scores the live ones now, moving them to the back, so that the next step
// reads entries not checked yet. A login thus costs at most two more round
// trips and 32 entries' work, whatever the size of the index, and it never
// reads the index in full.
//
// Consequently Prune of a user ("log out everywhere") deletes every
// session that named the user when it started; List and Prune by user
// never miss a session and never yield another user's (each record is
// checked); and they cost time proportional to the user's index: the
// user's sessions plus the stale entries. Each login's step trims up to
// 32 of those and adds one entry, until fewer than 32 entries older than
// 10 minutes are left; the index then holds the user's sessions, the
// entries of the last 10 minutes and fewer than 32 others.
//
// # Listing and pruning
//
// List and Prune without a user SCAN the keyspace (each master of a
// Cluster in turn) in batches, in memory bounded by the batch size,
// reading each batch in one pipelined round trip. They cost time
// proportional to the whole store, not to what matches. Redis may return
// a key twice from one SCAN when its key table shrinks during the scan,
// so List without a user may, rarely, yield a record twice; Prune counts
// each deletion once.
package redisstore
