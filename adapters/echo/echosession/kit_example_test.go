package echosession_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/labstack/echo/v4"

	"github.com/session2/session2/adapters/echo/echosession"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/core/session/sessiontest"
)

// exampleT stands for the *testing.T of a real test, which an example does
// not have: it fails by panicking.
type exampleT struct{}

func (exampleT) Helper()                           {}
func (exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

// Basket is an application's session type.
type Basket struct {
	Items []string
}

// A handler test with the test kit: a request that carries a session with
// the given user and data, and the session the response left behind. In a
// test, pass the *testing.T where this example passes exampleT{}.
func Example_handlerTest() {
	t := exampleT{} // in a test: t *testing.T
	mgr := sessiontest.NewManager[Basket](t)

	e := echo.New()
	e.Use(echosession.Middleware(mgr))
	e.POST("/basket/:item", func(c echo.Context) error {
		s := echosession.Get[Basket](c)
		s.Data().Items = append(s.Data().Items, c.Param("item"))
		s.AddFlashKind(session.FlashSuccess, "added")
		return c.NoContent(http.StatusNoContent)
	})

	req := sessiontest.WithSession(t, mgr, httptest.NewRequest("POST", "/basket/tea", nil), "ann",
		func(s *session.Session[Basket]) { s.Data().Items = []string{"milk"} })
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)

	got := sessiontest.SessionAfter(t, mgr, req, rec.Result())
	fmt.Println(rec.Code, got.User, got.Data.Items, got.Flashes)
	// Output: 204 ann [milk tea] [{success added}]
}
