// Package basic is the Wine harness's self-test: tests that pass, print,
// and (on request) fail or hang, run by .ci/wine/selftest/check.
package basic
