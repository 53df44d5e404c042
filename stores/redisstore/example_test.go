package redisstore_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/session2/session2/core/session"
	"github.com/session2/session2/stores/redisstore"
)

// A web application keeping its sessions in Redis, with the client
// settings the README recommends.
func Example() {
	client := redis.NewClient(&redis.Options{
		Addr:                  "127.0.0.1:6379",
		DialTimeout:           2 * time.Second,
		ReadTimeout:           time.Second,
		WriteTimeout:          time.Second,
		MaxRetries:            1,
		ContextTimeoutEnabled: true,
	})
	defer client.Close()
	store, err := redisstore.New(client, redisstore.WithPrefix("myapp:sessions:"))
	if err != nil {
		log.Fatal(err)
	}
	mgr, err := session.New[session.Map](store, session.WithExpiry(session.Expiry{Idle: 30 * time.Minute}))
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s := mgr.Get(r)
		n, _ := s.Data().GetInt("visits")
		s.Data().Set("visits", n+1)
		fmt.Fprintf(w, "visit %d\n", n+1)
	})
	log.Fatal(http.ListenAndServe(":8080", mgr.Handler(mux)))
}

// A Redis Cluster: the same store on a *redis.ClusterClient.
func ExampleNew_cluster() {
	client := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs:                 []string{"10.0.0.1:6379", "10.0.0.2:6379", "10.0.0.3:6379"},
		ReadTimeout:           time.Second,
		WriteTimeout:          time.Second,
		ContextTimeoutEnabled: true,
	})
	defer client.Close()
	store, err := redisstore.New(client)
	if err != nil {
		log.Fatal(err)
	}
	_ = store
}

// Opening a store by URL, as the demo and sessionctl do: importing the
// package registers redis://, rediss://, redis+sentinel:// and
// redis+cluster://.
func ExampleOpen() {
	ctx := context.Background()
	store, err := session.OpenStore(ctx, "redis+sentinel://sentinel1:26379/0?master_name=mymaster&addr=sentinel2:26379&prefix=myapp:")
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
}

// "Log out everywhere": delete every session of one user, through the
// user's index.
func ExampleStore_Prune() {
	ctx := context.Background()
	store, err := redisstore.Open(ctx, "redis://127.0.0.1:6379/0")
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	n, err := store.Prune(ctx, session.Filter{User: "alice"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("sessions ended:", n)
}
