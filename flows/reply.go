package flows

// Op says what a [Reply] does with the chat.
type Op int

// The operations a reply can carry out.
const (
	// OpSend sends a new message.
	OpSend Op = iota
	// OpEdit replaces the text (and buttons) of message MessageID.
	OpEdit
	// OpClearButtons removes the buttons of message MessageID.
	OpClearButtons
)

// Reply is one message to send or change, already localised. Text is
// Telegram HTML: everything that came from a user or the content is escaped.
type Reply struct {
	// ID is the reply's place in the outbox, set by [Store.Save].
	ID        uint64     `json:"id,omitempty"`
	Chat      int64      `json:"chat"`
	Op        Op         `json:"op,omitempty"`
	MessageID int        `json:"message_id,omitempty"`
	Text      string     `json:"text,omitempty"`
	Buttons   [][]Button `json:"buttons,omitempty"`
	// Broadcast is the broadcast this message belongs to, if any: a 403
	// on it is counted there.
	Broadcast uint64 `json:"broadcast,omitempty"`
}

// Button is an inline button: it either sends Data back when pressed, or
// opens URL.
type Button struct {
	Label string `json:"label"`
	Data  string `json:"data,omitempty"`
	URL   string `json:"url,omitempty"`
}

// Result is what [Engine.Handle] returns for an event.
type Result struct {
	// Replies are the messages to deliver, in order. They are already in the
	// outbox; deliver each and acknowledge it there.
	Replies []Reply
	// Notice is a short text for the answer to a button press (a toast),
	// often empty.
	Notice string
	// Duplicate is true when the event had been handled before and was
	// ignored.
	Duplicate bool
}
