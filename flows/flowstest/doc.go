// Package flowstest helps test Lotse's flows: an in-memory [MemStore] and
// a transcript runner that plays a scripted conversation through an engine
// and renders what the bot said, for golden files.
//
// # Transcripts
//
// A transcript is plain text. Lines starting with "> " are what the user
// does; everything else is what the bot did, and is rewritten by the runner:
//
//	> /start            a command (with arguments: "> /start recognition")
//	> nurse             a text message
//	> [English]         press the button with that label on the newest message showing it
//	> [@l:en]           press the button with that callback data (scripts that work in any language)
//	> [!c:x:1:y:z]      press a button with that data on the newest message, shown or not (forged, stale)
//	> {sticker}         a message the bot cannot read (sticker, photo, …)
//	< #2 text           message 2 sent; further lines of it are indented
//	  [Label → data]    its buttons, one keyboard row per line
//	~ #2 text           message 2 edited
//	~ #2 (buttons removed)
//	! toast             the answer to the button press
//
// Lines starting with "#" are comments and are kept. A "# lang: de" comment
// sets the Telegram language_code of the user.
package flowstest
