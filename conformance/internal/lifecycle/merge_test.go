package lifecycle

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/memstore"
)

// otherProcess wraps a store; before each of the first n Saves of the
// manager it lets "another process" (another manager on the same store)
// commit a change first, so the manager's Save conflicts.
type otherProcess struct {
	session.Store
	mu     sync.Mutex
	n      int
	before func()
}

func (o *otherProcess) Save(ctx context.Context, key string, rec session.Record) error {
	o.mu.Lock()
	run := rec.Version > 0 && o.n > 0
	if run {
		o.n--
	}
	o.mu.Unlock()
	if run {
		o.before()
	}
	return o.Store.Save(ctx, key, rec)
}

// A save that conflicts twice must not re-apply, on the second round, the
// other request's change from the first round as if it were its own, which
// would overwrite a third request's newer value with an older one.
func TestSecondMergeRoundKeepsOthersWrite(t *testing.T) {
	ms := memstore.New()
	t.Cleanup(func() { ms.Close() })
	rt := routes{
		"/set": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			s.Data().Set(r.URL.Query().Get("k"), r.URL.Query().Get("v"))
		},
		"/get": func(w http.ResponseWriter, r *http.Request, s *session.Session[session.Map]) {
			v, _ := s.Data().GetString(r.URL.Query().Get("k"))
			w.Write([]byte(v))
		},
	}
	_, other, _ := newAppOn(t, ms, rt) // the other process: plain store
	_, tok := do(other, "/set?k=a&v=0", "")

	step := 0
	op := &otherProcess{Store: ms, n: 2}
	op.before = func() {
		step++
		v := map[int]string{1: "1", 2: "2"}[step]
		do(other, "/set?k=a&v="+v, tok) // another process updates a: 1, then 2
	}
	_, h, _ := newAppOn(t, op, rt)
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
