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
// Each user has an index, a hash at "<prefix>u:<user>" whose fields are
// the keys of that user's sessions. In a Cluster the index and a session
// live in different hash slots, so no script can change both: the index
// is maintained by separate commands, always written before a session
// names its user, and trimmed lazily (see "What is eventual" below).
//
// # Round trips
//
// Load is one HMGET. Save is one script (EVALSHA, falling back to EVAL
// when the server does not have it cached) that compares versions and
// writes the hash and its TTL atomically; a Save that gives a session a
// new user costs one more round trip, to write the index entry first.
// Touch is one script that moves the accessed time, the expiry and the
// TTL without rewriting the data. Delete is one DEL.
//
// # What is eventual
//
// The user index is a superset of the truth: every session that names a
// user is in that user's index from before the moment it names the user
// (a Save writes the entry first, then runs its script). The index may
// also hold entries whose session was deleted, expired or moved to another
// user: they stay until a heal removes them, which happens when the index
// is read (List or Prune by that user), when a login brings the index to
// a multiple of 32 entries, and for every index during a Prune without a
// user (sessionctl gc). A heal removes an entry only when it is older than
// 10 minutes and still holds the value the heal read (a compare-and-delete
// on a value each writer renews), so it can never remove the entry of a
// Save that is about to write its session: a Save whose entry has grown
// older than 5 minutes before its script runs writes the entry again. This
// holds as long as the clocks of the application hosts agree within a few
// minutes.
//
// Consequently Prune of a user ("log out everywhere") deletes every
// session that named the user when it started; List and Prune by user
// never miss a session and never yield another user's (each record is
// checked); and they cost time proportional to the user's index: the
// user's sessions plus the stale entries, which the heals keep to about 32
// beyond the entries younger than 10 minutes.
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
