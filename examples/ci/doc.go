// Package ci is the CI example (profgen-ci.sh, profgen.mk, profile-image.yml); it holds only
// the test that runs the example end to end with runc.
package ci
