package session

import "net/http"

// SetErrorResponder makes f answer a failed commit of this exchange instead
// of the manager's error handler, for an adapter whose framework has its
// own error handling (echo's HTTPErrorHandler). Respond calls f after
// clearing the handler's headers and setting Cache-Control: no-store and
// Vary; f gets the writer Respond was given and the request, and must
// answer before returning. Call it after Begin, before the handler runs.
func (x *Exchange[T]) SetErrorResponder(f func(w http.ResponseWriter, r *http.Request, err error)) {
	x.onError = f
}

// answerError answers a failed commit through the exchange's responder, or
// the manager's error handler.
func (x *Exchange[T]) answerError(w http.ResponseWriter, err error) {
	if x.onError == nil {
		x.m.Error(w, x.r, err)
		return
	}
	h := w.Header()
	if x.m.requestToken(x.r.Header) != "" {
		x.m.vary(h)
	}
	h.Set("Cache-Control", "no-store")
	x.onError(w, x.r, err)
}
