package main

import (
	"context"
	"database/sql"
	"encoding/gob"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/redis/go-redis/v9"
	"github.com/session2/session2/contrib/scsimport"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/mysqlstore"
)

func init() {
	// scs keeps values as gob interface values: beside gob's basic types
	// and their slices (and time.Time, which scsimport registers), an scs
	// application could store these only after registering them, under
	// gob's default names, which are these.
	for _, v := range []any{
		map[string]any{}, map[string]string{}, map[string]int{}, map[string]int64{},
		map[string]float64{}, map[string]bool{}, []any{}, []map[string]any{},
	} {
		gob.Register(v)
	}
}

// scsSchemes are the URL schemes of the scs stores import reads.
var scsSchemes = []string{"postgres", "postgresql", "mysql", "redis", "rediss"}

// importCmd: copy every live session of an scs store into the store, for
// an application that then imports them with session.ImportCopies.
func (a *app) importCmd(fs *flag.FlagSet) runFunc {
	userKey := fs.String("user-key", "", "log the sessions in as the user held by the scs value `K` (a string or an integer)")
	table := fs.String("table", "", "scs's table `T` in PostgreSQL or MySQL (default sessions)")
	prefix := fs.String("prefix", "", "scs's key prefix `P` in Redis (default scs:session:)")
	return func(ctx context.Context, args []string) error {
		if err := wantArgs("import", args, "SCS-URL"); err != nil {
			return err
		}
		u, err := url.Parse(args[0])
		if err != nil || !slices.Contains(scsSchemes, u.Scheme) {
			return usagef("import", "import: SCS-URL must be a URL of scs's store: postgres://…, mysql://user:password@host:3306/db or redis://…")
		}
		src := u.Redacted()
		sqlDB := u.Scheme != "redis" && u.Scheme != "rediss"
		switch {
		case sqlDB && *prefix != "":
			return usagef("import", "import: -prefix is for Redis; scs's SQL stores take -table")
		case !sqlDB && *table != "":
			return usagef("import", "import: -table is for PostgreSQL and MySQL; scs's Redis store takes -prefix")
		}
		var opts []scsimport.Option
		if *userKey != "" {
			opts = append(opts, scsimport.WithUserKey(*userKey))
		}
		if *table != "" {
			opts = append(opts, scsimport.WithTable(*table))
		}
		if *prefix != "" {
			opts = append(opts, scsimport.WithPrefix(*prefix))
		}
		imp, closeSrc, err := openSCS(ctx, u, opts)
		if err != nil {
			return fmt.Errorf("scs store %s: %w", src, err)
		}
		defer closeSrc()
		return a.withStore(ctx, "import", func(s session.Store, name string) error {
			// Each copy is named by scs's store key: the token, or, for
			// an application that set HashTokenInStore, its hash, which
			// the application then gives to ImportCopies as
			// session.CopyKeyFunc(scsimport.HashedTokenKey).
			copies, err := session.ImportCopies(s, http.Cookie{Name: "session"})
			if err != nil {
				return err
			}
			st, err := imp.CopyTo(ctx, copies)
			fmt.Fprintf(a.stdout, "copied %s from %s into %s; skipped %d that ended, %d that failed\n",
				plural(st.Copied, "session"), src, name, st.Ended, st.Failed)
			if err != nil {
				return fmt.Errorf("import stopped: %w", err)
			}
			for _, e := range st.Errors {
				fmt.Fprintf(a.stderr, "sessionctl: import: %s\n", oneLine(e.Error()))
			}
			if st.Failed > 0 {
				return fmt.Errorf("%s could not be decoded and were not copied: their users will have to log in again. "+
					"Values of the application's own types can be decoded only by the application: run scsimport's CopyTo from its code, where those types are registered with gob",
					plural(st.Failed, "session"))
			}
			return nil
		})
	}
}

// openSCS opens the scs store named by u: a database or a Redis client,
// checked to answer, and the importer over it.
func openSCS(ctx context.Context, u *url.URL, opts []scsimport.Option) (*scsimport.Importer, func(), error) {
	octx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	if u.Scheme == "redis" || u.Scheme == "rediss" {
		ro, err := redis.ParseURL(u.String())
		if err != nil {
			return nil, nil, err
		}
		c := redis.NewClient(ro)
		if err := c.Ping(octx).Err(); err != nil {
			c.Close()
			return nil, nil, fmt.Errorf("cannot reach it: %w", err)
		}
		imp, err := scsimport.Redis(c, opts...)
		if err != nil {
			c.Close()
			return nil, nil, err
		}
		return imp, func() { c.Close() }, nil
	}
	driver, dsn := "postgres", u.String()
	if u.Scheme == "mysql" {
		var err error
		if dsn, err = mysqlstore.DSN(u); err != nil {
			return nil, nil, err
		}
		driver = "mysql"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, nil, errors.New(strings.ReplaceAll(err.Error(), dsn, "…"))
	}
	if err := db.PingContext(octx); err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("cannot reach it: %w", err)
	}
	newImp := scsimport.Postgres
	if driver == "mysql" {
		newImp = scsimport.MySQL
	}
	imp, err := newImp(db, opts...)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return imp, func() { db.Close() }, nil
}
