package telegramtest

import (
	"encoding/json"
	"time"
)

// User is a Telegram user (or the bot itself) as it appears in updates.
// The JSON tags follow the Bot API User object.
type User struct {
	ID           int64  `json:"id"`
	IsBot        bool   `json:"is_bot"`
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name,omitempty"`
	Username     string `json:"username,omitempty"`
	LanguageCode string `json:"language_code,omitempty"`
}

// Button is one inline keyboard button of a bot message, reduced to the
// fields tests usually look at. Message.ReplyMarkup keeps the full markup.
type Button struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data,omitempty"`
	URL          string `json:"url,omitempty"`
}

// Message is one message in a chat's history as the fake server holds it,
// after all edits. Bot messages have From.IsBot set.
type Message struct {
	ID     int
	ChatID int64
	From   User
	Date   time.Time
	// EditDate is the time of the last edit, zero if never edited.
	EditDate time.Time
	// Edits counts successful edits of text or markup.
	Edits int
	// Kind is "text" for text messages, otherwise the media field the
	// message carries: "photo", "sticker", "voice", "document", "location".
	Kind string
	// Text is what the user sees: for parse_mode HTML the tags are removed
	// and entities decoded; for photos and documents it is the caption.
	Text string
	// RawText is the text parameter exactly as the bot sent it (with
	// markup). For user messages it equals Text.
	RawText string
	// ParseMode is the parse_mode the bot used, "" for none.
	ParseMode string
	// Keyboard is the inline keyboard, nil if the message has none.
	Keyboard [][]Button
	// ReplyMarkup is the reply_markup of the message in canonical JSON
	// (object keys sorted), nil if none was sent. Unlike Keyboard it also
	// holds reply keyboards, keyboard removals and force-reply markups.
	ReplyMarkup json.RawMessage
}

// Call is one recorded Bot API request.
type Call struct {
	// Method is the method's canonical name ("sendMessage") whatever case
	// the request used, or the path segment as given for unknown methods.
	Method string
	// Params holds the request parameters as strings; JSON-valued
	// parameters (reply_markup, commands, …) hold their JSON text.
	Params map[string]string
	// ChatID is the chat_id parameter when it is numeric, else 0.
	ChatID int64
	// Time is when the request arrived.
	Time time.Time
	// Code is 200 for success, the error_code of an error answer, or 0 when
	// no answer was written: a dropped-connection fault, or a client that
	// went away (a cancelled long poll).
	Code int
	// Description is the error description, "" on success.
	Description string
	// Injected reports that the answer came from FailNext, Block or the
	// flood limits rather than from the request itself.
	Injected bool
}

// BotCommand is one entry of a bot's command list.
type BotCommand struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

// BotCommandScope names the scope of a command list (Bot API
// BotCommandScope). Type is one of "default", "all_private_chats",
// "all_group_chats", "all_chat_administrators", "chat",
// "chat_administrators" and "chat_member"; ChatID and UserID are used by the
// chat-specific types.
type BotCommandScope struct {
	Type   string `json:"type"`
	ChatID int64  `json:"chat_id,omitempty"`
	UserID int64  `json:"user_id,omitempty"`
}

// CallbackAnswer is the bot's answerCallbackQuery for one callback query.
type CallbackAnswer struct {
	QueryID   string
	Text      string
	ShowAlert bool
	URL       string
	CacheTime int
	Time      time.Time
}

// Error descriptions the fake answers with, for tests that check how a bot
// reacts to a specific error. They are the real server's texts where known.
const (
	DescUnauthorized     = "Unauthorized"
	DescNotFound         = "Not Found"
	DescBlocked          = "Forbidden: bot was blocked by the user"
	DescKickedFromGroup  = "Forbidden: bot was kicked from the group chat"
	DescConflict         = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
	DescInternal         = "Internal Server Error"
	DescBadGateway       = "Bad Gateway"
	DescChatNotFound     = "Bad Request: chat not found"
	DescTextEmpty        = "Bad Request: message text is empty"
	DescMessageTooLong   = "Bad Request: message is too long"
	DescButtonDataBad    = "Bad Request: BUTTON_DATA_INVALID"
	DescEditNotFound     = "Bad Request: message to edit not found"
	DescDeleteNotFound   = "Bad Request: message to delete not found"
	DescCantEdit         = "Bad Request: message can't be edited"
	DescReplyNotFound    = "Bad Request: message to be replied not found"
	DescQueryInvalid     = "Bad Request: query is too old and response timeout expired or query ID is invalid"
	DescNotModified      = "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"
	DescCantParsePrefix  = "Bad Request: can't parse entities: "
	DescTooManyRequests  = "Too Many Requests: retry after "
	DescUnsupportedParse = "Bad Request: unsupported parse_mode"

	// DescWebhookActive answers getUpdates while a webhook is set.
	DescWebhookActive = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
	// DescTerminatedBySetWebhook ends a waiting long poll when setWebhook
	// is called.
	DescTerminatedBySetWebhook = "Conflict: terminated by setWebhook request"
	// DescSecretTokenInvalid rejects a secret_token that is longer than
	// 256 characters or has characters other than A-Z, a-z, 0-9, _ and -.
	DescSecretTokenInvalid = "Bad Request: secret token contains unallowed characters"
	// DescWebhookURLInvalid rejects a setWebhook url that is not an
	// absolute http:// or https:// URL.
	DescWebhookURLInvalid = "Bad Request: bad webhook: HTTPS url must be provided for webhook"
)

// --- wire types (Bot API JSON) ---

type entity struct {
	Type          string `json:"type"`
	Offset        int    `json:"offset"`
	Length        int    `json:"length"`
	URL           string `json:"url,omitempty"`
	Language      string `json:"language,omitempty"`
	CustomEmojiID string `json:"custom_emoji_id,omitempty"`
}

type wireChat struct {
	ID        int64  `json:"id"`
	Type      string `json:"type"`
	Title     string `json:"title,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	Username  string `json:"username,omitempty"`
}

type wireMessage struct {
	MessageID      int             `json:"message_id"`
	From           *User           `json:"from,omitempty"`
	Chat           wireChat        `json:"chat"`
	Date           int64           `json:"date"`
	EditDate       int64           `json:"edit_date,omitempty"`
	ReplyToMessage *wireMessage    `json:"reply_to_message,omitempty"`
	Text           string          `json:"text,omitempty"`
	Entities       json.RawMessage `json:"entities,omitempty"`
	Caption        string          `json:"caption,omitempty"`
	Photo          json.RawMessage `json:"photo,omitempty"`
	Sticker        json.RawMessage `json:"sticker,omitempty"`
	Voice          json.RawMessage `json:"voice,omitempty"`
	Document       json.RawMessage `json:"document,omitempty"`
	Location       json.RawMessage `json:"location,omitempty"`
	ReplyMarkup    json.RawMessage `json:"reply_markup,omitempty"`
}

type wireBot struct {
	User
	CanJoinGroups           bool `json:"can_join_groups"`
	CanReadAllGroupMessages bool `json:"can_read_all_group_messages"`
	SupportsInlineQueries   bool `json:"supports_inline_queries"`
}

type wireCallbackQuery struct {
	ID           string          `json:"id"`
	From         User            `json:"from"`
	Message      json.RawMessage `json:"message,omitempty"`
	ChatInstance string          `json:"chat_instance"`
	Data         string          `json:"data,omitempty"`
}

type wireChatMember struct {
	User      User   `json:"user"`
	Status    string `json:"status"`
	UntilDate *int64 `json:"until_date,omitempty"`
}

type wireChatMemberUpdated struct {
	Chat          wireChat       `json:"chat"`
	From          User           `json:"from"`
	Date          int64          `json:"date"`
	OldChatMember wireChatMember `json:"old_chat_member"`
	NewChatMember wireChatMember `json:"new_chat_member"`
}
