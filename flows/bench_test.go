package flows_test

import (
	"context"
	"fmt"
	"testing"

	"lotse/flows"
	"lotse/flows/content"
	"lotse/flows/flowstest"
	"lotse/locales"
)

// benchEngine is an engine on the shipped content and texts with an
// in-memory store, so the benchmarks measure the engine, not the disk.
func benchEngine(b *testing.B) *flows.Engine {
	b.Helper()
	set, err := flows.Load(content.Files)
	if err != nil {
		b.Fatal(err)
	}
	cat, err := locales.Default()
	if err != nil {
		b.Fatal(err)
	}
	e, err := flows.NewEngine(flows.Config{Content: set, Store: flowstest.NewMemStore(), Translator: cat})
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// BenchmarkEngine measures one engine step per kind of event, including
// loading and saving the session (in memory) and rendering the replies.
func BenchmarkEngine(b *testing.B) {
	ctx := context.Background()
	cases := []struct {
		name  string
		setup []flows.Event
		ev    flows.Event
	}{
		{"command_start", nil, flows.Event{Kind: flows.KindCommand, Command: "start"}},
		{"button_language", nil, flows.Event{Kind: flows.KindButton, Data: "l:de", MessageID: 2}},
		{"button_topic", []flows.Event{{Kind: flows.KindButton, Data: "l:de"}}, flows.Event{Kind: flows.KindButton, Data: "f:recognition", MessageID: 3}},
		{"text_lookup", []flows.Event{{Kind: flows.KindButton, Data: "l:de"}, {Kind: flows.KindButton, Data: "f:recognition"}},
			flows.Event{Kind: flows.KindText, Text: "Ich habe als Krankenschwester gearbeitet"}},
		{"button_result", []flows.Event{{Kind: flows.KindButton, Data: "l:ar"}, {Kind: flows.KindButton, Data: "f:recognition"},
			{Kind: flows.KindText, Text: "nurse"}, {Kind: flows.KindButton, Data: "c:recognition:1:origin:third"}},
			flows.Event{Kind: flows.KindButton, Data: "c:recognition:1:residence:germany", MessageID: 5}},
		{"sticker", nil, flows.Event{Kind: flows.KindUnsupported, Media: "sticker"}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			e := benchEngine(b)
			// Each iteration is a new chat in the same state, so every event
			// does the same work (and none is a duplicate).
			prepare := func(chat int64) {
				for i, ev := range c.setup {
					ev.Chat, ev.UpdateID = chat, int64(i+1)
					if _, err := e.Handle(ctx, ev); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportAllocs()
			chat := int64(0)
			for b.Loop() {
				b.StopTimer()
				chat++
				prepare(chat)
				ev := c.ev
				ev.Chat, ev.UpdateID = chat, 100
				b.StartTimer()
				if _, err := e.Handle(ctx, ev); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkTranslate measures rendering one localised text, plain and
// right-to-left.
func BenchmarkTranslate(b *testing.B) {
	cat, err := locales.Default()
	if err != nil {
		b.Fatal(err)
	}
	for _, lang := range []string{"de", "ar"} {
		b.Run(lang, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := cat.Translate(lang, "recognition.result.lpa_health", nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCallback measures encoding and decoding button data.
func BenchmarkCallback(b *testing.B) {
	cb := flows.Callback{Action: flows.ActChoose, Flow: "recognition", Version: 1, Step: "residence", Value: "germany"}
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = cb.String()
		}
	})
	data := cb.String()
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := flows.ParseCallback(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCatalogMatch measures matching a typed profession.
func BenchmarkCatalogMatch(b *testing.B) {
	set, err := flows.Load(content.Files)
	if err != nil {
		b.Fatal(err)
	}
	cat := set.Catalogs["professions"]
	for _, text := range []string{"nurse", "Ich habe zehn Jahre als Krankenschwester in Syrien gearbeitet", "something unknown"} {
		b.Run(fmt.Sprintf("%d_bytes", len(text)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				cat.Match(text)
			}
		})
	}
}
