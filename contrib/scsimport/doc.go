// Package scsimport reads the sessions that github.com/alexedwards/scs/v2
// stored with its postgresstore, mysqlstore or redisstore, so that an
// application moving to session2 logs no one out: give the importer to
// [session.WithImporter], and a request that still carries scs's cookie
// becomes a session2 session under a fresh token, logged in, with its
// values.
//
//	imp, err := scsimport.Postgres(db, scsimport.WithUserKey("userID"))
//	mgr, err := session.New[session.Map](store,
//		session.WithImporter(imp, session.CopyValues))
//
// It decodes scs's record format itself (its GobCodec: a gob of a struct
// with the fields Deadline and Values), so scs is not needed at run time.
// The values are gob-encoded interface values: a value of the
// application's own type (a struct, a named type) decodes only if the
// type is registered with gob.Register under the name the scs application
// used, as scs itself required; register the same types before the first
// request. time.Time is registered by this package. An application that
// gave scs another codec passes its decoder with [WithCodec].
//
// The live import needs the scs store until every user came back. The
// offline import does not: [Importer.CopyTo] writes every live scs
// session as a copy into session2's own store, and
// [session.ImportCopies], given to WithImporter instead of the importer,
// serves them, so the scs store can be switched off right after the copy
// ("sessionctl import" does the copy for values of gob's basic types).
// [Importer.All] reads every live record.
package scsimport
