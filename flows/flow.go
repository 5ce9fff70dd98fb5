package flows

import (
	"fmt"
	"slices"
	"time"
)

// StepType says how a step behaves.
type StepType string

// The step types of the content format.
const (
	StepChoice StepType = "choice" // a question answered with a button
	StepText   StepType = "text"   // a question answered by typing
	StepBranch StepType = "branch" // an invisible switch on earlier answers
	StepResult StepType = "result" // the end of a flow
)

// Flow is one guided dialogue, as written in a flow file.
type Flow struct {
	ID      string `toml:"id"`
	Version int    `toml:"version"`
	Title   string `toml:"title"`
	Menu    int    `toml:"menu"`
	Start   string `toml:"start"`
	// Terms, if set, is the flow's "in plain words" explanation of the
	// German terms it uses; People names advice services a user can talk
	// to. Both are offered as buttons on the first question and on results.
	Terms  *Info   `toml:"terms"`
	People *Info   `toml:"people"`
	Steps  []*Step `toml:"steps"`

	file  string
	src   []byte
	steps map[string]*Step
}

// Step returns the step with the given ID, or nil.
func (f *Flow) Step(id string) *Step { return f.steps[id] }

// File returns the name of the file the flow was loaded from.
func (f *Flow) File() string { return f.file }

// Step is one step of a flow. Which fields matter depends on Type.
type Step struct {
	ID     string   `toml:"id"`
	Type   StepType `toml:"type"`
	Text   string   `toml:"text"`
	Answer string   `toml:"answer"`
	Lookup string   `toml:"lookup"`
	// Entries, on a choice step with Lookup, selects the catalogue entries
	// offered as buttons (those whose answers satisfy it): a list to
	// browse when typing did not find the right entry. Choosing one is
	// like typing its name; the buttons lead to Next.
	Entries Cond     `toml:"entries"`
	Invalid string   `toml:"invalid"`
	Next    string   `toml:"next"`
	Default string   `toml:"default"`
	Options []Option `toml:"options"`
	Cases   []Case   `toml:"cases"`
	Blocks  []Block  `toml:"blocks"`
	Links   []Link   `toml:"links"`
	// Followup, on a result, offers a reminder of the task it names.
	Followup *Info `toml:"followup"`
	// Deadlines, on a result, offers reminders of these deadlines.
	Deadlines []string `toml:"deadlines"`
}

// Info is a text with the sources that back it: a flow's terms and
// advice services, or the task a result's follow-up reminder names. Text
// is a message ID.
type Info struct {
	Text    string   `toml:"text"`
	Sources []string `toml:"sources"`
}

// Option is a button of a choice or text step. Answers are further
// answers set when it is chosen.
type Option struct {
	ID      string            `toml:"id"`
	Label   string            `toml:"label"`
	Next    string            `toml:"next"`
	Answers map[string]string `toml:"answers"`

	entry bool // made from a catalogue entry (see Step.Entries)
}

// option returns the option with the given ID, or nil.
func (s *Step) option(id string) *Option {
	for i := range s.Options {
		if s.Options[i].ID == id {
			return &s.Options[i]
		}
	}
	return nil
}

// Case is one arm of a branch step.
type Case struct {
	If   Cond   `toml:"if"`
	Next string `toml:"next"`
}

// Block is one paragraph of a result, shown when its condition holds.
// Details blocks are shown only when the user asks for more details.
type Block struct {
	If      Cond     `toml:"if"`
	Text    string   `toml:"text"`
	Sources []string `toml:"sources"`
	Details bool     `toml:"details"`
}

// Link is a button of a result that opens a web page.
type Link struct {
	Label string `toml:"label"`
	URL   string `toml:"url"`
}

// Cond is a condition on earlier answers: every named answer must equal one
// of the listed values. An empty Cond always holds.
type Cond map[string]Values

// Holds reports whether the answers satisfy the condition.
func (c Cond) Holds(answers map[string]string) bool {
	for name, want := range c {
		got, ok := answers[name]
		if !ok || !want.Contains(got) {
			return false
		}
	}
	return true
}

// Values is a list of accepted values; in TOML a single string or an array
// of strings.
type Values []string

// Contains reports whether v is one of the values.
func (vs Values) Contains(v string) bool { return slices.Contains(vs, v) }

// UnmarshalTOML accepts a string or an array of strings.
func (vs *Values) UnmarshalTOML(v any) error {
	switch v := v.(type) {
	case string:
		*vs = Values{v}
		return nil
	case []any:
		out := make(Values, 0, len(v))
		for _, x := range v {
			s, ok := x.(string)
			if !ok {
				return fmt.Errorf("condition value %v is not a string", x)
			}
			out = append(out, s)
		}
		*vs = out
		return nil
	}
	return fmt.Errorf("condition value %v is neither a string nor a list of strings", v)
}

// Source is an official source the content cites.
type Source struct {
	ID      string    `toml:"-"`
	Name    string    `toml:"name"`
	URL     string    `toml:"url"`
	Checked time.Time `toml:"checked"`

	file string // the file that defines it
	line int
}

// Figure is an amount that changes from year to year (a salary threshold,
// the proof of funds, the minimum training pay), kept in one file so an
// editor updates it in one place. Texts use it as the placeholder
// {{.<id>}} (the amount, formatted for the user's language) and
// {{.<id>_year}} (the year it holds for).
type Figure struct {
	ID     string  `toml:"-"`
	Amount float64 `toml:"amount"`
	// Unit is "EUR" (the amount is followed by " €") or empty.
	Unit   string `toml:"unit"`
	Year   int    `toml:"year"`
	Source string `toml:"source"`

	line int
}
