// Command lotse is Lotse, a multilingual guide for people who want to
// train, work or study in Sachsen-Anhalt.
//
// Without TELEGRAM_BOT_TOKEN it runs as a chat in the terminal; with it,
// as a Telegram bot. See "lotse help" and README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // time zones for reminders, also in minimal containers

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/robfig/cron/v3"
	"golang.org/x/time/rate"

	"lotse/bot"
	"lotse/bot/console"
	"lotse/flows"
	"lotse/flows/remind"
	"lotse/locales"
	"lotse/store"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

const usage = `Usage:
  lotse [flags]      run Lotse: on Telegram if TELEGRAM_BOT_TOKEN is set, else as a chat in this terminal
  lotse backup FILE  write a consistent copy of the database to FILE (mode 0600; while lotse is not running)
  lotse check        validate the content (flows, catalogues, texts) as the tests do; see lotse check -h
  lotse graph        draw the flows as Mermaid or DOT diagrams; see lotse graph -h
  lotse links        check that every address the content cites still works; see lotse links -h
  lotse reminders list [--due-before T]  print the pending reminders (while lotse is not running)
  lotse stats        print the usage counters, as text or CSV (while lotse is not running); see lotse stats -h
  lotse version [--content DIR]  print the version of the binary and of its content
  lotse help         print this help

Flags:
  -db PATH           the bbolt database file (default $LOTSE_DB or lotse.db)
  -content DIR       run the content of DIR (its flows/ and locales/, e.g. a checkout of Lotse)
                     instead of the built-in content, to preview a change in the terminal or on a
                     test bot; it must pass lotse check. Admins reload it with /reload.

Environment:
  TELEGRAM_BOT_TOKEN     the bot's token from @BotFather; unset: terminal chat
  TELEGRAM_API_ENDPOINT  Bot API endpoint format string, e.g. http://127.0.0.1:8081/bot%%s/%%s
  LOTSE_DB               the bbolt database file (default lotse.db)
  LOTSE_RETENTION_MONTHS delete the data of users inactive this long (default 12)
  LOTSE_RETENTION_CRON   when to do that (default "CRON_TZ=Europe/Berlin 30 3 * * *")
  LOG_LEVEL              debug, info, warn or error (default info; warn in the terminal chat)
  LOTSE_WEBHOOK_URL      receive updates by webhook at this public https URL instead of long polling
  LOTSE_WEBHOOK_LISTEN   the webhook server's address (default :8443; put TLS in front of it)
  LOTSE_WEBHOOK_SECRET   the webhook's secret token (default: a random one at each start)
  LOTSE_BACKUP_DIR       a running lotse writes a backup here on LOTSE_BACKUP_CRON (keeps the newest 14)
  LOTSE_BACKUP_CRON      when (default "CRON_TZ=Europe/Berlin 0 3 * * *")
  LOTSE_REMINDER_CRON    how often to look for due reminders (default every minute, Berlin time)
  LOTSE_BROADCAST_CRON   how often to continue open broadcasts (default every minute)
  LOTSE_REMINDER_GRACE   how late a reminder may still go out after downtime (default 6h)
  LOTSE_ADMINS           Telegram user IDs (comma-separated) that may use admin commands (/stats, /broadcast)
                         and are told about dead links
  LOTSE_LINKCHECK_CRON   when to check the content's addresses (default "CRON_TZ=Europe/Berlin 0 6 * * 1";
                         "off" disables)
  LOTSE_SEND_RATE        messages per second overall (default 30, Telegram's limit; "off" for none)
  LOTSE_CHAT_RATE        messages per second and chat (default 1, short bursts allowed; "off" for none)
  LOTSE_HTTP             serve /metrics (Prometheus) and /healthz for operators at this address, e.g. 127.0.0.1:9090 (default off)
`

// run is the whole program; it returns the exit code (0 ok, 1 failure,
// 2 usage).
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "version":
			return runVersion(args[1:], stdout, stderr)
		case "help":
			io.WriteString(stdout, strings.ReplaceAll(usage, "%%", "%"))
			return 0
		case "backup":
			return runBackup(ctx, args[1:], stderr, getenv)
		case "check":
			return runCheck(ctx, args[1:], stdout, stderr)
		case "reminders":
			return runReminders(ctx, args[1:], stdout, stderr, getenv)
		case "graph":
			return runGraph(ctx, args[1:], stdout, stderr)
		case "links":
			return runLinks(ctx, args[1:], stdout, stderr)
		case "stats":
			return runStats(ctx, args[1:], stdout, stderr, getenv)
		default:
			fmt.Fprintf(stderr, "lotse: unknown command %q\n\n"+usage, args[0])
			return 2
		}
	}
	fs := flag.NewFlagSet("lotse", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { io.WriteString(stderr, strings.ReplaceAll(usage, "%%", "%")) }
	dbPath := fs.String("db", "", "the bbolt database file")
	contentDir := fs.String("content", "", "run the content (flows/ and locales/) of this folder instead of the built-in one")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "lotse: unexpected argument %q\n\n"+usage, fs.Arg(0))
		return 2
	}
	cfg := configFrom(getenv)
	if *dbPath != "" {
		cfg.DB = *dbPath
	}
	cfg.ContentDir = *contentDir
	log, err := newLogger(stderr, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "lotse:", err)
		return 2
	}
	if err := serve(ctx, cfg, log, stdin, stdout); err != nil {
		fmt.Fprintln(stderr, "lotse:", err)
		return 1
	}
	return 0
}

// config is what lotse reads from its environment.
type config struct {
	Token           string
	Endpoint        string
	DB              string
	LogLevel        string
	LangCode        string // the terminal user's language, from LANG and friends
	RetentionMonths int
	RetentionSpec   string
	SendRate        rate.Limit // messages per second overall
	ChatRate        rate.Limit // messages per second and chat
	WebhookURL      string
	WebhookListen   string
	WebhookSecret   string
	Admins          []int64
	BackupDir       string
	BackupSpec      string
	ReminderSpec    string
	BroadcastSpec   string
	ReminderGrace   time.Duration
	HTTP            string // the operators' listener (/metrics, /healthz); empty: none
	LinkCheckSpec   string
	ContentDir      string // --content: run this folder's content instead of the built-in one
}

func configFrom(getenv func(string) string) config {
	c := config{
		Token:    strings.TrimSpace(getenv("TELEGRAM_BOT_TOKEN")),
		Endpoint: getenv("TELEGRAM_API_ENDPOINT"),
		DB:       getenv("LOTSE_DB"),
		LogLevel: getenv("LOG_LEVEL"),
		LangCode: posixLang(getenv),
	}
	if c.DB == "" {
		c.DB = "lotse.db"
	}
	c.RetentionMonths = 12
	if v, err := strconv.Atoi(getenv("LOTSE_RETENTION_MONTHS")); err == nil && v > 0 {
		c.RetentionMonths = v
	}
	c.SendRate, c.ChatRate = parseRate(getenv("LOTSE_SEND_RATE"), 30), parseRate(getenv("LOTSE_CHAT_RATE"), 1)
	c.WebhookURL, c.WebhookListen, c.WebhookSecret = getenv("LOTSE_WEBHOOK_URL"), getenv("LOTSE_WEBHOOK_LISTEN"), getenv("LOTSE_WEBHOOK_SECRET")
	if c.WebhookListen == "" {
		c.WebhookListen = ":8443"
	}
	if d, err := time.ParseDuration(getenv("LOTSE_REMINDER_GRACE")); err == nil && d > 0 {
		c.ReminderGrace = d
	}
	c.HTTP = strings.TrimSpace(getenv("LOTSE_HTTP"))
	c.ReminderSpec = getenv("LOTSE_REMINDER_CRON")
	if c.ReminderSpec == "" {
		c.ReminderSpec = defaultReminderSpec
	}
	c.BroadcastSpec = getenv("LOTSE_BROADCAST_CRON")
	if c.BroadcastSpec == "" {
		c.BroadcastSpec = defaultBroadcastSpec
	}
	c.BackupDir, c.BackupSpec = getenv("LOTSE_BACKUP_DIR"), getenv("LOTSE_BACKUP_CRON")
	if c.BackupSpec == "" {
		c.BackupSpec = defaultBackupSpec
	}
	for _, f := range strings.FieldsFunc(getenv("LOTSE_ADMINS"), func(r rune) bool { return r == ',' || r == ' ' }) {
		if id, err := strconv.ParseInt(f, 10, 64); err == nil {
			c.Admins = append(c.Admins, id)
		}
	}
	c.LinkCheckSpec = getenv("LOTSE_LINKCHECK_CRON")
	if c.LinkCheckSpec == "" {
		c.LinkCheckSpec = defaultLinkCheckSpec
	}
	c.RetentionSpec = getenv("LOTSE_RETENTION_CRON")
	if c.RetentionSpec == "" {
		c.RetentionSpec = defaultRetentionSpec
	}
	if c.LogLevel == "" {
		c.LogLevel = "info"
		if c.Token == "" {
			c.LogLevel = "warn" // keep the terminal chat readable
		}
	}
	return c
}

// posixLang turns the POSIX locale (LC_ALL, LC_MESSAGES, LANG) into a
// language tag: "de_DE.UTF-8" → "de-DE".
func posixLang(getenv func(string) string) string {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := getenv(k)
		if v == "" {
			continue
		}
		v, _, _ = strings.Cut(v, ".")
		v, _, _ = strings.Cut(v, "@")
		if v == "C" || v == "POSIX" {
			return ""
		}
		return strings.ReplaceAll(v, "_", "-")
	}
	return ""
}

// parseRate reads a rate in messages per second: a number, or "off" for
// no limit; anything else is the default.
func parseRate(v string, def rate.Limit) rate.Limit {
	if v == "off" {
		return rate.Inf
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && f > 0 {
		return rate.Limit(f)
	}
	return def
}

func newLogger(w io.Writer, cfg config) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return nil, fmt.Errorf("LOG_LEVEL %q: use debug, info, warn or error", cfg.LogLevel)
	}
	var secrets []string
	for _, s := range []string{cfg.Token, cfg.WebhookSecret} {
		if s != "" {
			secrets = append(secrets, s, "<redacted>")
		}
	}
	redact := strings.NewReplacer(secrets...)
	h := slog.NewTextHandler(w, &slog.HandlerOptions{
		Level: level,
		// Defence in depth: no attribute may carry the token or the secret.
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if len(secrets) > 0 && a.Value.Kind() != slog.KindGroup {
				if v := a.Value.String(); redact.Replace(v) != v {
					return slog.String(a.Key, redact.Replace(v))
				}
			}
			return a
		},
	})
	return slog.New(h), nil
}

// serve wires the engine to its store and to Telegram or the terminal, and
// runs until ctx ends or the input does.
func serve(ctx context.Context, cfg config, log *slog.Logger, stdin io.Reader, stdout io.Writer) error {
	flowSet, cat, summary, err := loadContent(cfg.ContentDir, log)
	if err != nil {
		return err
	}
	log.Info("starting", "version", versionString(), "content", summary)
	texts := &liveTexts{}
	texts.p.Store(cat)
	if err := checkLinkSpec(cfg.LinkCheckSpec); err != nil {
		return err
	}
	db, err := store.Open(cfg.DB, store.Options{})
	if err != nil {
		return err
	}
	defer func() {
		if err := db.Close(); err != nil {
			log.Error("closing the database", "err", err)
		}
	}()
	var o *ops // nil: no LOTSE_HTTP
	if cfg.HTTP != "" {
		if o, err = startOps(ctx, cfg.HTTP, db, cfg.Token != "", log); err != nil {
			return err
		}
		defer o.stop()
	}
	admins := cfg.Admins
	if cfg.Token == "" {
		// In the terminal chat (user 1) the person at the keyboard runs
		// Lotse and owns its database: they may use /stats and /reload.
		admins = append(slices.Clone(admins), terminalUser)
	}
	var broadcasts flows.BroadcastStore // sent only on Telegram
	if cfg.Token != "" {
		broadcasts = db
	}
	var engine *flows.Engine
	reload := reloader(cfg.ContentDir, func() *flows.Engine { return engine }, texts, log)
	engine, err = flows.NewEngine(flows.Config{Content: flowSet, Store: db, Translator: texts, Logger: log,
		RetentionMonths: cfg.RetentionMonths, Admins: admins, Stats: db, ReminderGrace: cfg.ReminderGrace, Reload: reload, Broadcasts: broadcasts})
	if err != nil {
		return err
	}
	links := linkCheck{current: engine.Content, admins: cfg.Admins, log: log}
	jobs := cron.New(cron.WithChain(cron.SkipIfStillRunning(cron.DiscardLogger)))
	if err := scheduleRetention(ctx, jobs, db, cfg.RetentionSpec, cfg.RetentionMonths, log); err != nil {
		return err
	}
	if cfg.BackupDir != "" {
		if err := scheduleBackups(ctx, jobs, db, cfg.BackupDir, cfg.BackupSpec, 14, log); err != nil {
			return err
		}
	}
	jobs.Start()
	defer func() { <-jobs.Stop().Done() }()
	if cfg.Token == "" {
		log.Info("no TELEGRAM_BOT_TOKEN: running as a terminal chat", "db", cfg.DB)
		if err := scheduleLinkCheck(ctx, jobs, cfg.LinkCheckSpec, links); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "Lotse in the terminal. Type a button's number to press it, /quit to leave.")
		chat := &console.Chat{Handler: engine, Outbox: db, In: stdin, Out: stdout, ID: terminalUser, LangCode: cfg.LangCode}
		return chat.Run(ctx)
	}
	return runTelegram(ctx, cfg, log, engine, db, cat, jobs, o, links)
}

// terminalUser is the chat and user ID of the terminal chat.
const terminalUser = 1

// defaultReminderSpec looks for due reminders every minute.
const defaultReminderSpec = "CRON_TZ=Europe/Berlin * * * * *"

func runTelegram(ctx context.Context, cfg config, log *slog.Logger, engine *flows.Engine, db *store.DB, cat *locales.Catalog, jobs *cron.Cron, o *ops, links linkCheck) error {
	if _, err := cron.ParseStandard(cfg.ReminderSpec); err != nil {
		return fmt.Errorf("LOTSE_REMINDER_CRON %q: %w", cfg.ReminderSpec, err)
	}
	if err := tgbotapi.SetLogger(slog.NewLogLogger(log.Handler(), slog.LevelWarn)); err != nil {
		return err
	}
	b, err := bot.New(ctx, bot.Config{
		Token: cfg.Token, Endpoint: cfg.Endpoint, Handler: o.handler(engine), Outbox: db, Logger: log, Observer: o.observer(),
		GlobalRate: cfg.SendRate, ChatRate: cfg.ChatRate,
		WebhookURL: cfg.WebhookURL, WebhookListen: cfg.WebhookListen, WebhookSecret: cfg.WebhookSecret,
	})
	if err != nil {
		return err
	}
	o.setBot(b)
	log.Info("connected to Telegram", "bot", b.Username(), "db", cfg.DB)
	if err := b.SetCommands(ctx, commandSets(cat)); err != nil {
		log.Warn("could not register the command menu", "err", err)
	}
	if err := b.SetProfiles(ctx, profiles(cat)); err != nil {
		log.Warn("could not register the bot's descriptions", "err", err)
	}
	// Reminders: a pass every minute, and one right after start to catch
	// up on what fell due while the bot was down.
	d := &remind.Dispatcher{Store: db, Submit: b.Submit, Logger: log}
	pass := func() {
		n, err := d.Run(ctx)
		o.remindersDue(n)
		if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, bot.ErrNotRunning) {
			log.Error("reminder pass failed", "err", err)
		}
	}
	if _, err := jobs.AddFunc(cfg.ReminderSpec, pass); err != nil {
		return err
	}
	links.submit = b.Submit
	broadcastPass, err := scheduleBroadcasts(ctx, jobs, db, b.Submit, cfg.BroadcastSpec, log)
	if err != nil {
		return err
	}
	if err := scheduleLinkCheck(ctx, jobs, cfg.LinkCheckSpec, links); err != nil {
		return err
	}
	runErr := make(chan error, 1)
	go func() { runErr <- b.Run(ctx) }()
	go func() {
		select {
		case <-b.Ready():
			pass()
			broadcastPass()
		case <-ctx.Done():
		}
	}()
	err = <-runErr
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	log.Info("stopped")
	return err
}

// commandSets builds the command menu in every language, plus an English
// default for everyone else.
func commandSets(cat *locales.Catalog) []bot.CommandSet {
	build := func(lang string) []bot.Command {
		var cmds []bot.Command
		for _, name := range flows.Commands {
			desc, _ := cat.Translate(lang, "command."+name, nil)
			cmds = append(cmds, bot.Command{Name: name, Description: desc})
		}
		return cmds
	}
	sets := []bot.CommandSet{{Lang: "", Commands: build(locales.Source.String())}}
	for _, lang := range cat.Languages() {
		sets = append(sets, bot.CommandSet{Lang: lang, Commands: build(lang)})
	}
	return sets
}

// profiles builds the bot's description in every language, plus an
// English default for everyone else.
func profiles(cat *locales.Catalog) []bot.Profile {
	build := func(lang, code string) bot.Profile {
		desc, _ := cat.Translate(lang, "bot.description", nil)
		short, _ := cat.Translate(lang, "bot.short_description", nil)
		return bot.Profile{Lang: code, Description: desc, Short: short}
	}
	ps := []bot.Profile{build(locales.Source.String(), "")}
	for _, lang := range cat.Languages() {
		ps = append(ps, build(lang, lang))
	}
	return ps
}

func runBackup(ctx context.Context, args []string, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("lotse backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbPath := fs.String("db", "", "the database to back up (default $LOTSE_DB or lotse.db)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: lotse backup [-db PATH] FILE")
		return 2
	}
	cfg := configFrom(getenv)
	if *dbPath != "" {
		cfg.DB = *dbPath
	}
	if err := backup(ctx, cfg.DB, fs.Arg(0)); err != nil {
		if errors.Is(err, store.ErrLocked) {
			fmt.Fprintf(stderr, "lotse backup: %s is in use by a running lotse; stop it first, or let it write backups itself (LOTSE_BACKUP_DIR)\n", cfg.DB)
			return 1
		}
		fmt.Fprintln(stderr, "lotse backup:", err)
		return 1
	}
	return 0
}

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			return bi.Main.Version
		}
	}
	return "dev"
}
