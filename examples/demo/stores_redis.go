package main

// The Redis store registers redis://, rediss://, redis+sentinel:// and
// redis+cluster:// itself when imported.
import _ "github.com/session2/session2/stores/redisstore"
