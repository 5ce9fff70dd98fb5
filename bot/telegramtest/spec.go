package telegramtest

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"sort"
	"strconv"
	"strings"
)

//go:generate go run ./internal/genmethods -spec ../../../shared/botapi-spec.json -out testdata/methods.json

//go:embed testdata/methods.json
var methodsJSON []byte

// methodSpec is one Bot API method as the fake knows it: its parameters from
// the spec plus the legacy ones go-telegram-bot-api v5.5.1 still sends.
type methodSpec struct {
	Name   string      `json:"name"`
	Params []paramSpec `json:"params"`
	byName map[string]*paramSpec
}

type paramSpec struct {
	Name     string   `json:"name"`
	Types    []string `json:"types"`
	Required bool     `json:"required"`
	Legacy   string   `json:"legacy"`
}

type methodTable struct {
	SpecVersion string        `json:"spec_version"`
	Methods     []*methodSpec `json:"methods"`
	Unsupported []string      `json:"unsupported"`

	supported   map[string]*methodSpec // by lower-case name
	unsupported map[string]string      // lower-case name -> name
}

// methods is the parsed, embedded table. Bot API method names are
// case-insensitive, so lookups go through lower-case keys.
var methods = mustLoadMethods(methodsJSON)

func mustLoadMethods(raw []byte) *methodTable {
	var t methodTable
	if err := json.Unmarshal(raw, &t); err != nil {
		panic("telegramtest: bad embedded methods.json: " + err.Error())
	}
	t.supported = make(map[string]*methodSpec, len(t.Methods))
	for _, m := range t.Methods {
		m.byName = make(map[string]*paramSpec, len(m.Params))
		for i := range m.Params {
			m.byName[m.Params[i].Name] = &m.Params[i]
		}
		t.supported[strings.ToLower(m.Name)] = m
	}
	t.unsupported = make(map[string]string, len(t.Unsupported))
	for _, name := range t.Unsupported {
		t.unsupported[strings.ToLower(name)] = name
	}
	return &t
}

// lookup resolves a method name from a request path. It returns the spec of a
// faked method, or the canonical name of a real but unfaked one.
func (t *methodTable) lookup(name string) (m *methodSpec, canonical string, known bool) {
	key := strings.ToLower(name)
	if m, ok := t.supported[key]; ok {
		return m, m.Name, true
	}
	if c, ok := t.unsupported[key]; ok {
		return nil, c, true
	}
	return nil, name, false
}

// canonicalMethod maps any spelling of a method to its spec name, or returns
// name unchanged for "*" and unknown names.
func canonicalMethod(name string) string {
	if name == "*" {
		return name
	}
	_, c, _ := methods.lookup(name)
	return c
}

// validate checks params against the method's parameter list the way the
// fake's strict mode does: no unknown parameters, all required ones present
// and non-empty, and every value parseable as one of the declared types.
// It returns params with JSON parameters given as null removed.
func (m *methodSpec) validate(params map[string]string, lenient bool) (map[string]string, *apiError) {
	if !lenient {
		var unknown []string
		for name := range params {
			if _, ok := m.byName[name]; !ok {
				unknown = append(unknown, name)
			}
		}
		if len(unknown) > 0 {
			sort.Strings(unknown)
			return params, badRequest(fmt.Sprintf("unknown parameter %q for method %s", unknown[0], m.Name))
		}
	}
	cloned := false
	for i := range m.Params {
		p := &m.Params[i]
		v, ok := params[p.Name]
		if ok && isJSONType(p.Types[0]) && strings.TrimSpace(v) == "null" {
			// go-telegram-bot-api sends nil slices as "null" (entities,
			// allowed_updates); the Bot API reads null as absent. The
			// caller's map is kept as received for the call log.
			if !cloned {
				params, cloned = maps.Clone(params), true
			}
			delete(params, p.Name)
			v, ok = "", false
		}
		if !ok || v == "" {
			if p.Required {
				return params, missingParam(m.Name, p.Name)
			}
			continue
		}
		if err := checkType(p, v); err != nil {
			return params, err
		}
	}
	return params, nil
}

func missingParam(method, name string) *apiError {
	switch {
	case name == "chat_id":
		return badRequest("chat_id is empty")
	case name == "text" && method == "sendMessage":
		return badRequest("message text is empty")
	case name == "message_id":
		return badRequest("message identifier is not specified")
	}
	return badRequest(fmt.Sprintf("parameter %q is required", name))
}

// checkType accepts v if it parses as any of the parameter's declared types.
func checkType(p *paramSpec, v string) *apiError {
	for _, t := range p.Types {
		if valueHasType(v, t) {
			return nil
		}
	}
	if isJSONType(p.Types[0]) {
		return badRequest(fmt.Sprintf("can't parse %s JSON object", p.Name))
	}
	return badRequest(fmt.Sprintf("parameter %q must be of type %s", p.Name, strings.Join(p.Types, " or ")))
}

func valueHasType(v, t string) bool {
	switch t {
	case "String", "InputFile":
		return true
	case "Integer":
		_, err := strconv.ParseInt(v, 10, 64)
		return err == nil
	case "Float", "Float number":
		_, err := strconv.ParseFloat(v, 64)
		return err == nil
	case "Boolean", "True":
		_, ok := parseBool(v)
		return ok
	}
	v = strings.TrimSpace(v)
	if strings.HasPrefix(t, "Array of ") {
		return strings.HasPrefix(v, "[") && json.Valid([]byte(v))
	}
	return strings.HasPrefix(v, "{") && json.Valid([]byte(v))
}

func isJSONType(t string) bool {
	switch t {
	case "String", "InputFile", "Integer", "Float", "Float number", "Boolean", "True":
		return false
	}
	return true
}

// parseBool accepts the spellings the Bot API accepts for booleans.
func parseBool(v string) (value, ok bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "1":
		return true, true
	case "false", "0", "":
		return false, true
	}
	return false, false
}
