package chisession_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/go-chi/chi/v5"

	"github.com/session2/session2/adapters/chi/chisession"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// exampleT stands for the *testing.T of a real test, which an example does
// not have: it fails by panicking.
type exampleT struct{}

func (exampleT) Helper()                           {}
func (exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

// A handler test with the test kit: a request that carries a session with
// the given user and data, and the session the response left behind. In a
// test, pass the *testing.T where this example passes exampleT{}.
func Example_handlerTest() {
	t := exampleT{} // in a test: t *testing.T
	mgr := sessiontest.NewManager[Cart](t)

	r := chi.NewRouter()
	r.Use(chisession.Middleware(mgr))
	r.Post("/cart/{item}", func(w http.ResponseWriter, r *http.Request) {
		s := chisession.Get[Cart](r)
		s.Data().Items = append(s.Data().Items, chi.URLParam(r, "item"))
		s.AddFlashKind(session.FlashSuccess, "added")
	})

	req := sessiontest.WithSession(t, mgr, httptest.NewRequest("POST", "/cart/tea", nil), "ann",
		func(s *session.Session[Cart]) { s.Data().Items = []string{"milk"} })
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)

	got := sessiontest.SessionAfter(t, mgr, req, rec.Result())
	fmt.Println(got.User, got.Data.Items, got.Flashes)
	// Output: ann [milk tea] [{success added}]
}
