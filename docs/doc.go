// Package docs holds Vhod's documentation (docs/en, docs/ru) and the tests
// that keep it true: relative links point at files that exist, and every
// configuration shown by an integration guide is the file the end-to-end tests
// run (see the include rule in include_test.go).
package docs
