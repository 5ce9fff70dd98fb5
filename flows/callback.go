package flows

import (
	"errors"
	"strconv"
	"strings"
)

// MaxCallbackData is Telegram's limit for a button's callback data, in bytes.
const MaxCallbackData = 64

// Callback actions: the first field of a button's callback data.
const (
	ActChoose    = "c" // choose option Value of Step in Flow (Version)
	ActBack      = "b" // go back from Step in Flow (Version)
	ActMenu      = "m" // show the main menu
	ActFlow      = "f" // open Flow from the main menu
	ActLanguage  = "l" // switch to language Value
	ActResume    = "r" // continue the open flow
	ActPrivacy   = "p" // privacy action Value: export, delete, yes (delete), no (keep)
	ActOffer     = "o" // offer a follow-up reminder for result Step of Flow (Version)
	ActRemind    = "w" // set that follow-up in Value days
	ActFollow    = "s" // subscribe to deadline Value
	ActReminder  = "n" // reminder ID: Value done, week (again in a week) or stop
	ActZone      = "z" // time zone number Value of TimeZones
	ActDetails   = "d" // show the details blocks of result Step of Flow (Version)
	ActInfo      = "i" // show Flow's (Version) info Value: terms or people
	ActBroadcast = "a" // broadcast dialogue (admins): segment, skip, rest, send, cancel, stop-ID
)

// Callback is the decoded callback data of a button.
type Callback struct {
	Action  string
	Flow    string
	Version int
	Step    string
	Value   string
	// ID is the reminder of an ActReminder callback.
	ID uint64
}

// ErrBadCallback is returned by [ParseCallback] for data Lotse did not make.
var ErrBadCallback = errors.New("malformed callback data")

// String encodes the callback as compact data, e.g. "c:recognition:1:origin:eu".
func (c Callback) String() string {
	switch c.Action {
	case ActChoose, ActRemind:
		return c.Action + ":" + c.Flow + ":" + strconv.Itoa(c.Version) + ":" + c.Step + ":" + c.Value
	case ActBack, ActOffer, ActDetails:
		return c.Action + ":" + c.Flow + ":" + strconv.Itoa(c.Version) + ":" + c.Step
	case ActInfo:
		return c.Action + ":" + c.Flow + ":" + strconv.Itoa(c.Version) + ":" + c.Value
	case ActReminder:
		return c.Action + ":" + strconv.FormatUint(c.ID, 10) + ":" + c.Value
	case ActFlow:
		return c.Action + ":" + c.Flow
	case ActLanguage, ActPrivacy, ActFollow, ActZone, ActBroadcast:
		return c.Action + ":" + c.Value
	default:
		return c.Action
	}
}

// ParseCallback decodes callback data made by [Callback.String]. It rejects
// anything else: unknown actions, wrong field counts, over-long data,
// characters outside a-z, 0-9, '_' and '-'.
func ParseCallback(data string) (Callback, error) {
	if len(data) == 0 || len(data) > MaxCallbackData {
		return Callback{}, ErrBadCallback
	}
	f := strings.Split(data, ":")
	for _, s := range f {
		if !isToken(s) {
			return Callback{}, ErrBadCallback
		}
	}
	c := Callback{Action: f[0]}
	switch {
	case (c.Action == ActChoose || c.Action == ActRemind) && len(f) == 5:
		c.Flow, c.Step, c.Value = f[1], f[3], f[4]
		return c, c.parseVersion(f[2])
	case (c.Action == ActBack || c.Action == ActOffer || c.Action == ActDetails) && len(f) == 4:
		c.Flow, c.Step = f[1], f[3]
		return c, c.parseVersion(f[2])
	case c.Action == ActInfo && len(f) == 4:
		c.Flow, c.Value = f[1], f[3]
		return c, c.parseVersion(f[2])
	case c.Action == ActFlow && len(f) == 2:
		c.Flow = f[1]
		return c, nil
	case c.Action == ActReminder && len(f) == 3:
		id, err := strconv.ParseUint(f[1], 10, 64)
		if err != nil || id == 0 || strconv.FormatUint(id, 10) != f[1] {
			return Callback{}, ErrBadCallback
		}
		c.ID, c.Value = id, f[2]
		return c, nil
	case (c.Action == ActLanguage || c.Action == ActPrivacy || c.Action == ActFollow || c.Action == ActZone || c.Action == ActBroadcast) && len(f) == 2:
		c.Value = f[1]
		return c, nil
	case (c.Action == ActMenu || c.Action == ActResume) && len(f) == 1:
		return c, nil
	}
	return Callback{}, ErrBadCallback
}

func (c *Callback) parseVersion(s string) error {
	v, err := strconv.Atoi(s)
	if err != nil || v < 0 || strconv.Itoa(v) != s {
		return ErrBadCallback
	}
	c.Version = v
	return nil
}

// isToken reports whether s is a non-empty run of a-z, 0-9, '_' and '-'.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !('a' <= b && b <= 'z' || '0' <= b && b <= '9' || b == '_' || b == '-') {
			return false
		}
	}
	return true
}
