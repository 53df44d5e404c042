// Package test holds the tests of otelsession that need the OpenTelemetry
// SDK (its in-memory span exporter and manual metric reader) or a
// database driver. It is a module of its own, which nothing requires, so
// that otelsession's go.mod lists the OpenTelemetry API alone: requiring
// the SDK there would put it, with golang.org/x/sys and google/uuid, in
// the module graph of every application that uses otelsession.
package test
