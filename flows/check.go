package flows

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Problem is one thing wrong with the content, with where it is.
type Problem struct {
	File string
	Line int
	Msg  string
}

// String formats the problem as "file:line: message".
func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
	}
	return p.File + ": " + p.Msg
}

var (
	idPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,15}$`)
	// maxVersion keeps callback data within 64 bytes (see ParseCallback).
	maxVersion = 999
)

// Check validates the content: flow and step IDs, every target of a
// transition, reachability of every step, the shape of each step type,
// conditions that name real answers and values, sources and catalogues
// that exist, and callback data within Telegram's 64 bytes. It returns all
// problems found, in file order; none means the content is sound.
func (c *Content) Check() []Problem {
	var ps []Problem
	for _, id := range sortedKeys(c.Flows) {
		ps = append(ps, c.checkFlow(c.Flows[id])...)
	}
	for _, id := range sortedKeys(c.Sources) {
		ps = append(ps, c.checkSource(c.Sources[id])...)
	}
	for _, id := range sortedKeys(c.Figures) {
		ps = append(ps, c.checkFigure(c.Figures[id])...)
	}
	for _, id := range sortedKeys(c.Catalogs) {
		ps = append(ps, checkCatalog(c.Catalogs[id])...)
	}
	for _, id := range sortedKeys(c.Deadlines) {
		d := c.Deadlines[id]
		bad := func(msg string) {
			ps = append(ps, Problem{File: DeadlinesFile, Msg: fmt.Sprintf("deadline %q: %s", id, msg)})
		}
		if d.Title == "" || d.Text == "" {
			bad("title and text (message IDs) are required")
		}
		if len(d.Sources) == 0 {
			bad("must cite a source")
		}
		for _, src := range d.Sources {
			if c.Sources[src] == nil {
				bad(fmt.Sprintf("cites unknown source %q", src))
			}
		}
		if !isToken(id) || len(id) > 16 {
			bad("id: use 1 to 16 of a-z, 0-9, _")
		}
	}
	if len(c.menu) == 0 {
		ps = append(ps, Problem{File: "content", Msg: "no flow is in the main menu (menu = 1, 2, …)"})
	}
	return ps
}

func (c *Content) checkFlow(f *Flow) []Problem {
	var ps []Problem
	bad := func(line int, format string, args ...any) {
		ps = append(ps, Problem{File: f.file, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	if !idPattern.MatchString(f.ID) {
		bad(lineOfValue(f.src, "id", f.ID), "flow id %q: use 1 to 16 of a-z, 0-9, _ starting with a letter", f.ID)
	}
	if f.Version < 1 || f.Version > maxVersion {
		bad(lineOf(f.src, "version"), "version %d: must be 1 to %d", f.Version, maxVersion)
	}
	if f.Title == "" {
		bad(1, "flow %q has no title", f.ID)
	}
	if f.Step(f.Start) == nil {
		bad(lineOfValue(f.src, "start", f.Start), "start step %q does not exist", f.Start)
	}
	if f.Terms != nil {
		for _, m := range c.checkInfo("terms", f.Terms, false) {
			bad(lineOf(f.src, "terms"), "%s", m)
		}
	}
	if f.People != nil {
		for _, m := range c.checkInfo("people", f.People, true) {
			bad(lineOf(f.src, "people"), "%s", m)
		}
	}
	answers := c.answerValues(f)
	for name := range answers {
		if c.Figures[name] != nil {
			bad(1, "answer %q has the name of a figure in %s; rename one of them", name, FiguresFile)
		}
	}
	for _, s := range f.Steps {
		line := f.line(s.ID)
		if !idPattern.MatchString(s.ID) {
			bad(line, "step id %q: use 1 to 16 of a-z, 0-9, _ starting with a letter", s.ID)
		}
		for _, m := range c.checkStep(f, s, answers) {
			bad(line, "step %q: %s", s.ID, m)
		}
	}
	for _, s := range f.Steps {
		if s.Type == StepBranch && branchCycle(f, s.ID) {
			bad(f.line(s.ID), "step %q: branches lead back to it without a question in between", s.ID)
		}
	}
	reach := reachable(f)
	for _, s := range f.Steps {
		if !reach[s.ID] {
			bad(f.line(s.ID), "step %q cannot be reached from the start", s.ID)
		}
	}
	return ps
}

func (c *Content) checkStep(f *Flow, s *Step, answers map[string][]string) []string {
	var ms []string
	bad := func(format string, args ...any) { ms = append(ms, fmt.Sprintf(format, args...)) }
	target := func(what, id string) {
		if id == "" {
			bad("%s is missing", what)
		} else if f.Step(id) == nil {
			bad("%s %q does not exist", what, id)
		}
	}
	needText := func() {
		if s.Text == "" {
			bad("text (a message ID) is missing")
		}
	}
	switch s.Type {
	case StepChoice:
		needText()
		switch {
		case s.Lookup != "":
			target("next", s.Next)
			if c.Catalogs[s.Lookup] == nil {
				bad("lookup catalogue %q does not exist", s.Lookup)
			} else if len(s.Entries) == 0 {
				bad("entries (which catalogue entries to offer) is missing")
			} else if !slices.ContainsFunc(s.Options, func(o Option) bool { return o.entry }) {
				bad("entries matches no entry of catalogue %q", s.Lookup)
			}
		case s.Answer == "":
			bad("answer (the name to store the choice under) is missing")
		}
		if len(s.Options) == 0 {
			bad("a choice needs options")
		}
	case StepText:
		needText()
		target("next", s.Next)
		if s.Lookup != "" {
			if c.Catalogs[s.Lookup] == nil {
				bad("lookup catalogue %q does not exist", s.Lookup)
			}
			if s.Invalid == "" {
				bad("invalid (the message when nothing matched) is missing")
			}
		} else if s.Answer == "" {
			bad("a text step needs lookup or answer")
		}
	case StepBranch:
		if len(s.Cases) == 0 {
			bad("a branch needs cases")
		}
		target("default", s.Default)
		for i, cs := range s.Cases {
			target(fmt.Sprintf("case %d next", i+1), cs.Next)
			ms = append(ms, checkCond(cs.If, answers)...)
			if len(cs.If) == 0 {
				bad("case %d has no condition", i+1)
			}
		}
	case StepResult:
		if len(s.Blocks) == 0 {
			bad("a result needs blocks")
		}
		if !slices.ContainsFunc(s.Blocks, func(b Block) bool { return !b.Details && len(b.If) == 0 }) {
			bad("a result needs a block without details = true and without a condition, so it never shows an empty message")
		}
		cited := false
		for i, b := range s.Blocks {
			if b.Text == "" {
				bad("block %d has no text", i+1)
			}
			ms = append(ms, checkCond(b.If, answers)...)
			for _, id := range b.Sources {
				cited = true
				if c.Sources[id] == nil {
					bad("block %d cites unknown source %q", i+1, id)
				}
			}
		}
		if !cited {
			bad("a result must cite at least one source")
		}
		if s.Followup != nil {
			ms = append(ms, c.checkInfo("followup", s.Followup, true)...)
		}
		for _, id := range s.Deadlines {
			if c.Deadlines[id] == nil {
				bad("deadline %q does not exist", id)
			}
		}
		for i, l := range s.Links {
			if l.Label == "" {
				bad("link %d has no label", i+1)
			}
			if !isHTTPS(l.URL) {
				bad("link %d: url %q is not an https address", i+1, l.URL)
			}
		}
	default:
		bad("unknown type %q (choice, text, branch or result)", s.Type)
	}
	seen := map[string]bool{}
	for _, o := range s.Options {
		if !idPattern.MatchString(o.ID) {
			bad("option id %q: use 1 to 16 of a-z, 0-9, _ starting with a letter", o.ID)
		}
		if seen[o.ID] {
			bad("option id %q is used twice", o.ID)
		}
		seen[o.ID] = true
		if o.Label == "" {
			bad("option %q has no label", o.ID)
		}
		target(fmt.Sprintf("option %q next", o.ID), o.Next)
		data := Callback{Action: ActChoose, Flow: f.ID, Version: f.Version, Step: s.ID, Value: o.ID}.String()
		if len(data) > MaxCallbackData {
			bad("option %q: callback data %q is %d bytes, over Telegram's %d", o.ID, data, len(data), MaxCallbackData)
		}
	}
	return ms
}

// checkCond reports conditions on answers no step gives, or on values no
// step can store.
func checkCond(c Cond, answers map[string][]string) []string {
	var ms []string
	for _, name := range sortedKeys(c) {
		possible, ok := answers[name]
		if !ok {
			ms = append(ms, fmt.Sprintf("condition on answer %q, which no step stores", name))
			continue
		}
		if possible == nil {
			continue // free text: any value
		}
		for _, v := range c[name] {
			if !slices.Contains(possible, v) {
				ms = append(ms, fmt.Sprintf("condition %s = %q can never hold (possible: %s)", name, v, strings.Join(possible, ", ")))
			}
		}
	}
	return ms
}

// answerValues lists, for every answer a flow can store, its possible
// values (nil for free text).
func (c *Content) answerValues(f *Flow) map[string][]string {
	out := map[string][]string{}
	add := func(name, v string) {
		if !slices.Contains(out[name], v) {
			out[name] = append(out[name], v)
		}
	}
	for _, s := range f.Steps {
		switch {
		case s.Type == StepChoice && s.Answer != "" && s.Lookup == "":
			for _, o := range s.Options {
				add(s.Answer, o.ID)
			}
		case s.Lookup != "":
			cat := c.Catalogs[s.Lookup]
			if cat == nil {
				continue
			}
			for _, e := range cat.Entries {
				add(cat.Answer, e.ID)
				for k, v := range e.Answers {
					add(k, v)
				}
			}
		case s.Type == StepText && s.Answer != "":
			out[s.Answer] = nil
		}
		for _, o := range s.Options {
			for k, v := range o.Answers {
				add(k, v)
			}
		}
	}
	return out
}

// branchCycle reports whether branch steps alone lead from start back to it.
func branchCycle(f *Flow, start string) bool {
	seen := map[string]bool{}
	var walk func(id string) bool
	walk = func(id string) bool {
		s := f.Step(id)
		if s == nil || s.Type != StepBranch {
			return false
		}
		if id == start && len(seen) > 0 {
			return true
		}
		if seen[id] {
			return false
		}
		seen[id] = true
		if walk(s.Default) {
			return true
		}
		for _, c := range s.Cases {
			if walk(c.Next) {
				return true
			}
		}
		return false
	}
	return walk(start)
}

// reachable returns the steps that can be reached from the flow's start.
func reachable(f *Flow) map[string]bool {
	seen := map[string]bool{}
	var walk func(id string)
	walk = func(id string) {
		s := f.Step(id)
		if s == nil || seen[id] {
			return
		}
		seen[id] = true
		walk(s.Next)
		walk(s.Default)
		for _, o := range s.Options {
			walk(o.Next)
		}
		for _, cs := range s.Cases {
			walk(cs.Next)
		}
	}
	walk(f.Start)
	return seen
}

// checkInfo checks a text with sources; needSource says whether it must
// cite one.
func (c *Content) checkInfo(what string, in *Info, needSource bool) []string {
	var ms []string
	if in.Text == "" {
		ms = append(ms, what+" has no text")
	}
	if needSource && len(in.Sources) == 0 {
		ms = append(ms, what+" must cite a source")
	}
	for _, id := range in.Sources {
		if c.Sources[id] == nil {
			ms = append(ms, fmt.Sprintf("%s cites unknown source %q", what, id))
		}
	}
	return ms
}

// checkFigure checks one yearly amount.
func (c *Content) checkFigure(f *Figure) []Problem {
	var ps []Problem
	bad := func(format string, args ...any) {
		ps = append(ps, Problem{File: FiguresFile, Line: f.line, Msg: fmt.Sprintf("figure %q: ", f.ID) + fmt.Sprintf(format, args...)})
	}
	if !idPattern.MatchString(f.ID) {
		bad("id: use 1 to 16 of a-z, 0-9, _ starting with a letter")
	}
	if f.Amount <= 0 {
		bad("amount must be above zero")
	}
	if f.Unit != "" && f.Unit != "EUR" {
		bad("unit %q: use \"EUR\" or leave it out", f.Unit)
	}
	if f.Year < 2000 || f.Year > 2100 {
		bad("year %d: the year the amount holds for, e.g. 2026", f.Year)
	}
	if f.Source == "" {
		bad("source is missing")
	} else if c.Sources[f.Source] == nil {
		bad("unknown source %q", f.Source)
	}
	return ps
}

func (c *Content) checkSource(s *Source) []Problem {
	var ps []Problem
	bad := func(format string, args ...any) {
		ps = append(ps, Problem{File: s.file, Line: s.line, Msg: fmt.Sprintf("source %q: ", s.ID) + fmt.Sprintf(format, args...)})
	}
	if s.Name == "" {
		bad("name is missing")
	}
	if !isHTTPS(s.URL) {
		bad("url %q is not an https address", s.URL)
	}
	if s.Checked.IsZero() {
		bad("checked (the date the page was last read) is missing")
	}
	return ps
}

func checkCatalog(c *Catalog) []Problem {
	var ps []Problem
	bad := func(line int, format string, args ...any) {
		ps = append(ps, Problem{File: c.file, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	if c.Answer == "" {
		bad(1, "answer (the name an entry's id is stored under) is missing")
	}
	owner := map[string]string{}
	seen := map[string]bool{}
	for _, e := range c.Entries {
		line := lineOfValue(c.src, "id", e.ID)
		if !idPattern.MatchString(e.ID) {
			bad(line, "entry id %q: use 1 to 16 of a-z, 0-9, _ starting with a letter", e.ID)
		}
		if seen[e.ID] {
			bad(line, "entry id %q is used twice", e.ID)
		}
		seen[e.ID] = true
		if e.Label == "" {
			bad(line, "entry %q has no label", e.ID)
		}
		if len(e.Names) == 0 {
			bad(line, "entry %q has no names", e.ID)
		}
		for lang, names := range e.Names {
			for _, n := range names {
				key := strings.Join(words(n), " ")
				if key == "" {
					bad(line, "entry %q: name %q (%s) has no letters", e.ID, n, lang)
					continue
				}
				if o, ok := owner[key]; ok && o != e.ID {
					bad(line, "entry %q: name %q is also a name of %q", e.ID, n, o)
				}
				owner[key] = e.ID
			}
		}
	}
	return ps
}

func isHTTPS(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != ""
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
