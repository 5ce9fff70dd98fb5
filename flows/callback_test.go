package flows_test

import (
	"errors"
	"strings"
	"testing"

	"lotse/flows"
)

var callbackTests = []struct {
	cb   flows.Callback
	data string
}{
	{flows.Callback{Action: flows.ActChoose, Flow: "recognition", Version: 1, Step: "origin", Value: "eu"}, "c:recognition:1:origin:eu"},
	{flows.Callback{Action: flows.ActBack, Flow: "demo", Version: 12, Step: "job"}, "b:demo:12:job"},
	{flows.Callback{Action: flows.ActMenu}, "m"},
	{flows.Callback{Action: flows.ActResume}, "r"},
	{flows.Callback{Action: flows.ActFlow, Flow: "language"}, "f:language"},
	{flows.Callback{Action: flows.ActLanguage, Value: "uk"}, "l:uk"},
	{flows.Callback{Action: flows.ActPrivacy, Value: "export"}, "p:export"},
	{flows.Callback{Action: flows.ActOffer, Flow: "recognition", Version: 1, Step: "result"}, "o:recognition:1:result"},
	{flows.Callback{Action: flows.ActRemind, Flow: "recognition", Version: 1, Step: "result", Value: "14"}, "w:recognition:1:result:14"},
	{flows.Callback{Action: flows.ActFollow, Value: "grant"}, "s:grant"},
	{flows.Callback{Action: flows.ActReminder, ID: 18446744073709551615, Value: "week"}, "n:18446744073709551615:week"},
	{flows.Callback{Action: flows.ActDetails, Flow: "career", Version: 3, Step: "result_grad"}, "d:career:3:result_grad"},
	{flows.Callback{Action: flows.ActInfo, Flow: "career", Version: 3, Value: "terms"}, "i:career:3:terms"},
}

func TestCallbackRoundTrip(t *testing.T) {
	for _, tt := range callbackTests {
		if got := tt.cb.String(); got != tt.data {
			t.Errorf("%+v.String() = %q, want %q", tt.cb, got, tt.data)
		}
		got, err := flows.ParseCallback(tt.data)
		if err != nil || got != tt.cb {
			t.Errorf("ParseCallback(%q) = %+v, %v; want %+v", tt.data, got, err, tt.cb)
		}
	}
}

func TestParseCallbackRejects(t *testing.T) {
	for _, data := range []string{
		"", "x", "c", "c:a:1:b", "c:a:1:b:c:d", "b:a:b:c", "c:a:01:b:c", "c:a:-1:b:c",
		"m:extra", "f", "l", "l:DE", "c:a:1:b:ü", "c:a:1:b: c", strings.Repeat("m", 65),
		"f:" + strings.Repeat("a", 63), "c:a:99999999999999999999:b:c", "r:", ":",
		"n:0:stop", "n:01:stop", "d:a:1", "i:a:1", "i:a:x:terms", "d:a:1:b:c", "n:18446744073709551616:stop", "n:x:stop", "n:5", "o:a:1", "s",
	} {
		if cb, err := flows.ParseCallback(data); !errors.Is(err, flows.ErrBadCallback) {
			t.Errorf("ParseCallback(%q) = %+v, %v; want ErrBadCallback", data, cb, err)
		}
	}
}

// FuzzParseCallback checks that any data either fails cleanly or decodes
// to a callback that encodes back to the same data, within 64 bytes.
func FuzzParseCallback(f *testing.F) {
	for _, tt := range callbackTests {
		f.Add(tt.data)
	}
	f.Add("c:a:1:b:\xff")
	f.Fuzz(func(t *testing.T, data string) {
		cb, err := flows.ParseCallback(data)
		if err != nil {
			return
		}
		if got := cb.String(); got != data {
			t.Errorf("ParseCallback(%q).String() = %q", data, got)
		}
		if len(data) > flows.MaxCallbackData {
			t.Errorf("accepted %d bytes", len(data))
		}
	})
}
