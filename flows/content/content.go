// Package content holds the flows Lotse ships with: flow files, the sources
// they cite and the catalogues free-text answers are matched against. The
// format is described in docs/content-format.md; flows.Load reads it.
package content

import "embed"

// Files are the built-in flows, sources and catalogues.
//
//go:embed *.toml catalog/*.toml sources/*.toml
var Files embed.FS
