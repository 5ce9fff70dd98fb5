package main

import (
	"context"
	"fmt"
	"io"
)

// runCheck implements "lotse check" (to be written).
func runCheck(_ context.Context, _ []string, _, stderr io.Writer) int {
	fmt.Fprintln(stderr, "lotse check: not implemented yet")
	return 1
}
