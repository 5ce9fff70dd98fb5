// Package bot connects Lotse's flow engine to Telegram through
// go-telegram-bot-api. It turns updates into flows.Event values and replies
// into Bot API calls.
//
// # Basics
//
// [New] checks the token with getMe; [Bot.Run] long-polls getUpdates until
// its context ends. It does not use the library's GetUpdatesChan, which
// confirms updates before they are handled and cannot be cancelled: the
// poll loop here passes a context to every request (through the HTTP
// client), backs off on errors, and advances the getUpdates offset only
// after every update of a batch was committed by the flows.Handler.
//
// Updates of one chat are handled in order by one worker; different chats
// run concurrently on a fixed pool of workers (chat ID modulo pool size), so
// idle users cost nothing. After the handler committed an update, the
// worker answers its callback query and delivers its replies, then
// acknowledges each in the flows.Outbox. Replies still in the outbox at start
// (a crash between commit and delivery) are delivered first.
//
// # Telegram errors
//
// A *tgbotapi.Error is unpacked: 429 waits retry_after and tries again; 403
// (blocked) tells the handler the chat is inactive and drops its replies;
// "message is not modified" counts as delivered; an edit of a message that
// is gone becomes a new message; 401 and 409 on getUpdates stop Run with
// [ErrUnauthorized] or [ErrConflict]; 5xx and network errors are retried
// with backoff.
//
// # Caveats
//
// The library puts the token into request URLs; errors returned or logged
// by this package have it replaced by "<token>".
package bot
