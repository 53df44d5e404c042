package faults_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/session2/session2/faults"
)

// run runs one scenario as a subtest per store: skipped with the
// scenario's reason when it cannot run here, failed for every problem.
func run(t *testing.T, stores []string, scenario func(context.Context, faults.Env, string) (*faults.Outcome, error)) {
	for _, kind := range stores {
		t.Run(kind, func(t *testing.T) {
			e := faults.EnvFromEnvironment(t.TempDir())
			e.Logf = t.Logf
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			o, err := scenario(ctx, e, kind)
			if errors.Is(err, faults.ErrSkip) {
				t.Skip(err)
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range o.Rows {
				t.Logf("%+v", r)
			}
			for _, p := range o.Problems {
				t.Error(p)
			}
		})
	}
}

var sqlStores = []string{faults.Postgres, faults.MariaDB}

func TestHungDatabase(t *testing.T) { run(t, sqlStores, faults.Hung) }

func TestDatabaseRestart(t *testing.T) { run(t, sqlStores, faults.Restart) }

func TestAppCrash(t *testing.T) {
	run(t, []string{"file", "bolt", faults.Postgres, faults.MariaDB}, faults.Crash)
}

func TestFullDisk(t *testing.T) { run(t, []string{"file", "bolt"}, faults.FullDisk) }

func TestSlowStore(t *testing.T) { run(t, sqlStores, faults.Slow) }
