package session

import (
	"net/http"
)

// EventKind names what happened to a session.
type EventKind int

// The kinds of [Event].
const (
	// EventCreated: a new session was stored.
	EventCreated EventKind = iota + 1
	// EventRenewed: the session got a new token (Renew or SetUser); Key is
	// the new key and OldKey the one deleted.
	EventRenewed
	// EventDestroyed: the session was deleted by Destroy, or because it lost
	// all its info.
	EventDestroyed
	// EventUndecodable: a stored record could not be decoded (the
	// application changed its session type, or the record is corrupt). The
	// request got a fresh session and the record was deleted.
	EventUndecodable
	// EventMerged: a save conflicted with a concurrent request and the
	// changes of this request were merged onto the newer record.
	EventMerged
	// EventOverwritten: while merging, this request and a concurrent one
	// had changed the same top-level field or key; this request's value won.
	EventOverwritten
	// EventDropped: the session was destroyed or renewed by a concurrent
	// request, so this request's changes were dropped.
	EventDropped
	// EventStoreError: the store failed; Err says how.
	EventStoreError
	// EventLateChange: the handler changed the session after the response
	// had started (the commit), so the change was not saved. Reported once
	// per request, with a warning through the manager's logger.
	EventLateChange
	// EventImported: a session of another library was imported
	// ([WithImporter]) and stored under Key.
	EventImported
	// EventImportFailed: importing a session of another library failed,
	// or its old record could not be deleted; Err says how. The request
	// went on with a fresh session.
	EventImportFailed
)

var eventNames = [...]string{
	EventCreated:      "created",
	EventRenewed:      "renewed",
	EventDestroyed:    "destroyed",
	EventUndecodable:  "undecodable",
	EventMerged:       "merged",
	EventOverwritten:  "overwritten",
	EventDropped:      "dropped",
	EventStoreError:   "store-error",
	EventLateChange:   "late-change",
	EventImported:     "imported",
	EventImportFailed: "import-failed",
}

// String returns the kind's name, such as "created".
func (k EventKind) String() string {
	if k > 0 && int(k) < len(eventNames) {
		return eventNames[k]
	}
	return "unknown"
}

// Event reports something that happened to a session, through the function
// given to [WithEventHook]. It never carries a token.
type Event struct {
	// Kind says what happened.
	Kind EventKind
	// Key is the store key of the session concerned.
	Key string
	// OldKey is the previous key of a renewed session.
	OldKey string
	// Err is the error behind EventUndecodable and EventStoreError.
	Err error
	// Request is the request during which it happened.
	Request *http.Request
}
