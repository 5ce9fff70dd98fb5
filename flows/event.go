package flows

import "time"

// Kind says what an [Event] is.
type Kind int

// The kinds of events the engine understands.
const (
	// KindText is a plain text message.
	KindText Kind = iota + 1
	// KindCommand is a "/command", with its arguments in Event.Text.
	KindCommand
	// KindButton is the press of an inline button; Event.Data holds its
	// callback data and Event.MessageID the message that carried it.
	KindButton
	// KindUnsupported is anything the bot cannot read (a sticker, a photo,
	// a voice message, an edited message); Event.Media names it.
	KindUnsupported
	// KindBlocked says the user blocked the bot: nothing may be sent to the
	// chat any more.
	KindBlocked
	// KindReminder says reminder Event.Reminder is due.
	KindReminder
	// KindNotice is a message to an admin that no user action caused:
	// Event.Notice names it, Event.Text is its list (see notify.go).
	KindNotice
	// KindBroadcast says broadcast Event.Broadcast is to go to the chat
	// (see broadcast.go).
	KindBroadcast
)

// String returns the kind's name, for logs.
func (k Kind) String() string {
	switch k {
	case KindText:
		return "text"
	case KindCommand:
		return "command"
	case KindButton:
		return "button"
	case KindUnsupported:
		return "unsupported"
	case KindBlocked:
		return "blocked"
	case KindReminder:
		return "reminder"
	case KindNotice:
		return "notice"
	case KindBroadcast:
		return "broadcast"
	}
	return "unknown"
}

// Event is one thing a user did, in channel-neutral terms.
type Event struct {
	// UpdateID identifies the event at its source (Telegram's update_id).
	// Zero means the source has no IDs; such events are never de-duplicated.
	UpdateID int64
	// Chat is the chat the event belongs to (a private chat: the user).
	Chat int64
	// User is the user who acted; it decides admin rights. Zero if unknown.
	User int64
	// LangCode is the user's client language as the channel reports it
	// (Telegram's language_code), possibly empty.
	LangCode string
	Kind     Kind
	// Command is the command's name without the slash, for KindCommand.
	Command string
	// Text is the message text, or the command's arguments.
	Text string
	// Data is the callback data of a pressed button.
	Data string
	// MessageID is the message that carried the pressed button.
	MessageID int
	// Media names what an unsupported message contained ("sticker", …).
	Media string
	// At is when the event is handled; zero means the engine's clock.
	At time.Time
	// Reminder is the due reminder of a KindReminder event.
	Reminder uint64
	// Group is true for an event from a group or channel: Lotse talks only
	// in private chats, says so, and stores nothing about the group.
	Group bool
	// Notice is the message ID of a KindNotice event, one of [Notices].
	Notice string
	// Broadcast is the broadcast of a KindBroadcast event, or of the
	// message Telegram refused in a KindBlocked event (zero for others).
	Broadcast uint64
}
