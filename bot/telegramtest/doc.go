// Package telegramtest is an in-process fake of the Telegram Bot API for
// end-to-end, crash and load tests of bots built on go-telegram-bot-api
// (or any client that speaks the HTTP Bot API).
//
// A Server listens on a loopback port and serves /bot<token>/<method> like
// api.telegram.org. Point the real client at it:
//
//	srv := telegramtest.New(t)
//	bot, err := tgbotapi.NewBotAPIWithAPIEndpoint(srv.Token(), srv.Endpoint())
//
// Tests then play the users' side (SendText, PressButton, Kick, …), run
// the bot, and inspect what it did (Messages, Sent, Calls, Answered,
// Commands), waiting with WaitFor instead of sleeping. FailNext, Block and
// WithLimits inject the failures a bot must survive: 429 with
// retry_after, 403 blocked, 409 conflict, 401, 5xx and dropped
// connections. Start runs the same server outside tests.
//
// # What it fakes
//
//   - The protocol: form-encoded, multipart and JSON bodies and query
//     strings; case-insensitive method names; answers in the Bot API's
//     {"ok":…,"result":…} / {"ok":false,"error_code":…,"description":…,
//     "parameters":{"retry_after":…}} shape with the HTTP status equal to
//     error_code; 401 for a wrong token, 404 for an unknown method.
//   - Parameter checking against the Bot API spec (testdata/methods.json,
//     extracted by internal/genmethods): missing required parameters,
//     values of the wrong type and unknown parameters are rejected with
//     400. Parameters removed from the spec but still sent by
//     go-telegram-bot-api v5.5.1 (disable_web_page_preview,
//     reply_to_message_id, allow_sending_without_reply) are accepted.
//   - getUpdates with Telegram's semantics: offset confirms and forgets all
//     earlier updates, a negative offset keeps only the newest -offset,
//     limit 1–100, long polling that wakes as soon as an update is queued,
//     allowed_updates (persisting between calls, applied when an update is
//     queued), and a newer getUpdates terminating a waiting one with 409.
//   - sendMessage, editMessageText, editMessageReplyMarkup, deleteMessage,
//     sendChatAction with per-chat message ids and full Message results;
//     Telegram's HTML subset parsed into text and entities (unsupported or
//     unbalanced tags fail with "can't parse entities"); the 4096-character
//     limit counted in UTF-16 after parsing; inline keyboards with 1–64
//     byte callback_data; "message is not modified"; "message to edit not
//     found".
//   - answerCallbackQuery for queries the server issued, once each;
//     setMyCommands/getMyCommands/deleteMyCommands per scope and language;
//     set/getMyDescription, set/getMyShortDescription, set/getMyName.
//   - Webhooks: setWebhook (url, secret_token, allowed_updates,
//     max_connections, drop_pending_updates, ip_address), deleteWebhook
//     and getWebhookInfo (url, pending_update_count, max_connections,
//     allowed_updates, last_error_date/last_error_message). While a
//     webhook is set, getUpdates answers 409 (a waiting long poll ends
//     with 409 "terminated by setWebhook request") and the server POSTs
//     each update as JSON to the url, with the
//     X-Telegram-Bot-Api-Secret-Token header if a secret was set. A 2xx
//     answer confirms the update (Acked); any other status, a redirect, a
//     connection error or no answer within WithWebhookTimeout (default
//     60 s) means it is POSTed again after a back-off of 50 ms doubling to
//     1 s. One chat's updates are POSTed one at a time and in order, each
//     only after the one before it was confirmed; different chats are
//     POSTed concurrently, at most max_connections (default 40) at once.
//     Redeliver POSTs an update again. deleteWebhook stops the pushing
//     (POSTs in flight may finish) and getUpdates works again with
//     whatever is still unconfirmed. Webhook and WebhookDeliveries let a
//     test see the webhook and every POST attempt.
//
// # What it does not fake
//
// Files and uploads (sendPhoto and the other media methods answer 501;
// the file download endpoint is absent),
// inline mode and inline messages, payments, business connections, forum
// topics, chat management, reactions and rich messages. Markdown and
// MarkdownV2 texts are stored as sent, without parsing or validation.
// Other real methods answer 501 "Not Implemented" so they are easy to spot.
// Error descriptions are the real server's where they are known (see the
// Desc constants); for rarer errors only the "Bad Request: " prefix and
// the code are faithful. Unlike the real server, which ignores unknown
// parameters, the fake rejects them unless WithLenientParams is given.
// Flood limits are off unless WithLimits is given.
//
// Webhooks differ from Telegram's in these ways: plain http:// URLs on any
// port are accepted (Telegram demands HTTPS on ports 443, 80, 88 or 8443)
// so tests can use httptest receivers; setWebhook with an empty url is
// rejected as a missing parameter instead of removing the webhook; an
// uploaded certificate is only reported (has_custom_certificate), not
// used; ip_address is reported but not used for dialling; max_connections
// outside 1–100 is clamped; delivery is retried until it succeeds or the
// webhook is deleted, never given up; a method call in the webhook's
// answer body is ignored; and secret tokens that are too long get the
// same "unallowed characters" error as those with bad characters.
//
// All Server methods are safe for concurrent use. Each chat has its own
// lock and long polls wait on a channel without holding any lock, so the
// server keeps up with thousands of updates per second across many chats.
package telegramtest
