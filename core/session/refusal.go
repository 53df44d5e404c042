package session

import "net/http"

// ErrorHandler returns the handler set with [WithCSRFErrorHandler], nil
// when refused requests get the default 403 Forbidden. An adapter whose
// framework has its own error handling (echo's HTTPErrorHandler) sends
// refusals there when this is nil.
func (p *CSRF) ErrorHandler() ErrorHandler {
	if p.customOnError {
		return p.onError
	}
	return nil
}

// DenyHandler returns the handler set with SetDenyHandler, nil when
// refused requests get the default 403 Forbidden. An adapter whose
// framework has its own error handling sends refusals there when this is
// nil.
func (p *CrossOriginProtection) DenyHandler() http.Handler {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.deny
}
