package flows

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
	"github.com/robfig/cron/v3"
)

// Content is a complete, loaded set of flows with their sources and
// catalogues.
type Content struct {
	Flows    map[string]*Flow
	Sources  map[string]*Source
	Catalogs map[string]*Catalog
	// Deadlines are the recurring deadlines users may subscribe to.
	Deadlines map[string]*DeadlineDef
	// Figures are the yearly amounts texts may use as placeholders.
	Figures map[string]*Figure

	menu       []*Flow
	figuresSrc []byte
	figs       sync.Map // language → the figures formatted for it
}

// Menu returns the flows of the main menu, in order.
func (c *Content) Menu() []*Flow { return c.menu }

// SourcesFile is the name of the file that lists the cited sources.
const SourcesFile = "sources.toml"

// DeadlinesFile is the name of the file that lists the deadlines.
const DeadlinesFile = "deadlines.toml"

// FiguresFile is the name of the file that lists the yearly amounts.
const FiguresFile = "figures.toml"

// CatalogDir is the folder that holds the catalogues.
const CatalogDir = "catalog"

// SourcesDir is the folder for further source files (sources/<topic>.toml),
// so that each flow's editor can keep its sources apart. A source ID must
// be unique across all of them and sources.toml.
const SourcesDir = "sources"

// Load reads a content folder: every *.toml file at its root is a flow,
// except sources.toml, deadlines.toml and figures.toml; sources/*.toml
// are further sources and catalog/*.toml catalogues. It returns the first
// syntax error it finds, with file and line; use [Content.Check] for the
// rest.
func Load(fsys fs.FS) (*Content, error) {
	c := &Content{
		Flows:     map[string]*Flow{},
		Sources:   map[string]*Source{},
		Catalogs:  map[string]*Catalog{},
		Deadlines: map[string]*DeadlineDef{},
		Figures:   map[string]*Figure{},
	}
	names, err := fs.Glob(fsys, "*.toml")
	if err != nil {
		return nil, fmt.Errorf("list flows: %w", err)
	}
	for _, name := range names {
		if name == SourcesFile {
			if err := c.loadSources(fsys, name); err != nil {
				return nil, err
			}
			continue
		}
		if name == DeadlinesFile {
			if err := c.loadDeadlines(fsys, name); err != nil {
				return nil, err
			}
			continue
		}
		if name == FiguresFile {
			if err := c.loadFigures(fsys, name); err != nil {
				return nil, err
			}
			continue
		}
		if err := c.loadFlow(fsys, name); err != nil {
			return nil, err
		}
	}
	more, err := fs.Glob(fsys, SourcesDir+"/*.toml")
	if err != nil {
		return nil, fmt.Errorf("list sources: %w", err)
	}
	for _, name := range more {
		if err := c.loadSources(fsys, name); err != nil {
			return nil, err
		}
	}
	cats, err := fs.Glob(fsys, CatalogDir+"/*.toml")
	if err != nil {
		return nil, fmt.Errorf("list catalogues: %w", err)
	}
	var nameFiles []string
	for _, name := range cats {
		if strings.Count(path.Base(name), ".") == 2 {
			nameFiles = append(nameFiles, name) // <catalogue>.<lang>.toml
			continue
		}
		if err := c.loadCatalog(fsys, name); err != nil {
			return nil, err
		}
	}
	for _, name := range nameFiles {
		if err := c.loadNames(fsys, name); err != nil {
			return nil, err
		}
	}
	for _, cat := range c.Catalogs {
		cat.buildIndex()
	}
	for _, f := range c.Flows {
		c.entryOptions(f)
	}
	for _, f := range c.Flows {
		if f.Menu > 0 {
			c.menu = append(c.menu, f)
		}
	}
	sort.Slice(c.menu, func(i, j int) bool {
		if c.menu[i].Menu != c.menu[j].Menu {
			return c.menu[i].Menu < c.menu[j].Menu
		}
		return c.menu[i].ID < c.menu[j].ID
	})
	return c, nil
}

// entryOptions gives each choice step with a lookup the catalogue entries
// its Entries condition selects, as options ahead of its own.
func (c *Content) entryOptions(f *Flow) {
	for _, s := range f.Steps {
		cat := c.Catalogs[s.Lookup]
		if s.Type != StepChoice || cat == nil || len(s.Entries) == 0 {
			continue
		}
		var opts []Option
		for _, e := range cat.Entries {
			if s.Entries.Holds(e.Answers) {
				opts = append(opts, Option{ID: e.ID, Label: e.Label, Next: s.Next, entry: true})
			}
		}
		s.Options = append(opts, s.Options...)
	}
}

func decodeFile(fsys fs.FS, name string, v any) ([]byte, error) {
	src, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	md, err := toml.Decode(string(src), v)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%s:%d: %s", name, pe.Position.Line, pe.Message)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return nil, fmt.Errorf("%s:%d: unknown key %s (a key belongs to the nearest [[…]] header above it: write a step's own keys before its options, cases, blocks and links)",
			name, lineOf(src, und[0][len(und[0])-1]), strings.Join(keys, ", "))
	}
	return src, nil
}

func (c *Content) loadFlow(fsys fs.FS, name string) error {
	f := &Flow{file: name}
	src, err := decodeFile(fsys, name, f)
	if err != nil {
		return err
	}
	f.src = src
	if prev, ok := c.Flows[f.ID]; ok {
		return fmt.Errorf("%s: flow id %q is also used by %s", name, f.ID, prev.file)
	}
	f.steps = make(map[string]*Step, len(f.Steps))
	for _, s := range f.Steps {
		if _, dup := f.steps[s.ID]; dup {
			return fmt.Errorf("%s:%d: step id %q is used twice", name, f.line(s.ID), s.ID)
		}
		f.steps[s.ID] = s
	}
	c.Flows[f.ID] = f
	return nil
}

func (c *Content) loadSources(fsys fs.FS, name string) error {
	var m map[string]*Source
	src, err := decodeFile(fsys, name, &m)
	if err != nil {
		return err
	}
	for id, s := range m {
		s.ID, s.file, s.line = id, name, lineOf(src, "["+id+"]")
		if prev, ok := c.Sources[id]; ok {
			return fmt.Errorf("%s:%d: source id %q is also used in %s", name, s.line, id, prev.file)
		}
		c.Sources[id] = s
	}
	return nil
}

func (c *Content) loadFigures(fsys fs.FS, name string) error {
	var m map[string]*Figure
	src, err := decodeFile(fsys, name, &m)
	if err != nil {
		return err
	}
	c.figuresSrc = src
	for id, f := range m {
		f.ID, f.line = id, lineOf(src, "["+id+"]")
		c.Figures[id] = f
	}
	return nil
}

func (c *Content) loadDeadlines(fsys fs.FS, name string) error {
	var m map[string]*DeadlineDef
	src, err := decodeFile(fsys, name, &m)
	if err != nil {
		return err
	}
	for id, d := range m {
		d.ID = id
		sched, err := cron.ParseStandard(d.Spec)
		if err != nil {
			return fmt.Errorf("%s:%d: deadline %q: spec %q: %w", name, lineOf(src, "["+id+"]"), id, d.Spec, err)
		}
		d.schedule = sched
		c.Deadlines[id] = d
	}
	return nil
}

func (c *Content) loadCatalog(fsys fs.FS, name string) error {
	cat := &Catalog{Name: strings.TrimSuffix(path.Base(name), ".toml"), file: name}
	src, err := decodeFile(fsys, name, cat)
	if err != nil {
		return err
	}
	cat.src = src
	c.Catalogs[cat.Name] = cat
	return nil
}

// loadNames reads a file of names in one language for a catalogue's
// entries: catalog/<catalogue>.<lang>.toml, with lines such as
// nurse = ["медсестра", "медична сестра"]. Translators keep their names
// there, apart from the catalogue and from each other.
func (c *Content) loadNames(fsys fs.FS, name string) error {
	parts := strings.Split(path.Base(name), ".")
	catName, lang := parts[0], parts[1]
	cat := c.Catalogs[catName]
	if cat == nil {
		return fmt.Errorf("%s: there is no catalogue %s.toml for these names", name, catName)
	}
	var names map[string][]string
	src, err := decodeFile(fsys, name, &names)
	if err != nil {
		return err
	}
	for id, list := range names {
		e := cat.entry(id)
		if e == nil {
			return fmt.Errorf("%s:%d: %q is not an entry of catalogue %s", name, lineOf(src, id), id, catName)
		}
		if e.Names == nil {
			e.Names = map[string][]string{}
		}
		e.Names[lang] = append(e.Names[lang], list...)
	}
	return nil
}

// line returns the line of the flow file that declares step id, or 0.
func (f *Flow) line(id string) int {
	return lineOfValue(f.src, "id", id)
}

// lineOfValue finds the first line of src that reads `key = "value"`.
func lineOfValue(src []byte, key, value string) int {
	want := []byte(`"` + value + `"`)
	for i, l := range bytes.Split(src, []byte("\n")) {
		t := bytes.TrimSpace(l)
		if bytes.HasPrefix(t, []byte(key)) && bytes.HasSuffix(t, want) {
			if k, _, ok := bytes.Cut(t, []byte("=")); ok && string(bytes.TrimSpace(k)) == key {
				return i + 1
			}
		}
	}
	return 0
}

// lineOf returns the first line of src that mentions word, or 0.
func lineOf(src []byte, word string) int {
	for i, l := range bytes.Split(src, []byte("\n")) {
		if bytes.Contains(l, []byte(word)) {
			return i + 1
		}
	}
	return 0
}

// MessageIDs returns every message ID the content uses, sorted. Every one
// must exist in every language.
func (c *Content) MessageIDs() []string {
	seen := map[string]bool{}
	add := func(id string) {
		if id != "" {
			seen[id] = true
		}
	}
	for _, f := range c.Flows {
		add(f.Title)
		for _, in := range []*Info{f.Terms, f.People} {
			if in != nil {
				add(in.Text)
			}
		}
		for _, s := range f.Steps {
			add(s.Text)
			add(s.Invalid)
			for _, o := range s.Options {
				add(o.Label)
			}
			for _, b := range s.Blocks {
				add(b.Text)
			}
			for _, l := range s.Links {
				add(l.Label)
			}
			if s.Followup != nil {
				add(s.Followup.Text)
			}
		}
	}
	for _, cat := range c.Catalogs {
		for _, e := range cat.Entries {
			add(e.Label)
		}
	}
	for _, d := range c.Deadlines {
		add(d.Title)
		add(d.Text)
	}
	ids := make([]string, 0, len(seen))
	for id := range seen {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
