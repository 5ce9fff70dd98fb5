// Package flows is Lotse's dialogue engine. It knows nothing about Telegram,
// bbolt or go-i18n: it takes an [Event] for a chat (a command, a text, a
// button press), advances that chat's [Session] through a [Flow], and returns
// what to say as [Reply] values, already localised.
//
// # Basics
//
// Flows are data: TOML files (see docs/content-format.md) loaded with [Load]
// into a [Content] set and checked with [Content.Check]. The [Engine] runs
// them. It depends on three small interfaces that other packages implement:
// a [Store] for sessions and the outbox (package store, on bbolt), a
// [Translator] for texts (package locales, on go-i18n), and whatever feeds it
// events (package bot for Telegram, package bot/console for the terminal).
//
// # Delivery
//
// [Engine.Handle] saves the session and the replies in one call to
// [Store.Save], so a store that writes both in one transaction gives
// exactly-once effects over at-least-once delivery: an update handled twice
// (Telegram redelivers after a crash) is recognised by its update ID and
// ignored, and replies wait in the outbox until they were sent.
//
// # Caveats
//
// The engine expects the events of one chat one at a time, in order. Events
// of different chats may be handled concurrently.
package flows
