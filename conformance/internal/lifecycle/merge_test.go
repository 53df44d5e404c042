package lifecycle

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/session2/session2/conformance/storetest"
	"github.com/session2/session2/core/session"
)

// A save that conflicts twice must not re-apply, on the second round, the
// other request's change from the first round as if it were its own, which
// would overwrite a third request's newer value with an older one.
func TestSecondMergeRoundKeepsOthersWrite(t *testing.T) {
	ms := newMem(t)
	rt := routes{
		"/set": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			s.Data().Set(r.URL.Query().Get("k"), r.URL.Query().Get("v"))
		},
		"/get": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			v, _ := s.Data().GetString(r.URL.Query().Get("k"))
			w.Write([]byte(v))
		},
	}
	_, other := newAppOn(t, ms, rt) // the other process: plain store
	_, tok := do(other, "/set?k=a&v=0", "")

	// Before each of this manager's first two updates, another process
	// (another manager on the same store) updates a: to 1, then to 2, so
	// that both saves conflict.
	op := storetest.Wrap(ms)
	var mu sync.Mutex
	step := 0
	op.Before(storetest.Save, func(_ context.Context, _ string, rec session.Record, _ error) error {
		mu.Lock()
		step++
		n := step
		mu.Unlock()
		if rec.Version > 0 && n <= 2 {
			do(other, "/set?k=a&v="+map[int]string{1: "1", 2: "2"}[n], tok)
		}
		return nil
	})
	_, h := newAppOn(t, op, rt)
	do(h, "/set?k=b&v=mine", tok) // this request changes only b

	rec, _ := do(other, "/get?k=a", tok)
	if got := rec.Body.String(); got != "2" {
		t.Errorf("a = %q after the merge, want \"2\" (the last write of the other process; this request never touched a)", got)
	}
	rec, _ = do(other, "/get?k=b", tok)
	if rec.Body.String() != "mine" {
		t.Errorf("b lost")
	}
}
