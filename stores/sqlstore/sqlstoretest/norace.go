//go:build !race

package sqlstoretest

// raceEnabled reports a build with the race detector, under which
// sync.Pool drops some of what it is given, so allocation counts are not
// the product's.
const raceEnabled = false
