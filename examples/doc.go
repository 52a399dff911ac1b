// Package examples holds the examples of README.md (a workload, the CI example in ci/) and
// the test that runs the README's walkthrough commands as written.
package examples
