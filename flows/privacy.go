package flows

import (
	"encoding/json"
	"strings"
)

// preEscaper escapes what Telegram HTML requires inside <pre>.
var preEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// privacy says what is stored, why and for how long, with buttons to
// export or delete it.
func (t *turn) privacy() {
	t.say(t.tr("privacy.info", map[string]any{"Count": t.e.retention}), [][]Button{
		{{Label: t.tr("privacy.export", nil), Data: Callback{Action: ActPrivacy, Value: "export"}.String()}},
		{{Label: t.tr("privacy.delete", nil), Data: Callback{Action: ActPrivacy, Value: "delete"}.String()}},
	})
}

// export sends everything stored about the chat as a JSON document.
func (t *turn) export() {
	doc, err := json.MarshalIndent(Export{Session: *t.s}, "", "  ")
	if err != nil {
		t.e.log.Error("export session", "err", err)
		return
	}
	t.say(t.tr("privacy.export.intro", nil)+"\n<pre>"+preEscaper.Replace(string(doc))+"</pre>", nil)
}

// Export is the document /export sends: everything Lotse stores about a
// chat.
type Export struct {
	Session Session `json:"session"`
}

func (t *turn) confirmDelete() {
	t.say(t.tr("privacy.delete.confirm", nil), [][]Button{
		{{Label: t.tr("privacy.delete.yes", nil), Data: Callback{Action: ActPrivacy, Value: "yes"}.String()}},
		{{Label: t.tr("privacy.delete.no", nil), Data: Callback{Action: ActPrivacy, Value: "no"}.String()}},
	})
}
