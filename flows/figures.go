package flows

import (
	"strconv"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// figures returns the content's yearly amounts as placeholders for texts
// in lang: "<id>" is the amount written the way lang writes numbers
// ("48.300 €" in German, "48,300 €" in English), "<id>_year" the year it
// holds for. They are formatted once per language.
func (c *Content) figures(lang string) map[string]string {
	if len(c.Figures) == 0 {
		return nil
	}
	if m, ok := c.figs.Load(lang); ok {
		return m.(map[string]string)
	}
	m := FormatFigures(c.Figures, lang)
	c.figs.Store(lang, m)
	return m
}

// FormatFigures formats figures as placeholders for texts in lang (see
// [Figure]). Arabic and Persian get Latin digits, like the rest of their
// texts, which quote laws and levels such as "§ 16a" and "B1".
func FormatFigures(figs map[string]*Figure, lang string) map[string]string {
	tag := language.Make(lang)
	if b, _ := tag.Base(); b.String() == "ar" || b.String() == "fa" {
		tag = language.Make(lang + "-u-nu-latn")
	}
	p := message.NewPrinter(tag)
	m := make(map[string]string, 2*len(figs))
	for id, f := range figs {
		var opts []number.Option
		if f.Amount != float64(int64(f.Amount)) {
			opts = append(opts, number.MinFractionDigits(2), number.MaxFractionDigits(2))
		}
		v := p.Sprint(number.Decimal(f.Amount, opts...))
		if f.Unit == "EUR" {
			v += "\u00a0€"
		}
		m[id] = v
		m[id+"_year"] = strconv.Itoa(f.Year)
	}
	return m
}
