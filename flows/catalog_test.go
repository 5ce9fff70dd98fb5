package flows_test

import (
	"testing"

	"lotse/flows"
	"lotse/flows/content"
)

// TestProfessionCatalogue checks what people type against the profession
// they mean and the body that decides on recognition in Sachsen-Anhalt, in
// several languages and spellings, and what must not match.
func TestProfessionCatalogue(t *testing.T) {
	c, err := flows.Load(content.Files)
	if err != nil {
		t.Fatal(err)
	}
	cat := c.Catalogs["professions"]
	tests := []struct{ input, profession, body string }{
		// health: Landesprüfungsamt für Gesundheitsberufe (LVwA)
		{"nurse", "nurse", "lpa_health"},
		{"I am a registered nurse", "nurse", "lpa_health"},
		{"Krankenschwester", "nurse", "lpa_health"},
		{"KRANKENSCHWESTER!", "nurse", "lpa_health"},
		{"медсестра", "nurse", "lpa_health"},
		{"ممرضة", "nurse", "lpa_health"},
		{"پرستار", "nurse", "lpa_health"},
		{"hemşire", "nurse", "lpa_health"},
		{"hemsire", "nurse", "lpa_health"},
		{"pielęgniarka", "nurse", "lpa_health"},
		{"asistentă medicală", "nurse", "lpa_health"},
		{"y tá", "nurse", "lpa_health"},
		{"Hebamme", "midwife", "lpa_health"},
		{"physiotherapist", "physiotherapist", "lpa_health"},
		{"Physiotherapeutin", "physiotherapist", "lpa_health"},
		{"Notfallsanitäter", "paramedic", "lpa_health"},
		{"doctor", "doctor", "lpa_medical"},
		{"Ärztin", "doctor", "lpa_medical"},
		{"Arztin", "doctor", "lpa_medical"},
		{"лікар", "doctor", "lpa_medical"},
		{"طبيب", "doctor", "lpa_medical"},
		{"پزشک", "doctor", "lpa_medical"},
		{"Zahnarzt", "dentist", "lpa_medical"},
		{"farmacist", "pharmacist", "lpa_medical"},
		{"Apotheker", "pharmacist", "lpa_medical"},
		// teachers: LISA; social work: LVwA
		{"Lehrerin", "teacher", "lisa"},
		{"вчитель", "teacher", "lisa"},
		{"معلم", "teacher", "lisa"},
		{"öğretmen", "teacher", "lisa"},
		{"nauczyciel", "teacher", "lisa"},
		{"Sozialarbeiter", "social_worker", "lvwa_social"},
		{"social worker", "social_worker", "lvwa_social"},
		// IHK occupations: IHK FOSA
		{"software developer", "it_specialist", "ihk"},
		{"Fachinformatiker", "it_specialist", "ihk"},
		{"programista", "it_specialist", "ihk"},
		{"Koch", "cook", "ihk"},
		{"повар", "cook", "ihk"},
		{"Bürokauffrau", "office_clerk", "ihk"},
		{"Verkäuferin", "retail", "ihk"},
		{"Industriemechaniker", "ind_mechanic", "ihk"},
		{"Hotelfachfrau", "hotel", "ihk"},
		{"Lagerlogistik", "logistics", "ihk"},
		// craft trades: Handwerkskammer Magdeburg or Halle
		{"Elektriker", "electrician", "hwk"},
		{"електрик", "electrician", "hwk"},
		{"كهربائي", "electrician", "hwk"},
		{"Kfz-Mechatroniker", "car_mechanic", "hwk"},
		{"car mechanic", "car_mechanic", "hwk"},
		{"Tischler", "joiner", "hwk"},
		{"kuaför", "hairdresser", "hwk"},
		{"Bäcker", "baker", "hwk"},
		{"Maler", "painter", "hwk"},
		// chambers of engineers and architects
		{"Ingenieur", "engineer", "ingenieurkammer"},
		{"مهندس", "engineer", "ingenieurkammer"},
		{"inżynier", "engineer", "ingenieurkammer"},
		{"kỹ sư", "engineer", "ingenieurkammer"},
		{"Architektin", "architect", "architektenkammer"},
		// degrees without a regulated profession: ZAB
		{"computer science", "cs_degree", "zab"},
		{"Informatik Studium", "cs_degree", "zab"},
		{"Wirtschaftswissenschaften", "economics", "zab"},
		// not in the catalogue: the user is offered the list and the Finder
		{"Rettungssanitäter", "", ""},
		{"Erzieherin", "", ""}, // competent body not confirmed in an official source
		{"astronaut", "", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		e := cat.Match(tt.input)
		var got, body string
		if e != nil {
			got, body = e.ID, e.Answers["body"]
		}
		if got != tt.profession || body != tt.body {
			t.Errorf("Match(%q) = %q (%s), want %q (%s)", tt.input, got, body, tt.profession, tt.body)
		}
	}
	if len(tests) < 40 {
		t.Errorf("only %d cases; the catalogue deserves at least 40", len(tests))
	}
}

// TestPlaceCatalogue checks towns and districts against the craft chamber
// region they belong to.
func TestPlaceCatalogue(t *testing.T) {
	c, err := flows.Load(content.Files)
	if err != nil {
		t.Fatal(err)
	}
	cat := c.Catalogs["places"]
	tests := []struct{ input, place, region string }{
		{"Magdeburg", "magdeburg", "north"},
		{"Магдебург", "magdeburg", "north"},
		{"I want to work in Wernigerode", "harz", "north"},
		{"Quedlinburg", "harz", "north"},
		{"Stendal", "stendal", "north"},
		{"Salzwedel", "salzwedel", "north"},
		{"Haldensleben", "boerde", "north"},
		{"Burg", "jerichow", "north"},
		{"Bernburg (Saale)", "salzland", "north"},
		{"Halle (Saale)", "halle", "south"},
		{"halle an der saale", "halle", "south"},
		{"Dessau", "dessau", "south"},
		{"Köthen", "anhalt_bitterf", "south"},
		{"Naumburg", "burgenland", "south"},
		{"Lutherstadt Eisleben", "mansfeld", "south"},
		{"Merseburg", "saalekreis", "south"},
		{"Lutherstadt Wittenberg", "wittenberg", "south"},
		{"Hamburg", "", ""},
		{"Leipzig", "", ""},
	}
	for _, tt := range tests {
		e := cat.Match(tt.input)
		var got, region string
		if e != nil {
			got, region = e.ID, e.Answers["region"]
		}
		if got != tt.place || region != tt.region {
			t.Errorf("Match(%q) = %q (%s), want %q (%s)", tt.input, got, region, tt.place, tt.region)
		}
	}
}
