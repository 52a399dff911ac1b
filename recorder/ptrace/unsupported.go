//go:build !linux

package ptrace

import "context"

func record(context.Context, Options) (*Result, error) { return nil, ErrUnsupported }
