package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"lotse/flows"
	"lotse/locales"
)

const graphUsage = `Usage: lotse graph [FLOW] [--format mermaid|dot] [--lang LANG] [--content DIR]

Draws each flow, or the one named, as a diagram: a node per step (a
rectangle for a choice, a parallelogram for a text input, a rhombus for a
branch, a rounded box for a result) showing its ID and the start of its
question, and an edge per way on (option, typed answer, branch case,
default). Mermaid renders on GitHub in a ` + "```mermaid" + ` block; DOT with
Graphviz (dot -Tsvg). Several flows are printed one after another, separated
by a blank line.

Flags:
  --format F     mermaid (default) or dot
  --lang LANG    the language of the texts in the diagram (default en)
  --content DIR  draw the content in DIR (as for lotse check) instead of
                 the content built into this binary
`

// runGraph implements "lotse graph".
func runGraph(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("lotse graph", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() { io.WriteString(stderr, graphUsage) }
	format := fset.String("format", "mermaid", "mermaid or dot")
	lang := fset.String("lang", locales.Source.String(), "the language of the texts")
	dir := fset.String("content", "", "the content folder (default: built in)")
	// Flags may come before or after the flow's name.
	var names []string
	for {
		if err := fset.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			return 2
		}
		if fset.NArg() == 0 {
			break
		}
		names = append(names, fset.Arg(0))
		args = fset.Args()[1:]
	}
	if len(names) > 1 {
		fmt.Fprintf(stderr, "lotse graph: name at most one flow, not %s\n\n%s", strings.Join(names, ", "), graphUsage)
		return 2
	}
	var render func(f *flows.Flow, text func(string) string) string
	switch *format {
	case "mermaid":
		render = (*flows.Flow).Mermaid
	case "dot":
		render = (*flows.Flow).DOT
	default:
		fmt.Fprintf(stderr, "lotse graph: unknown format %q: use mermaid or dot\n", *format)
		return 2
	}
	src, err := openContent(*dir)
	if err != nil {
		fmt.Fprintln(stderr, "lotse graph:", err)
		return 2
	}
	c, err := flows.Load(src.flows)
	if err != nil {
		fmt.Fprintf(stderr, "lotse graph: %s (see lotse check)\n", loadProblem(src, err))
		return 1
	}
	cat, err := locales.Load(src.texts)
	if err != nil {
		fmt.Fprintf(stderr, "lotse graph: %v (see lotse check)\n", err)
		return 1
	}
	if !slices.Contains(cat.Languages(), *lang) {
		fmt.Fprintf(stderr, "lotse graph: unknown language %q; languages: %s\n", *lang, strings.Join(cat.Languages(), ", "))
		return 2
	}
	list := flowOrder(c)
	if len(names) == 1 {
		f := c.Flows[names[0]]
		if f == nil {
			ids := make([]string, len(list))
			for i, f := range list {
				ids[i] = f.ID
			}
			fmt.Fprintf(stderr, "lotse graph: unknown flow %q; flows: %s\n", names[0], strings.Join(ids, ", "))
			return 1
		}
		list = []*flows.Flow{f}
	}
	text := func(id string) string {
		s, _ := cat.Translate(*lang, id, nil)
		if s == "" {
			return id
		}
		return strings.ReplaceAll(s, "<no value>", "…") // a placeholder
	}
	for i, f := range list {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		io.WriteString(stdout, render(f, text))
	}
	return 0
}

// flowOrder lists the flows of the main menu in its order, then the
// others by ID.
func flowOrder(c *flows.Content) []*flows.Flow {
	list := slices.Clone(c.Menu())
	var rest []*flows.Flow
	for _, f := range c.Flows {
		if !slices.Contains(list, f) {
			rest = append(rest, f)
		}
	}
	slices.SortFunc(rest, func(a, b *flows.Flow) int { return strings.Compare(a.ID, b.ID) })
	return append(list, rest...)
}
