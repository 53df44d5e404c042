package session

import "strings"

// MaxFlashes is how many flash messages a session keeps queued; adding one
// more drops the oldest.
const MaxFlashes = 32

// Flash is a flash message with its kind, such as [FlashSuccess] or
// [FlashError], for the page to style it.
type Flash struct {
	// Kind is the message's kind: one of the Flash constants, another
	// name of the application's, or "" for a message added by AddFlash.
	Kind string
	// Text is the message.
	Text string
}

// Kinds of flash messages for AddFlashKind. Any other string works too.
const (
	FlashInfo    = "info"
	FlashSuccess = "success"
	FlashWarning = "warning"
	FlashError   = "error"
)

// AddFlash queues a message for the next page that calls Flashes. The
// session keeps the newest MaxFlashes messages. AddFlashKind adds a
// message with a kind.
func (s *Session[T]) AddFlash(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addFlashLocked(packFlash("", msg))
}

// AddFlashKind queues a message of a kind for the next page that calls
// TakeFlashes (or Flashes, which returns the texts alone):
//
//	s.AddFlashKind(session.FlashSuccess, "Saved.")
//
// The session keeps the newest MaxFlashes messages. Sessions stored by
// earlier versions, whose flashes were plain strings, still load: their
// flashes have the kind "".
func (s *Session[T]) AddFlashKind(kind, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addFlashLocked(packFlash(kind, text))
}

// Flashes returns the texts of the queued flash messages and removes them.
// TakeFlashes returns their kinds too.
func (s *Session[T]) Flashes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	packed := s.takeFlashesLocked()
	if len(packed) == 0 {
		return nil
	}
	out := make([]string, len(packed))
	for i, p := range packed {
		out[i] = unpackFlash(p).Text
	}
	return out
}

// TakeFlashes returns the queued flash messages with their kinds, oldest
// first, and removes them.
//
//	for _, f := range s.TakeFlashes() {
//		fmt.Fprintf(w, "<p class=%q>%s</p>", f.Kind, html.EscapeString(f.Text))
//	}
func (s *Session[T]) TakeFlashes() []Flash {
	s.mu.Lock()
	defer s.mu.Unlock()
	packed := s.takeFlashesLocked()
	if len(packed) == 0 {
		return nil
	}
	out := make([]Flash, len(packed))
	for i, p := range packed {
		out[i] = unpackFlash(p)
	}
	return out
}

// A session keeps its flashes packed in one string each, the kind, a NUL
// byte and the text, so that the merge of concurrent requests treats a
// flash as one value. A kind never holds a NUL.
func packFlash(kind, text string) string {
	kind = strings.ReplaceAll(kind, "\x00", "")
	return kind + "\x00" + text
}

func unpackFlash(p string) Flash {
	kind, text, _ := strings.Cut(p, "\x00")
	return Flash{Kind: kind, Text: text}
}

// kindedFlashes reports whether a packed flash has a kind, which only a
// format 2 envelope can store.
func kindedFlashes(flashes []string) bool {
	for _, f := range flashes {
		if len(f) > 0 && f[0] != 0 {
			return true
		}
	}
	return false
}

// addFlashLocked queues a packed flash. The caller holds s.mu.
func (s *Session[T]) addFlashLocked(p string) {
	if s.committed {
		s.lateLocked()
	}
	s.flashes = append(s.flashes, p)
	if n := len(s.flashes) - MaxFlashes; n > 0 {
		s.flashes = append(s.flashes[:0:0], s.flashes[n:]...)
	}
	s.ops.flashAdded = append(s.ops.flashAdded, p)
	s.ops.metaDirty = true
}

// takeFlashesLocked removes and returns the packed flashes. The caller
// holds s.mu.
func (s *Session[T]) takeFlashesLocked() []string {
	out := s.flashes
	if len(out) == 0 {
		return nil
	}
	if s.committed {
		s.lateLocked()
	}
	s.flashes = nil
	s.ops.flashTaken = append(s.ops.flashTaken, out...)
	s.ops.metaDirty = true
	return out
}
