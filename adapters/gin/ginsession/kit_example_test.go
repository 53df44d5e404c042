package ginsession_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/gin-gonic/gin"

	"github.com/session2/session2/adapters/gin/ginsession"
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
	mgr := sessiontest.NewManager[Data](t)

	r := gin.New()
	r.Use(ginsession.Middleware(mgr))
	r.POST("/theme/:name", func(c *gin.Context) {
		s := ginsession.Get[Data](c)
		s.Data().Theme = c.Param("name")
		s.AddFlashKind(session.FlashSuccess, "theme saved")
	})

	req := sessiontest.WithSession(t, mgr, httptest.NewRequest("POST", "/theme/dark", nil), "ann",
		func(s *session.Session[Data]) { s.Data().Visits = 3 })
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)

	got := sessiontest.SessionAfter(t, mgr, req, rec.Result())
	fmt.Println(got.User, got.Data.Visits, got.Data.Theme, got.Flashes)
	// Output: ann 3 dark [{success theme saved}]
}
