package flows

import "strconv"

// EngineMessageIDs returns the IDs of the messages the engine and the
// program say themselves, outside any flow: the welcome, the menus, the
// back button, privacy, reminders and the command descriptions. With
// [Content.MessageIDs] they are every message Lotse uses; each must exist
// in every language, and no other message should.
func EngineMessageIDs() []string {
	ids := []string{
		"common.welcome", "common.language.prompt", "common.menu.prompt", "common.menu.button",
		"common.menu.hint", "common.back", "common.resume.prompt", "common.resume.continue",
		"common.resume.today", "common.help", "common.unknown_command", "common.unsupported", "common.use_buttons",
		"common.expired", "common.flow_updated", "common.understood", "common.chosen",
		"common.sources", "common.source", "common.more", "common.terms.button", "common.people.button", "common.about",
		"privacy.info", "privacy.export", "privacy.delete", "privacy.export.intro", "privacy.delete.confirm",
		"privacy.delete.yes", "privacy.delete.no", "privacy.deleted", "privacy.kept",
		"input.edited", "input.group",
		"admin.stats", "admin.unavailable", "admin.reload.unavailable", "admin.reload.done", "admin.reload.failed", "admin.stats.period", "admin.stats.empty", "admin.stats.flows",
		"admin.stats.links", "admin.stats.languages", "admin.stats.dropoff", "admin.stats.reminders",
		"admin.broadcast.unavailable", "admin.broadcast.segment", "admin.broadcast.all", "admin.broadcast.in_lang",
		"admin.broadcast.in_flow", "admin.broadcast.cancel", "admin.broadcast.cancelled", "admin.broadcast.empty",
		"admin.broadcast.main", "admin.broadcast.lang", "admin.broadcast.skip", "admin.broadcast.rest",
		"admin.broadcast.too_long", "admin.broadcast.confirm", "admin.broadcast.send", "admin.broadcast.queued",
		"admin.broadcast.status", "admin.broadcast.none", "admin.broadcast.line", "admin.broadcast.stop",
		"admin.broadcast.stopped", "admin.broadcast.state.sending", "admin.broadcast.state.done",
		"admin.broadcast.state.stopped",
		"remind.offer", "remind.when", "remind.set", "remind.followup", "remind.done", "remind.again",
		"remind.stop", "remind.stopped", "remind.completed", "remind.deadline.offer", "remind.deadline.set",
		"remind.deadline.already", "remind.deadline.over", "remind.list", "remind.none", "remind.cancel",
		"settings.timezone", "settings.timezone.set",
	}
	ids = append(ids, Notices...)
	for _, d := range followupDays {
		ids = append(ids, "remind.in"+strconv.Itoa(d))
	}
	for _, c := range Commands {
		ids = append(ids, "command."+c)
	}
	return append(ids, "bot.description", "bot.short_description") // the bot's profile, set by cmd/lotse
}
