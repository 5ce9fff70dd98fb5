package flows

import (
	"strings"
	"testing"
)

func TestPack(t *testing.T) {
	a, b, c := strings.Repeat("a", 40), strings.Repeat("b", 40), strings.Repeat("c", 40)
	long := strings.Repeat("x", 30) + "\n" + strings.Repeat("y", 30) + "\n" + strings.Repeat("z", 30)
	tests := []struct {
		name  string
		parts []string
		max   int
		want  []string
	}{
		{"fits", []string{a, b}, 100, []string{a + "\n\n" + b}},
		{"split between paragraphs", []string{a, b, c}, 90, []string{a + "\n\n" + b, c}},
		{"tags do not count", []string{"<b>" + a + "</b>", b}, 82, []string{"<b>" + a + "</b>\n\n" + b}},
		{"long paragraph cut at lines", []string{long}, 70, []string{strings.Repeat("x", 30) + "\n" + strings.Repeat("y", 30), strings.Repeat("z", 30)}},
		{"nothing", nil, 10, []string{""}},
	}
	for _, tt := range tests {
		got := pack(tt.parts, tt.max)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%s: pack = %q, want %q", tt.name, got, tt.want)
		}
		for _, m := range got {
			if VisibleLen(m) > tt.max {
				t.Errorf("%s: message of %d > %d", tt.name, VisibleLen(m), tt.max)
			}
		}
	}
}
