package main

import (
	"fmt"
	"os"
)

// createPrivate creates a new file readable only by its owner; it refuses
// to overwrite an existing one.
func createPrivate(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	return f, nil
}
