// Package test holds the tests of gorillaimport against sessions that the
// real gorilla/sessions wrote, in a module of its own so that
// gorilla/sessions stays out of gorillaimport's module graph.
package test
