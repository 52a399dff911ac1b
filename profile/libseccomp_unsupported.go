//go:build !(linux && cgo)

package profile

func libseccompVersion() (string, error) { return "", ErrLibseccompUnavailable }
