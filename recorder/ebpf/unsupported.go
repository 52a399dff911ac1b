//go:build !(linux && amd64)

package ebpf

import (
	"context"
	"fmt"
	"runtime"
)

func record(context.Context, Options) (*Result, error) { return nil, available() }

func prepare() {}

func available() error {
	return fmt.Errorf("%w: the recorder's programs are built for Linux on x86-64, not %s/%s", ErrUnavailable, runtime.GOOS, runtime.GOARCH)
}
