// Package test holds the tests of scsimport against sessions that the real
// alexedwards/scs wrote, in a module of its own so that scs and its
// stores stay out of scsimport's module graph.
package test
