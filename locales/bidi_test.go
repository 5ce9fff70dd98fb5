package locales_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"lotse/locales"
)

func TestIsolateLTR(t *testing.T) {
	// ⁅ and ⁆ stand for the isolates in the expectations.
	tests := []struct{ in, want string }{
		{"مرحبا", "مرحبا"},
		{"اتصل بـ Landesverwaltungsamt Sachsen-Anhalt الآن", "اتصل بـ ⁅Landesverwaltungsamt Sachsen-Anhalt⁆ الآن"},
		{"المبلغ 600 يورو", "المبلغ ⁅600⁆ يورو"},
		{"(Anerkennungszuschuss)", "(⁅Anerkennungszuschuss⁆)"},
		{`راجع <a href="https://example.org/a?b=1&amp;c=2">Anerkennungs-Finder</a>.`, `راجع <a href="https://example.org/a?b=1&amp;c=2">⁅Anerkennungs-Finder⁆</a>.`},
		{"<b>IHK FOSA</b> &amp; HWK في", "<b>⁅IHK FOSA⁆</b> &amp; ⁅HWK⁆ في"},
		{"Tom &amp; Jerry", "⁅Tom &amp; Jerry⁆"},
		{"ABC&amp; د", "⁅ABC⁆&amp; د"},
		{"الموعد 2026-11-24.", "الموعد ⁅2026-11-24⁆."},
		{"", ""},
		{"Handwerkskammer Halle (Saale) في", "⁅Handwerkskammer Halle (Saale)⁆ في"},
		{"المصدر (BIBB).", "المصدر (⁅BIBB⁆)."},
		{"اكتب /start الآن", "اكتب ⁅/start⁆ الآن"},
		{"وفق § 16b(4) AufenthG.", "وفق ⁅§ 16b(4) AufenthG⁆."},
		{"تم: \u2068Maurer/in\u2069 جيد", "تم: ⁅Maurer/in⁆ جيد"}, // already isolated: not wrapped again
		{"a/b", "⁅a/b⁆"},
		{"<b>", "<b>"},
		{"<broken", "<broken"},
	}
	for _, tt := range tests {
		got := strings.NewReplacer("\u2068", "⁅", "\u2069", "⁆").Replace(locales.IsolateLTR(tt.in))
		if got != tt.want {
			t.Errorf("IsolateLTR(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestRightToLeft(t *testing.T) {
	for lang, want := range map[string]bool{"ar": true, "fa": true, "he": true, "de": false, "uk": false, "vi": false, "": false} {
		if got := locales.RightToLeft(lang); got != want {
			t.Errorf("RightToLeft(%q) = %v, want %v", lang, got, want)
		}
	}
}

// FuzzIsolateLTR checks that isolating never loses or changes text: with
// the isolates removed, the output is the input.
func FuzzIsolateLTR(f *testing.F) {
	f.Add("اتصل بـ <b>Landesverwaltungsamt</b> &amp; 600 يورو")
	f.Add("&;&amp&#1234;<a href=\"x\">y</a>")
	f.Fuzz(func(t *testing.T, s string) {
		out := locales.IsolateLTR(s)
		if back := strings.NewReplacer("\u2068", "", "\u2069", "").Replace(out); back != strings.NewReplacer("\u2068", "", "\u2069", "").Replace(s) {
			t.Errorf("IsolateLTR(%q) = %q changes the text", s, out)
		}
		if strings.Count(out, "\u2068")-strings.Count(s, "\u2068") != strings.Count(out, "\u2069")-strings.Count(s, "\u2069") {
			t.Errorf("IsolateLTR(%q) = %q: unbalanced isolates", s, out)
		}
	})
}

func TestTranslateIsolatesOnlyRTL(t *testing.T) {
	c, err := locales.Load(fstest.MapFS{
		"a.en.toml": {Data: []byte("[\"x\"]\nother = \"See {{.Name}} now\"\n")},
		"a.ar.toml": {Data: []byte("[\"x\"]\nother = \"راجع {{.Name}} الآن\"\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	data := map[string]any{"Name": "IHK FOSA"}
	if got, _ := c.Translate("ar", "x", data); got != "راجع \u2068IHK FOSA\u2069 الآن" {
		t.Errorf("Arabic: %q", got)
	}
	if got, _ := c.Translate("en", "x", data); got != "See IHK FOSA now" {
		t.Errorf("English: %q", got)
	}
}
