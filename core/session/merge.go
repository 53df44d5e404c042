package session

import (
	"reflect"
)

// mergeData applies the changes from orig to cur onto base, at the top
// level: the keys of a Map or a map type, the exported fields of a struct,
// or else the whole value. It reports whether base had also changed one of
// those keys or fields (a concurrent write that this request overwrites).
// The result is left in cur.
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
		if bv.IsNil() {
			bv.Set(reflect.MakeMap(cv.Type()))
		}
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
