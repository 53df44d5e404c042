package session

import (
	"errors"
	"fmt"
	"reflect"
)

// reloadMerge loads the newer record after a conflict and applies this
// request's changes onto it, leaving the result in the session and the
// newer record as the baseline. gone reports that the record no longer
// exists (destroyed, or renewed away by another request): the request's
// changes are then dropped, never recreated.
//
// The newer record is decoded once per round; it then becomes what a
// further round measures this request's changes against, so that a
// further round does not count the other request's values as this
// request's.
func (c *commit[T]) reloadMerge() (gone bool, err error) {
	s := c.s
	key := s.base.key
	newer, err := c.m.store.Load(c.ctx, key)
	if errors.Is(err, ErrNotFound) || (err == nil && isTombstone(newer)) {
		c.m.event(c.x.r, EventDropped, key, "", nil)
		return true, nil
	}
	if err != nil {
		err = fmt.Errorf("session: reload after conflict: %w", err)
		c.m.event(c.x.r, EventStoreError, key, "", err)
		return false, err
	}
	if c.orig == nil {
		c.orig = c.m.decodeData(s.base.data)
	}
	next := new(T)
	env, err := decodeEnvelope(newer.Data)
	if err == nil {
		err = c.m.cfg.codec.Decode(env.data, next)
	}
	overlap := true // an unreadable newer record: this request's state wins whole
	switch {
	case err != nil:
		c.orig = new(T)
	case len(s.ops.updates) > 0:
		if overlap, err = c.replay(next); err != nil {
			return false, err
		}
		c.replayOps(env)
	default:
		overlap = mergeData(next, c.orig, &s.data)
		c.replayOps(env)
		c.orig = next
	}
	c.m.event(c.x.r, EventMerged, key, "", nil)
	if overlap {
		c.m.event(c.x.r, EventOverwritten, key, "", nil)
	}
	if s.user == s.base.user {
		s.user = newer.User
	}
	s.created = newer.Created
	s.base.set(key, newer)
	return false, nil
}

// replay rebuilds the session's data on newer, the newer record's data,
// for a request that used Session.Update: this request's changes made
// outside Update are merged per key, segment by segment, and each Update
// function runs again where it ran. Every round starts from the request's
// own states (the data it loaded, the encodings around each Update, the
// data the handler left), so the rounds do not pile up.
func (c *commit[T]) replay(newer *T) (overlap bool, err error) {
	s := c.s
	codec := c.m.cfg.codec
	if c.final == nil {
		// First round: what the handler left, and what it loaded.
		if c.final, err = codec.Encode(&s.data); err != nil {
			return false, encodeError(err)
		}
		c.loaded = c.orig
	}
	decode := func(b []byte) (*T, error) {
		v := new(T)
		if err := codec.Decode(b, v); err != nil {
			return nil, fmt.Errorf("session: replaying Update: %w", err)
		}
		return v, nil
	}
	base, from := newer, c.loaded
	for _, u := range s.ops.updates {
		to, err := decode(u.before)
		if err != nil {
			return false, err
		}
		if mergeData(base, from, to) {
			overlap = true
		}
		u.fn(to)
		if from, err = decode(u.after); err != nil {
			return false, err
		}
		base = to
	}
	if mp, ok := any(&s.data).(*Map); ok {
		mp.Clear()
	} else {
		var zero T
		s.data = zero
	}
	if err := codec.Decode(c.final, &s.data); err != nil {
		return false, fmt.Errorf("session: replaying Update: %w", err)
	}
	if mergeData(base, from, &s.data) {
		overlap = true
	}
	return overlap, nil
}

// replayOps applies this request's form token and flash operations onto
// the newer record's. After a renewal (SetUser, Renew) the newer record's
// form tokens are dropped: only those made since count.
func (c *commit[T]) replayOps(env envelope) {
	s, o := c.s, &c.s.ops
	if !o.renewed {
		tokens := removeAll(env.tokens, o.tokUsed)
		for _, t := range o.tokAdded {
			if !contains(tokens, t) {
				tokens = appendCapped(tokens, t)
			}
		}
		s.tokens = tokens
	}
	s.flashes = append(removeAll(env.flashes, o.flashTaken), o.flashAdded...)
	s.remote = env.remote
	s.settings = s.settings.merged(env.settings) // the settings another request stored, and ours
}

// decodeData decodes a record's Data into a new T, zero when it does not
// decode.
func (m *Manager[T]) decodeData(b []byte) *T {
	v := new(T)
	if env, err := decodeEnvelope(b); err == nil {
		if m.cfg.codec.Decode(env.data, v) != nil {
			v = new(T)
		}
	}
	return v
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// removeAll returns list without the values in drop, each drop value
// removing one occurrence.
func removeAll(list, drop []string) []string {
	out := make([]string, 0, len(list))
	used := make([]bool, len(drop))
outer:
	for _, v := range list {
		for i, d := range drop {
			if !used[i] && d == v {
				used[i] = true
				continue outer
			}
		}
		out = append(out, v)
	}
	return out
}

// mergeData applies the changes from orig to cur onto base, at the top
// level: the keys of a Map or a map type, the exported fields of a struct,
// or else the whole value. It reports whether base had also changed one of
// those keys or fields (a concurrent write that this request overwrites).
// The result is left in cur; base is not changed, though cur may share its
// values.
func mergeData[T any](base, orig, cur *T) (overlap bool) {
	if cm, ok := any(cur).(*Map); ok {
		return mergeMap(any(base).(*Map), any(orig).(*Map), cm)
	}
	bv, ov, cv := reflect.ValueOf(base).Elem(), reflect.ValueOf(orig).Elem(), reflect.ValueOf(cur).Elem()
	switch cv.Kind() {
	case reflect.Struct:
		t := cv.Type()
		for i := 0; i < t.NumField(); i++ {
			if !t.Field(i).IsExported() {
				continue
			}
			of, cf, bf := ov.Field(i), cv.Field(i), bv.Field(i)
			if reflect.DeepEqual(of.Interface(), cf.Interface()) {
				cf.Set(bf) // unchanged here: take the newer value
				continue
			}
			if !reflect.DeepEqual(of.Interface(), bf.Interface()) {
				overlap = true
			}
		}
		return overlap
	case reflect.Map:
		out := reflect.MakeMapWithSize(cv.Type(), bv.Len())
		for it := bv.MapRange(); it.Next(); {
			out.SetMapIndex(it.Key(), it.Value())
		}
		bv = out
		keys := map[any]reflect.Value{}
		for _, k := range ov.MapKeys() {
			keys[k.Interface()] = k
		}
		for _, k := range cv.MapKeys() {
			keys[k.Interface()] = k
		}
		for _, k := range keys {
			o, c, b := ov.MapIndex(k), cv.MapIndex(k), bv.MapIndex(k)
			if equalValues(o, c) {
				continue
			}
			if !equalValues(o, b) {
				overlap = true
			}
			bv.SetMapIndex(k, c) // an invalid c deletes the key
		}
		cv.Set(bv)
		return overlap
	default:
		if reflect.DeepEqual(ov.Interface(), cv.Interface()) {
			cv.Set(bv)
			return false
		}
		return !reflect.DeepEqual(ov.Interface(), bv.Interface())
	}
}

func equalValues(a, b reflect.Value) bool {
	if !a.IsValid() || !b.IsValid() {
		return a.IsValid() == b.IsValid()
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

func mergeMap(base, orig, cur *Map) (overlap bool) {
	bm, om, cm := base.snapshot(), orig.snapshot(), cur.snapshot()
	for k, o := range om {
		if _, ok := cm[k]; !ok { // deleted by this request
			if b, ok := bm[k]; ok && !reflect.DeepEqual(o, b) {
				overlap = true
			}
			delete(bm, k)
		}
	}
	for k, c := range cm {
		o, had := om[k]
		if had && reflect.DeepEqual(o, c) {
			continue
		}
		if b, ok := bm[k]; ok && (!had || !reflect.DeepEqual(o, b)) && !reflect.DeepEqual(b, c) {
			overlap = true
		}
		bm[k] = c
	}
	cur.mu.Lock()
	cur.m, cur.dirty = bm, true
	cur.mu.Unlock()
	return overlap
}
