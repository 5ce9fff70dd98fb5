// Package locales holds Lotse's texts and serves them through go-i18n.
//
// # Basics
//
// The texts are go-i18n message files named <area>.<lang>.toml (for
// example common.en.toml, recognition.de.toml), embedded in the binary as
// [Files]. [Load] builds a [Catalog] from such files; the catalogue
// translates message IDs with CLDR plural rules and picks the offered
// language closest to a Telegram language_code with golang.org/x/text's
// matcher. English is the source language and the fallback.
//
// # Caveats
//
// A message missing in a language falls back to English and is logged once
// as a warning. A [Catalog] made with Strict set returns an error instead, so
// tests catch every gap.
package locales
