package session_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// note is a session type with its own JSON methods: Bad makes its encoding
// fail, and its decoding rejects anything but an object.
type note struct {
	Text string
	Bad  bool
}

func (n *note) MarshalJSON() ([]byte, error) {
	if n.Bad {
		return nil, errors.New("note: cannot encode")
	}
	return []byte(`{"text":"` + n.Text + `"}`), nil
}

func (n *note) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || b[0] != '{' {
		return errors.New("note: not an object")
	}
	n.Text = string(b[len(`{"text":"`) : len(b)-2])
	return nil
}

// A deployment that switches codecs, or a record the codec rejects, gives
// a fresh session: the old record is deleted and EventUndecodable
// reported, never an error on every request.
func TestCodecMismatchGivesFreshSession(t *testing.T) {
	for _, c := range []struct {
		name         string
		write, read  session.Codec
		corrupt      func([]byte) []byte
		wantReadable bool
	}{
		{name: "json then gob", write: session.JSONCodec{}, read: session.GobCodec{}},
		{name: "gob then json", write: session.GobCodec{}, read: session.JSONCodec{}},
		{name: "corrupt gob", write: session.GobCodec{}, read: session.GobCodec{},
			corrupt: func(b []byte) []byte { return append(b[:len(b)-4:len(b)-4], 0xff, 0xff, 0xff, 0xff) }},
		{name: "invalid JSON for an Unmarshaler", write: session.JSONCodec{}, read: session.JSONCodec{},
			corrupt: func(b []byte) []byte { return append(b[:len(b)-1:len(b)-1], '{') }},
		{name: "same codec", write: session.JSONCodec{}, read: session.JSONCodec{}, wantReadable: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := sessiontest.NewStore()
			mw, err := session.New[note](st, session.WithCodec(c.write))
			if err != nil {
				t.Fatal(err)
			}
			h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { mw.Get(r).Data().Text = "hello" }))
			_, tok := do(h, "/", "")
			if c.corrupt != nil {
				ctx := context.Background()
				rec, err := st.Load(ctx, keyOf(tok))
				if err != nil {
					t.Fatal(err)
				}
				rec.Data = c.corrupt(rec.Data)
				if err := st.Save(ctx, keyOf(tok), rec); err != nil {
					t.Fatal(err)
				}
			}
			ev := &evlog{}
			mr, err := session.New[note](st, session.WithCodec(c.read), session.WithEventHook(ev.hook))
			if err != nil {
				t.Fatal(err)
			}
			var text string
			var isNew bool
			h = mr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := mr.Get(r)
				text, isNew = s.Data().Text, s.IsNew()
			}))
			rec, _ := do(h, "/", tok)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d", rec.Code)
			}
			if c.wantReadable {
				if text != "hello" || isNew {
					t.Errorf("text %q, new %v; want the stored session", text, isNew)
				}
				return
			}
			if text != "" || !isNew || ev.count(session.EventUndecodable) != 1 || st.Len() != 0 {
				t.Errorf("text %q, new %v, events %v, %d records; want a fresh session, EventUndecodable, the record deleted",
					text, isNew, ev.kinds(), st.Len())
			}
		})
	}
}

// A session whose data the codec cannot encode fails the request through
// the error handler, and nothing is stored.
func TestCodecEncodeFails(t *testing.T) {
	type unregistered struct{ N int }
	type anyValue struct{ V any }
	check := func(name string, st *sessiontest.Wrapper, h http.Handler) {
		t.Helper()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, reqWith("/", ""))
		if rec.Code < 500 || cookieOf(rec.Result().Header) != "" || st.Writes() != 0 {
			t.Errorf("%s: status %d, cookie %q, %d writes; want the error handler and nothing stored",
				name, rec.Code, cookieOf(rec.Result().Header), st.Writes())
		}
	}
	st := newWrapped()
	mj, err := session.New[note](st)
	if err != nil {
		t.Fatal(err)
	}
	check("JSON", st, mj.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mj.Get(r).Data().Bad = true
	})))
	st = newWrapped()
	mg, err := session.New[anyValue](st, session.WithCodec(session.GobCodec{}))
	if err != nil {
		t.Fatal(err)
	}
	check("gob", st, mg.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mg.Get(r).Data().V = unregistered{1} // not gob.Register'ed
	})))
}
