package telegramtest

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// maxBody bounds request bodies (the real API takes uploads up to 50 MB).
const maxBody = 50 << 20

// readParams collects the request's parameters from the query string and
// from a form-encoded, multipart or JSON body, the encodings the Bot API
// accepts. Later sources override earlier ones.
func readParams(w http.ResponseWriter, r *http.Request) (map[string]string, *apiError) {
	params := make(map[string]string)
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			params[k] = v[0]
		}
	}
	if r.Body == nil || r.Method == http.MethodGet || r.Method == http.MethodHead {
		return params, nil
	}
	body := http.MaxBytesReader(w, r.Body, maxBody)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		r.Body = body
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			return params, badRequest("can't parse multipart/form-data request")
		}
		for k, v := range r.MultipartForm.Value {
			if len(v) > 0 {
				params[k] = v[0]
			}
		}
		for k := range r.MultipartForm.File {
			params[k] = "attach://" + k
		}
		return params, nil
	case "application/json":
		raw, err := io.ReadAll(body)
		if err != nil {
			return params, badRequest("can't read request body")
		}
		if len(bytes.TrimSpace(raw)) == 0 {
			return params, nil
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return params, badRequest("can't parse JSON encoded request")
		}
		for k, v := range obj {
			v = bytes.TrimSpace(v)
			switch {
			case bytes.Equal(v, []byte("null")):
			case len(v) > 0 && v[0] == '"':
				var str string
				if err := json.Unmarshal(v, &str); err != nil {
					return params, badRequest("can't parse JSON encoded request")
				}
				params[k] = str
			default:
				params[k] = string(v)
			}
		}
		return params, nil
	default:
		raw, err := io.ReadAll(body)
		if err != nil {
			return params, badRequest("can't read request body")
		}
		form, err := url.ParseQuery(string(raw))
		if err != nil {
			return params, badRequest("can't parse form-encoded request")
		}
		for k, v := range form {
			if len(v) > 0 {
				params[k] = v[0]
			}
		}
		return params, nil
	}
}

// request is a validated call to a faked method.
type request struct {
	method string
	p      map[string]string
}

func (r *request) has(name string) bool { return r.p[name] != "" }

func (r *request) str(name string) string { return r.p[name] }

// int returns an Integer parameter; validation already checked its syntax.
func (r *request) int(name string) int64 {
	v, _ := strconv.ParseInt(strings.TrimSpace(r.p[name]), 10, 64)
	return v
}

func (r *request) bool(name string) bool {
	v, _ := parseBool(r.p[name])
	return v
}
