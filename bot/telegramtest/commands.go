package telegramtest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

const (
	maxCommands         = 100
	maxCommandLen       = 32
	maxCommandDescLen   = 256
	maxDescriptionLen   = 512
	maxShortDescription = 120
	maxNameLen          = 64
)

// commandKey identifies one command list: a scope and a language.
type commandKey struct {
	scope BotCommandScope
	lang  string
}

// profileKey identifies one bot profile text (description, short
// description or name) in one language.
type profileKey struct {
	field string
	lang  string
}

// parseScope reads the scope parameter; absent means the default scope.
func parseScope(raw string) (BotCommandScope, *apiError) {
	if raw == "" {
		return BotCommandScope{Type: "default"}, nil
	}
	var w struct {
		Type   string          `json:"type"`
		ChatID json.RawMessage `json:"chat_id"`
		UserID int64           `json:"user_id"`
	}
	if err := json.Unmarshal([]byte(raw), &w); err != nil {
		return BotCommandScope{}, badRequest("can't parse BotCommandScope JSON object")
	}
	sc := BotCommandScope{Type: w.Type}
	switch w.Type {
	case "default", "all_private_chats", "all_group_chats", "all_chat_administrators":
		return sc, nil
	case "chat", "chat_administrators", "chat_member":
		id, err := strconv.ParseInt(string(w.ChatID), 10, 64)
		if err != nil || id == 0 {
			return sc, &apiError{Code: 400, Description: DescChatNotFound}
		}
		sc.ChatID = id
		if w.Type == "chat_member" {
			if w.UserID == 0 {
				return sc, badRequest("user not found")
			}
			sc.UserID = w.UserID
		}
		return sc, nil
	}
	return sc, badRequest("unsupported bot command scope type " + strconv.Quote(w.Type))
}

// checkLanguage accepts "" or a two-letter ISO 639-1 code.
func checkLanguage(code string) *apiError {
	if code == "" {
		return nil
	}
	if len(code) != 2 || code[0] < 'a' || code[0] > 'z' || code[1] < 'a' || code[1] > 'z' {
		return badRequest("invalid language code specified")
	}
	return nil
}

func commandTarget(r *request) (commandKey, *apiError) {
	sc, err := parseScope(r.str("scope"))
	if err != nil {
		return commandKey{}, err
	}
	if err := checkLanguage(r.str("language_code")); err != nil {
		return commandKey{}, err
	}
	return commandKey{scope: sc, lang: r.str("language_code")}, nil
}

func (s *Server) setMyCommands(_ context.Context, r *request) response {
	key, err := commandTarget(r)
	if err != nil {
		return errResponse(err)
	}
	var cmds []BotCommand
	if json.Unmarshal([]byte(r.str("commands")), &cmds) != nil {
		return errResponse(badRequest("can't parse commands JSON object"))
	}
	if len(cmds) > maxCommands {
		return errResponse(badRequest("BOT_COMMANDS_TOO_MUCH"))
	}
	for _, c := range cmds {
		if !validCommand(c.Command) {
			return errResponse(badRequest("BOT_COMMAND_INVALID"))
		}
		if n := utf16Len(c.Description); n < 1 || n > maxCommandDescLen {
			return errResponse(badRequest("BOT_COMMAND_DESCRIPTION_INVALID"))
		}
	}
	s.profileMu.Lock()
	if len(cmds) == 0 {
		delete(s.commands, key)
	} else {
		s.commands[key] = cmds
	}
	s.profileMu.Unlock()
	s.changed.broadcast()
	return trueResult
}

// validCommand checks a command name: 1-32 of a-z, 0-9 and _.
func validCommand(c string) bool {
	if len(c) < 1 || len(c) > maxCommandLen {
		return false
	}
	for i := 0; i < len(c); i++ {
		if b := c[i]; !(b == '_' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9') {
			return false
		}
	}
	return true
}

func (s *Server) deleteMyCommands(_ context.Context, r *request) response {
	key, err := commandTarget(r)
	if err != nil {
		return errResponse(err)
	}
	s.profileMu.Lock()
	delete(s.commands, key)
	s.profileMu.Unlock()
	s.changed.broadcast()
	return trueResult
}

func (s *Server) getMyCommands(_ context.Context, r *request) response {
	key, err := commandTarget(r)
	if err != nil {
		return errResponse(err)
	}
	s.profileMu.Lock()
	cmds := s.commands[key]
	s.profileMu.Unlock()
	if cmds == nil {
		cmds = []BotCommand{}
	}
	return okResult(cmds)
}

// Commands returns the command list set for the default scope and
// languageCode ("" is the list for users without a dedicated one).
func (s *Server) Commands(languageCode string) []BotCommand {
	return s.ScopedCommands(BotCommandScope{Type: "default"}, languageCode)
}

// ScopedCommands returns the command list set for one scope and language.
func (s *Server) ScopedCommands(scope BotCommandScope, languageCode string) []BotCommand {
	if scope.Type == "" {
		scope.Type = "default"
	}
	s.profileMu.Lock()
	defer s.profileMu.Unlock()
	return slices.Clone(s.commands[commandKey{scope: scope, lang: languageCode}])
}

// VisibleCommands returns the commands a user with languageCode sees in
// chatID, resolved the way Telegram clients do: chat scope, then all
// private (or all group) chats, then default, each first with the
// language and then without. Administrator and member scopes are not
// considered.
func (s *Server) VisibleCommands(chatID int64, languageCode string) []BotCommand {
	broad := "all_private_chats"
	if chatID < 0 {
		broad = "all_group_chats"
	}
	scopes := []BotCommandScope{{Type: "chat", ChatID: chatID}, {Type: broad}, {Type: "default"}}
	s.profileMu.Lock()
	defer s.profileMu.Unlock()
	for _, sc := range scopes {
		for _, lang := range []string{languageCode, ""} {
			if cmds, ok := s.commands[commandKey{scope: sc, lang: lang}]; ok {
				return slices.Clone(cmds)
			}
			if languageCode == "" {
				break
			}
		}
	}
	return nil
}

// setProfileText stores a description, short description or name.
func (s *Server) setProfileText(r *request, param, field string, maxLen int) response {
	lang := r.str("language_code")
	if err := checkLanguage(lang); err != nil {
		return errResponse(err)
	}
	text := r.str(param)
	if utf16Len(text) > maxLen {
		return errResponse(badRequest(fmt.Sprintf("%s is too long", field)))
	}
	key := profileKey{field: field, lang: lang}
	s.profileMu.Lock()
	if text == "" {
		delete(s.texts, key)
	} else {
		s.texts[key] = text
	}
	s.profileMu.Unlock()
	s.changed.broadcast()
	return trueResult
}

func (s *Server) profileText(field, lang string) string {
	s.profileMu.Lock()
	defer s.profileMu.Unlock()
	return s.texts[profileKey{field: field, lang: lang}]
}

func (s *Server) getProfileText(r *request, field, jsonName string) response {
	lang := r.str("language_code")
	if err := checkLanguage(lang); err != nil {
		return errResponse(err)
	}
	text := s.profileText(field, lang)
	if field == "name" && text == "" && lang == "" {
		text = s.bot.FirstName
	}
	return okResult(map[string]string{jsonName: text})
}

func (s *Server) setMyDescription(_ context.Context, r *request) response {
	return s.setProfileText(r, "description", "description", maxDescriptionLen)
}

func (s *Server) getMyDescription(_ context.Context, r *request) response {
	return s.getProfileText(r, "description", "description")
}

func (s *Server) setMyShortDescription(_ context.Context, r *request) response {
	return s.setProfileText(r, "short_description", "short description", maxShortDescription)
}

func (s *Server) getMyShortDescription(_ context.Context, r *request) response {
	return s.getProfileText(r, "short description", "short_description")
}

func (s *Server) setMyName(_ context.Context, r *request) response {
	return s.setProfileText(r, "name", "name", maxNameLen)
}

func (s *Server) getMyName(_ context.Context, r *request) response {
	return s.getProfileText(r, "name", "name")
}

// Description returns the bot description set for languageCode.
func (s *Server) Description(languageCode string) string {
	return s.profileText("description", languageCode)
}

// ShortDescription returns the bot short description set for
// languageCode.
func (s *Server) ShortDescription(languageCode string) string {
	return s.profileText("short description", languageCode)
}

// Name returns the bot name set with setMyName for languageCode.
func (s *Server) Name(languageCode string) string {
	return s.profileText("name", languageCode)
}
