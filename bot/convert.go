package bot

import (
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"lotse/flows"
)

// toJob turns an update into work for a chat worker. Updates Lotse does not
// act on (from groups and channels, inline queries, …) yield false.
func (b *Bot) toJob(u tgbotapi.Update) (job, bool) {
	ev := flows.Event{UpdateID: int64(u.UpdateID)}
	switch {
	case u.Message != nil:
		m := u.Message
		if m.Chat == nil {
			return job{}, false
		}
		ev.Chat, ev.LangCode, ev.User = m.Chat.ID, langCode(m.From), userID(m.From)
		if !private(m.Chat) {
			// Lotse works in private chats only: a command in a group gets
			// one pointer there, anything else is ignored.
			if !m.IsCommand() {
				return job{}, false
			}
			ev.Kind, ev.Command, ev.Group = flows.KindCommand, strings.ToLower(m.Command()), true
			return job{ev: ev}, true
		}
		switch {
		case m.IsCommand():
			ev.Kind, ev.Command, ev.Text = flows.KindCommand, strings.ToLower(m.Command()), m.CommandArguments()
		case m.Text != "":
			ev.Kind, ev.Text = flows.KindText, m.Text
		default:
			ev.Kind, ev.Media = flows.KindUnsupported, mediaKind(m)
		}
		return job{ev: ev}, true
	case u.EditedMessage != nil:
		m := u.EditedMessage
		if !private(m.Chat) {
			return job{}, false
		}
		ev.Chat, ev.LangCode, ev.Kind, ev.Media = m.Chat.ID, langCode(m.From), flows.KindUnsupported, "edited"
		return job{ev: ev}, true
	case u.CallbackQuery != nil:
		q := u.CallbackQuery
		ev.Kind, ev.Data, ev.LangCode, ev.User = flows.KindButton, q.Data, langCode(q.From), userID(q.From)
		if q.Message != nil {
			if !private(q.Message.Chat) {
				return job{queryID: q.ID, ev: flows.Event{}}, true
			}
			ev.Chat, ev.MessageID = q.Message.Chat.ID, q.Message.MessageID
		} else if q.From != nil {
			ev.Chat = q.From.ID
		}
		return job{ev: ev, queryID: q.ID}, true
	case u.MyChatMember != nil:
		m := u.MyChatMember
		if private(&m.Chat) && m.NewChatMember.Status == "kicked" {
			ev.Chat, ev.Kind = m.Chat.ID, flows.KindBlocked
			return job{ev: ev}, true
		}
	}
	return job{}, false
}

func private(c *tgbotapi.Chat) bool { return c != nil && c.Type == "private" }

func userID(u *tgbotapi.User) int64 {
	if u == nil {
		return 0
	}
	return u.ID
}

func langCode(u *tgbotapi.User) string {
	if u == nil {
		return ""
	}
	return u.LanguageCode
}

// mediaKind names what a message without text contains.
func mediaKind(m *tgbotapi.Message) string {
	switch {
	case m.Sticker != nil:
		return "sticker"
	case m.Photo != nil:
		return "photo"
	case m.Voice != nil:
		return "voice"
	case m.Video != nil, m.VideoNote != nil, m.Animation != nil:
		return "video"
	case m.Audio != nil:
		return "audio"
	case m.Document != nil:
		return "document"
	case m.Location != nil, m.Venue != nil:
		return "location"
	case m.Contact != nil:
		return "contact"
	}
	return "other"
}
