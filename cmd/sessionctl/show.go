package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/session2/session2/core/session"
)

// revocationNote says what a revocation record is, for show.
const revocationNote = "revocation record, not a session: the session manager's note that this user's sessions are being or were signed out (log out everywhere, a revoked device), which makes a login in flight give up; it expires by itself"

// copyNote says what an import copy is, for show.
const copyNote = "import copy: another library's session, written by 'sessionctl import' or scsimport's CopyTo, waiting for its user's first request through session.ImportCopies, which turns it into a session and deletes it; its values are gob, not shown"

// showCmd: one session in detail.
func (a *app) showCmd(fs *flag.FlagSet) runFunc {
	asJSON := fs.Bool("json", false, "print a JSON object")
	return func(ctx context.Context, args []string) error {
		if err := wantArgs("show", args, "KEY"); err != nil {
			return err
		}
		if err := checkKeyArg("show", args[0]); err != nil {
			return err
		}
		return a.withStore(ctx, "show", func(s session.Store, _ string) error {
			e, err := a.resolve(ctx, s, args[0])
			if err != nil {
				return err
			}
			if *asJSON {
				return a.showJSON(e)
			}
			return a.showText(e)
		})
	}
}

func (a *app) showText(e session.Entry) error {
	now := a.now()
	r := e.Record
	var b bytes.Buffer
	u := "(anonymous)"
	if r.User != "" {
		u = printable(r.User)
	}
	revocation := session.IsRevocationRecord(r)
	if revocation {
		u = "- (not stored: the key is derived from the user's name)"
	}
	fmt.Fprintf(&b, "key:          %s\n", e.Key)
	copied := session.IsImportCopy(r)
	switch {
	case revocation:
		fmt.Fprintf(&b, "kind:         %s\n", revocationNote)
	case copied:
		fmt.Fprintf(&b, "kind:         %s\n", copyNote)
	}
	fmt.Fprintf(&b, "user:         %s\n", u)
	fmt.Fprintf(&b, "created:      %s\n", fmtTime(r.Created))
	fmt.Fprintf(&b, "last access:  %s\n", fmtTime(r.Accessed))
	fmt.Fprintf(&b, "expires:      %s (%s)\n", fmtTime(r.Expires), fmtUntil(r.Expires, now))
	fmt.Fprintf(&b, "version:      %d\n", r.Version)
	fmt.Fprintf(&b, "size:         %d bytes\n", len(r.Data))
	if revocation || copied {
		_, err := a.stdout.Write(b.Bytes())
		return err
	}
	env, err := decodeEnvelope(r.Data)
	if err != nil {
		fmt.Fprintf(&b, "data:         %v\n", err)
	} else {
		remote := "-"
		if env.remote != "" {
			remote = printable(env.remote)
		}
		fmt.Fprintf(&b, "remote addr:  %s\n", remote)
		fmt.Fprintf(&b, "form tokens:  %d outstanding (values not shown)\n", env.tokens)
		fmt.Fprintf(&b, "flashes:      %d queued\n", env.flashes)
		fmt.Fprintf(&b, "codec:        %s\n", env.codec())
		data, note := prettyData(env)
		if note != "" {
			fmt.Fprintf(&b, "data:         %s\n", note)
		} else {
			fmt.Fprintf(&b, "data:\n%s\n", data)
		}
	}
	_, err = a.stdout.Write(b.Bytes())
	return err
}

// prettyData returns the session's data indented when it is JSON, or a
// note saying why it is not shown.
func prettyData(env envelope) ([]byte, string) {
	raw, ok := env.jsonData()
	if !ok {
		switch env.codec() {
		case "none":
			return nil, "(none)"
		case "gob":
			return nil, fmt.Sprintf("%d bytes of gob, not shown", len(env.data))
		default:
			return nil, fmt.Sprintf("%d bytes in an unknown format (first byte 0x%02x), not shown", len(env.data), env.data[0])
		}
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		return nil, fmt.Sprintf("%d bytes that are not valid JSON, not shown", len(raw))
	}
	return escapeJSONText(out.Bytes()), ""
}

func (a *app) showJSON(e session.Entry) error {
	j := toJSON(e, a.now())
	env, err := decodeEnvelope(e.Record.Data)
	if session.IsRevocationRecord(e.Record) {
		j.Kind, j.DataNote = "revocation", revocationNote
	} else if session.IsImportCopy(e.Record) {
		j.Kind, j.DataNote = "import-copy", copyNote
	} else if err != nil {
		j.DataNote = err.Error()
	} else {
		j.Remote, j.FormTokens, j.Flashes = &env.remote, &env.tokens, &env.flashes
		j.Codec = env.codec()
		if raw, ok := env.jsonData(); ok && json.Valid(raw) {
			j.Data = raw
		} else {
			_, j.DataNote = prettyData(env)
		}
	}
	if err := writeJSON(a.stdout, j, true); err != nil {
		return err
	}
	_, err = io.WriteString(a.stdout, "\n")
	return err
}
