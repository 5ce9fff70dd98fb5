package flows

import (
	"fmt"
	"html"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file draws flows as diagrams for editors ("lotse graph").

// The edge labels that are not texts of the content.
const (
	typedAnswerLabel = "typed answer" // a text step without a catalogue
	otherwiseLabel   = "otherwise"    // a branch's default
	snippetRunes     = 40             // the most characters of a text a diagram shows
)

type graphNode struct {
	id      string
	typ     StepType
	snippet string // the start of the question, plain text
	missing bool   // a target that is no step of the flow
}

type graphEdge struct {
	from, to, label string
}

// graph lists the nodes and edges of the flow's diagram, in file order.
func (f *Flow) graph(text func(id string) string) ([]graphNode, []graphEdge) {
	if text == nil {
		text = func(id string) string { return id }
	}
	var nodes []graphNode
	var edges []graphEdge
	known := map[string]bool{}
	for _, s := range f.Steps {
		n := graphNode{id: s.ID, typ: s.Type}
		if s.Text != "" && (s.Type == StepChoice || s.Type == StepText) {
			n.snippet = snippet(dropHeading(text(s.Text)))
		}
		nodes = append(nodes, n)
		known[s.ID] = true
	}
	edge := func(from, to, label string) {
		if to == "" {
			return
		}
		edges = append(edges, graphEdge{from: from, to: to, label: label})
		if !known[to] {
			known[to] = true
			nodes = append(nodes, graphNode{id: to, missing: true})
		}
	}
	for _, s := range f.Steps {
		switch s.Type {
		case StepText:
			label := typedAnswerLabel
			if s.Lookup != "" {
				label = s.Lookup
			}
			edge(s.ID, s.Next, label)
		case StepBranch:
			for _, c := range s.Cases {
				edge(s.ID, c.Next, condLabel(c.If))
			}
			edge(s.ID, s.Default, otherwiseLabel)
		}
		for _, o := range s.Options {
			label := ""
			if o.Label != "" {
				label = snippet(text(o.Label))
			}
			if label == "" {
				label = o.ID
			}
			edge(s.ID, o.Next, label)
		}
	}
	return nodes, edges
}

// title is the text of the flow's start marker: its ID and title.
func (f *Flow) title(text func(id string) string) string {
	if text == nil || f.Title == "" {
		return f.ID
	}
	if t := snippet(text(f.Title)); t != "" {
		return f.ID + ": " + t
	}
	return f.ID
}

// condLabel writes a condition as "body = hwk" or, for several answers
// and values, "body = lpa or lisa, origin = third".
func condLabel(c Cond) string {
	var parts []string
	for _, name := range sortedKeys(c) {
		parts = append(parts, name+" = "+strings.Join(c[name], " or "))
	}
	return strings.Join(parts, ", ")
}

// dropHeading removes a first line that is all bold and followed by more
// text: a heading such as "<b>Recognition of a foreign qualification</b>"
// says less about a step than the question after it.
func dropHeading(s string) string {
	first, rest, ok := strings.Cut(strings.TrimSpace(s), "\n")
	first = strings.TrimSpace(first)
	if ok && strings.TrimSpace(rest) != "" && strings.HasPrefix(first, "<b>") && strings.HasSuffix(first, "</b>") &&
		strings.Count(first, "<b>") == 1 {
		return rest
	}
	return s
}

// snippet turns a Telegram HTML text into the plain start of its first
// words: tags removed, entities decoded, white space collapsed, at most
// snippetRunes characters, cut at the end of a word.
func snippet(s string) string {
	var b strings.Builder
	inTag := false
	for _, r := range s {
		switch {
		case r == '<':
			inTag = true
		case r == '>' && inTag:
			inTag = false
		case !inTag:
			b.WriteRune(r)
		}
	}
	s = strings.Join(strings.Fields(html.UnescapeString(b.String())), " ")
	if utf8.RuneCountInString(s) <= snippetRunes {
		return s
	}
	r := []rune(s)[:snippetRunes-1]
	for i := len(r) - 1; i > snippetRunes/2; i-- {
		if unicode.IsSpace(r[i]) { // end at a word's end where one is near
			r = r[:i]
			break
		}
	}
	return strings.TrimRightFunc(string(r), func(c rune) bool { return unicode.IsSpace(c) || strings.ContainsRune(",;:", c) }) + "…"
}

// Mermaid returns the flow as a Mermaid flowchart (https://mermaid.js.org),
// which GitHub renders in a ```mermaid block. A flag-shaped marker with the
// flow's title points to the start step. Each step is a node showing its
// ID and the start of its question: a rectangle for a choice, a
// parallelogram for a text input, a rhombus for a branch, a stadium for a
// result; a target that is no step is drawn with a dashed border. Edges go
// to option targets (labelled with the option's label), from a text step
// to its next step (labelled with the lookup catalogue, or "typed
// answer"), and from a branch to each case's step (labelled with the
// condition) and to its default ("otherwise").
//
// text translates a message ID into the language of the diagram; nil
// shows the message IDs.
func (f *Flow) Mermaid(text func(id string) string) string {
	nodes, edges := f.graph(text)
	var b strings.Builder
	b.WriteString("flowchart TD\n")
	fmt.Fprintf(&b, "  start>\"%s\"]\n", mermaidText(f.title(text)))
	fmt.Fprintf(&b, "  start --> %s\n", mermaidID(f.Start))
	var missing []string
	for _, n := range nodes {
		label := mermaidText(n.id)
		if n.snippet != "" {
			label += "<br/>" + mermaidText(n.snippet)
		}
		open, close := "[\"", "\"]"
		switch {
		case n.missing:
			label = mermaidText(n.id + " (no such step)")
			missing = append(missing, mermaidID(n.id))
		case n.typ == StepText:
			open, close = "[/\"", "\"/]"
		case n.typ == StepBranch:
			open, close = "{\"", "\"}"
		case n.typ == StepResult:
			open, close = "([\"", "\"])"
		}
		fmt.Fprintf(&b, "  %s%s%s%s\n", mermaidID(n.id), open, label, close)
	}
	for _, e := range edges {
		fmt.Fprintf(&b, "  %s -->|\"%s\"| %s\n", mermaidID(e.from), mermaidText(e.label), mermaidID(e.to))
	}
	if len(missing) > 0 {
		b.WriteString("  classDef missing stroke-dasharray: 5 5\n")
		fmt.Fprintf(&b, "  class %s missing\n", strings.Join(missing, ","))
	}
	return b.String()
}

// mermaidID makes a step ID a Mermaid node ID. The prefix keeps IDs such as
// "end" or "graph" from being read as keywords, and anything but letters,
// digits and _ (only in broken content) is replaced.
func mermaidID(id string) string {
	return "s_" + strings.Map(func(r rune) rune {
		if r < utf8.RuneSelf && (r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return r
		}
		return '_'
	}, id)
}

// mermaidText escapes text for a quoted Mermaid label with Mermaid's
// entity codes (#quot; and the like), so quotes, brackets, pipes and
// markup are shown as written.
func mermaidText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString("#quot;")
		case '#':
			b.WriteString("#35;")
		case '&':
			b.WriteString("#amp;")
		case '<':
			b.WriteString("#lt;")
		case '>':
			b.WriteString("#gt;")
		case '|':
			b.WriteString("#124;")
		case '`':
			b.WriteString("#96;")
		case '\n', '\r', '\t':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// DOT returns the flow as a Graphviz graph ("dot -Tsvg"), with the same
// nodes and edges as [Flow.Mermaid]: a box for a choice, a parallelogram
// for a text input, a diamond for a branch, a rounded box for a result, a
// dashed red box for a target that is no step.
//
// text translates a message ID into the language of the diagram; nil
// shows the message IDs.
func (f *Flow) DOT(text func(id string) string) string {
	nodes, edges := f.graph(text)
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %s {\n", dotString(f.ID))
	b.WriteString("  node [fontname=\"sans-serif\"];\n  edge [fontname=\"sans-serif\", fontsize=10];\n")
	fmt.Fprintf(&b, "  %s [shape=cds, label=%s];\n", dotString("(start)"), dotString(f.title(text)))
	fmt.Fprintf(&b, "  %s -> %s;\n", dotString("(start)"), dotString(f.Start))
	for _, n := range nodes {
		label := dotString(n.id)
		if n.snippet != "" {
			label = dotString(n.id + "\n" + n.snippet)
		}
		attrs := "shape=box"
		switch {
		case n.missing:
			label = dotString(n.id + " (no such step)")
			attrs = "shape=box, style=dashed, color=red"
		case n.typ == StepText:
			attrs = "shape=parallelogram"
		case n.typ == StepBranch:
			attrs = "shape=diamond"
		case n.typ == StepResult:
			attrs = "shape=box, style=rounded"
		}
		fmt.Fprintf(&b, "  %s [%s, label=%s];\n", dotString(n.id), attrs, label)
	}
	for _, e := range edges {
		fmt.Fprintf(&b, "  %s -> %s [label=%s];\n", dotString(e.from), dotString(e.to), dotString(e.label))
	}
	b.WriteString("}\n")
	return b.String()
}

// dotString quotes s as a DOT string: backslashes and quotes escaped, line
// breaks as \n (a centred line in a label).
func dotString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", "", "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}
