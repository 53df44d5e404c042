package memstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/memstore"
)

func Example() {
	store := memstore.New(memstore.WithMaxSessions(100000))
	defer store.Close()
	ctx := context.Background()

	// The manager passes keys, hashes of session tokens; so does this
	// example.
	sum := sha256.Sum256([]byte("a session token"))
	key := hex.EncodeToString(sum[:])

	now := time.Now()
	rec := session.Record{User: "ann", Data: []byte(`{"cart":3}`), Created: now, Accessed: now, Expires: now.Add(time.Hour)}
	if err := store.Save(ctx, key, rec); err != nil {
		fmt.Println(err)
	}
	got, _ := store.Load(ctx, key)
	fmt.Println(got.User, string(got.Data), got.Version)

	// A second create of the same key is a conflict.
	err := store.Save(ctx, key, rec)
	fmt.Println(errors.Is(err, session.ErrConflict))

	// Log ann out everywhere.
	n, _ := store.Prune(ctx, session.Filter{User: "ann"})
	fmt.Println("pruned", n)
	// Output:
	// ann {"cart":3} 1
	// true
	// pruned 1
}

func Example_openStore() {
	store, err := session.OpenStore(context.Background(), "memory:?max=1000&sweep=30s")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()
	fmt.Printf("%+v\n", store.Capabilities())
	// Output:
	// {Goroutines:true Processes:false Durable:false Shared:false}
}
