package memstore

import (
	"time"

	"github.com/session2/session2/core/session"
)

// entry is a stored record with its place in the expiry heap.
type entry struct {
	session.Record
	key string
	idx int // index in Store.exp
}

// expiryHeap is a binary min-heap of the entries by Expires: the root
// expires first. Each entry knows its index, so a record whose expiry
// moves (Touch, Save) is re-sorted in O(log n), and the expired records
// are found in time proportional to their number, not to the store's.
type expiryHeap []*entry

func (h expiryHeap) less(i, j int) bool { return h[i].Expires.Before(h[j].Expires) }

func (h expiryHeap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx = i
	h[j].idx = j
}

func (h expiryHeap) up(j int) {
	for j > 0 {
		i := (j - 1) / 2
		if !h.less(j, i) {
			break
		}
		h.swap(i, j)
		j = i
	}
}

func (h expiryHeap) down(i int) bool {
	i0 := i
	n := len(h)
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		j := l
		if r := l + 1; r < n && h.less(r, l) {
			j = r
		}
		if !h.less(j, i) {
			break
		}
		h.swap(i, j)
		i = j
	}
	return i > i0
}

func (h *expiryHeap) push(e *entry) {
	e.idx = len(*h)
	*h = append(*h, e)
	h.up(e.idx)
}

// remove takes e out of the heap.
func (h *expiryHeap) remove(e *entry) {
	i, last := e.idx, len(*h)-1
	if i != last {
		h.swap(i, last)
	}
	(*h)[last] = nil
	*h = (*h)[:last]
	if i != last {
		h.fix(i)
	}
	e.idx = -1
}

// fix restores the order after the Expires of the entry at i changed.
func (h expiryHeap) fix(i int) {
	if !h.down(i) {
		h.up(i)
	}
}

// first returns the entry expiring first, or nil.
func (h expiryHeap) first() *entry {
	if len(h) == 0 {
		return nil
	}
	return h[0]
}

// collect appends to keys, up to max of them, the keys of the entries
// expiring at or before cutoff that match f. It visits only those entries
// (and the children that end each branch): a node later than the cutoff
// has no earlier descendant.
func (h expiryHeap) collect(cutoff time.Time, f session.Filter, keys []string, max int) []string {
	var walk func(i int) bool
	walk = func(i int) bool {
		if i >= len(h) || h[i].Expires.After(cutoff) {
			return true
		}
		if f.Match(h[i].Record) {
			if len(keys) == max {
				return false
			}
			keys = append(keys, h[i].key)
		}
		return walk(2*i+1) && walk(2*i+2)
	}
	walk(0)
	return keys
}

// sweep removes the expired records, releasing the lock every few hundred
// records, and returns how many it removed. It visits only the expired
// records: a pass with nothing expired costs the same whatever the
// store's size.
func (s *Store) sweep() int {
	now := s.clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for !s.closed {
		m := s.popExpiredLocked(now, chunkSize)
		n += m
		if m < chunkSize {
			break
		}
		s.mu.Unlock()
		s.mu.Lock()
	}
	return n
}

// evictExpiredLocked removes every record expired at now.
func (s *Store) evictExpiredLocked(now time.Time) {
	for s.popExpiredLocked(now, chunkSize) == chunkSize {
	}
}
