package main

import (
	"context"
	"fmt"
	"io"
)

// runGraph implements "lotse graph" (to be written).
func runGraph(_ context.Context, _ []string, _, stderr io.Writer) int {
	fmt.Fprintln(stderr, "lotse graph: not implemented yet")
	return 1
}
