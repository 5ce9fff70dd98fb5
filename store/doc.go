// Package store keeps Lotse's state in a bbolt file: the chat sessions, the
// outbox of replies not yet delivered, and a schema version.
//
// # Basics
//
// [Open] opens (or creates) the file with mode 0600 and an exclusive lock;
// a second process gets a clear error instead of waiting forever. [DB]
// implements flows.Store: [DB.Save] writes a session and its replies in one
// transaction, so a crash never leaves a changed session without its replies
// or the other way round. [DB.Pending] and [DB.Ack] let a sender drain the
// outbox.
//
// # Layout
//
//	meta      "schema" → version (8 bytes, big endian)
//	sessions  chat ID (8 bytes, big endian) → flows.Session as JSON
//	outbox    sequence (8 bytes, big endian) → flows.Reply as JSON
//
// JSON keeps the file readable with the bbolt command-line tool.
//
// # Caveats
//
// bbolt takes no context: every method checks its context before starting a
// transaction, but a transaction once started runs to its end.
package store
