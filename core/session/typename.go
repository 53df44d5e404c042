package session

import (
	"context"
	"reflect"
)

// sessionTypeKey asks a context for the type of the session in it.
type sessionTypeKey struct{}

// tokenHeaderKey asks a context for the token header of the manager whose
// session is in it: "" in cookie mode.
type tokenHeaderKey struct{}

// typeName returns the name of T as Go prints it, such as "session.Map" or
// "main.Data".
func typeName[T any]() string { return reflect.TypeOf((*T)(nil)).Elem().String() }

// Missing explains why ctx holds no session of type T, for the panic of a
// getter such as an adapter's Get[T] or RequireUser[T]: either no session middleware ran, or
// the manager's session type is another one. It names both types:
//
//	no session of type session.Map in the request: its session is a
//	*session.Session[main.Data]; use the type argument main.Data (as in
//	Get[main.Data] and RequireUser[main.Data]), or a Manager[session.Map]
func Missing[T any](ctx context.Context) string {
	want := typeName[T]()
	if have, ok := ctx.Value(sessionTypeKey{}).(string); ok && have != want {
		return "no session of type " + want + " in the request: its session is a *session.Session[" + have +
			"]; use the type argument " + have +
			" (as in Get[" + have + "] and RequireUser[" + have + "]), or a Manager[" + want + "]"
	}
	return "no session of type " + want + " in the request: install the session middleware before this handler"
}
