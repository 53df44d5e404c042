package migrating_test

import (
	"fmt"
	"net/http"

	"github.com/session2/session2/core/session"
)

// scs: sm.Put, sm.GetString, sm.GetInt, sm.PopString, sm.Remove, sm.Exists,
// sm.Keys, sm.Status. gorilla, gin-contrib, echo-contrib: session.Values[k],
// Get, Set, Delete, Save. session2 saves by itself: there is no Save.
func Example_getPutPop() {
	mgr := newManager()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /put", func(w http.ResponseWriter, r *http.Request) {
		m := mgr.Get(r).Data()
		m.Set("name", "ann")       // sm.Put(ctx, "name", "ann")
		m.Set("visits", 1)         // sm.Put(ctx, "visits", 1)
		m.Set("notice", "saved")   // sm.Put(ctx, "notice", "saved")
		m.Set("raw", []byte{1, 2}) // []byte comes back as []byte
		fmt.Fprint(w, mgr.Get(r).Status())
	})
	mux.HandleFunc("GET /get", func(w http.ResponseWriter, r *http.Request) {
		s := mgr.Get(r)
		m := s.Data()
		name, _ := m.GetString("name")     // sm.GetString(ctx, "name")
		visits, _ := m.GetInt("visits")    // sm.GetInt(ctx, "visits")
		notice, _ := m.PopString("notice") // sm.PopString(ctx, "notice")
		raw, _ := m.GetBytes("raw")        // sm.GetBytes(ctx, "raw")
		_, exists := m.Get("notice")       // sm.Exists(ctx, "notice")
		m.Delete("visits")                 // sm.Remove(ctx, "visits")
		fmt.Fprintf(w, "%s %d %q %v %v %v %s", name, visits, notice, raw, exists, m.Keys(), s.Status())
	})
	b := &browser{h: mgr.Handler(mux)}
	b.do("GET", "/put")
	b.do("GET", "/get")
	b.do("GET", "/get")
	// Output:
	// GET /put: 200 modified [cookie set]
	// GET /get: 200 ann 1 "saved" [1 2] false [name raw] modified
	// GET /get: 200 ann 0 "" [1 2] false [name raw] unmodified
}

// A struct in a Map comes back through GetAs (scs and gorilla gave it back
// after gob.Register). Or make the whole session a struct: session.New[T].
func Example_getAs() {
	type Cart struct {
		Items []string
		Total int
	}
	mgr := newManager()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /add", func(w http.ResponseWriter, r *http.Request) {
		mgr.Get(r).Data().Set("cart", Cart{Items: []string{"tea"}, Total: 4})
	})
	mux.HandleFunc("GET /cart", func(w http.ResponseWriter, r *http.Request) {
		cart, err := session.GetAs[Cart](mgr.Get(r).Data(), "cart")
		fmt.Fprintf(w, "%+v %v", cart, err)
	})
	b := &browser{h: mgr.Handler(mux)}
	b.do("GET", "/add")
	b.do("GET", "/cart")
	// Output:
	// GET /add: 200  [cookie set]
	// GET /cart: 200 {Items:[tea] Total:4} <nil>
}
