package redisstore

import "github.com/redis/go-redis/v9"

// Results of saveScript.
const (
	saveConflict  = 0
	saveOK        = 1
	saveNeedIndex = 2
)

// saveScript is Save's compare-and-set on one session key.
//
//	KEYS[1]  the session's key
//	ARGV[1]  the version the caller loaded, "0" to create
//	ARGV[2]  the new version
//	ARGV[3]  user, ARGV[4] data, ARGV[5..7] created, accessed, expires
//	ARGV[8]  TTL in milliseconds
//	ARGV[9]  "1" when the caller wrote the user's index entry first
//
// It returns saveConflict when the stored version is not ARGV[1] (or the
// key exists on a create, or is gone on an update), saveNeedIndex when the
// record would name a user it did not name before and the caller has not
// written that user's index entry, and saveOK when it wrote the record.
var saveScript = redis.NewScript(`
local cur = redis.call('HMGET', KEYS[1], 'v', 'u')
if ARGV[1] == '0' then
	if cur[1] then return 0 end
elseif cur[1] ~= ARGV[1] then
	return 0
end
if ARGV[3] ~= '' and ARGV[9] ~= '1' and cur[2] ~= ARGV[3] then
	return 2
end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'u', ARGV[3], 'd', ARGV[4], 'c', ARGV[5], 'a', ARGV[6], 'e', ARGV[7])
redis.call('PEXPIRE', KEYS[1], ARGV[8])
return 1
`)

// touchScript is Touch on one session key.
//
//	KEYS[1]  the session's key
//	ARGV[1]  now, ARGV[2] accessed, ARGV[3] expires (Unix microseconds)
//	ARGV[4]  TTL in milliseconds
//
// It returns 0 when there is no record or it has expired, else 1.
var touchScript = redis.NewScript(`
local e = redis.call('HGET', KEYS[1], 'e')
if not e or tonumber(e) <= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'a', ARGV[2], 'e', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`)

// Results of pruneScript.
const (
	pruneGone    = -1
	pruneOther   = -2
	pruneKept    = 0
	pruneDeleted = 1
)

// pruneScript deletes one session if it matches a filter.
//
//	KEYS[1]  the session's key
//	ARGV[1]  "1" to match the user ARGV[2] exactly, "0" for any user
//	ARGV[3]  ExpiresBefore, ARGV[4] AccessedBefore, in Unix microseconds,
//	         or "" when the filter has none
//
// It returns pruneDeleted, pruneKept (the times do not match), pruneGone
// (no record) or pruneOther (the record names another user).
var pruneScript = redis.NewScript(`
local r = redis.call('HMGET', KEYS[1], 'u', 'e', 'a')
if not r[1] then return -1 end
if ARGV[1] == '1' and r[1] ~= ARGV[2] then return -2 end
if ARGV[3] ~= '' and tonumber(r[2]) > tonumber(ARGV[3]) then return 0 end
if ARGV[4] ~= '' and tonumber(r[3]) >= tonumber(ARGV[4]) then return 0 end
redis.call('DEL', KEYS[1])
return 1
`)

// settleScript removes or moves entries of a user's index, each only if
// it still holds the score the caller read: a writer that renewed the
// entry meanwhile keeps it as written.
//
//	KEYS[1]  the index's key
//	ARGV[1]  now, in Unix microseconds
//	ARGV[2..] triples: a session key (the member), the score read, and
//	         "0" to remove the entry or "1" to score it ARGV[1]
//
// It returns how many entries it removed.
var settleScript = redis.NewScript(`
local removed = 0
for i = 2, #ARGV, 3 do
	local cur = redis.call('ZSCORE', KEYS[1], ARGV[i])
	if cur and tonumber(cur) == tonumber(ARGV[i+1]) then
		if ARGV[i+2] == '1' then
			redis.call('ZADD', KEYS[1], ARGV[1], ARGV[i])
		else
			removed = removed + redis.call('ZREM', KEYS[1], ARGV[i])
		end
	end
end
return removed
`)

// migrateScript converts a user's index from the layout before sorted
// sets, a hash whose values began with the time the entry was written in
// Unix microseconds, to a sorted set scored by that time. It reads the
// whole hash, once per index; it does nothing to a key that is not a hash.
//
//	KEYS[1]  the index's key
var migrateScript = redis.NewScript(`
if redis.call('TYPE', KEYS[1])['ok'] ~= 'hash' then return 0 end
local all = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
for i = 1, #all, 2 do
	redis.call('ZADD', KEYS[1], tonumber(string.match(all[i+1], '^%d+')) or 0, all[i])
end
return #all / 2
`)
