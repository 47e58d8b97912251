package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/alecthomas/kong"

	"holdfast"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// cli is the whole command tree; kong renders --help for every node.
type cli struct {
	DatabaseURL string `name:"database-url" help:"Database URL: sqlite://PATH or postgres://… (env HOLDFAST_DATABASE_URL)." default:"sqlite://holdfast.db"`
	SecretKey   string `name:"secret-key" help:"Key encrypting stored provider secrets (env HOLDFAST_SECRET_KEY). Generated beside an SQLite database when unset; required with PostgreSQL."`
	LogLevel    string `name:"log-level" help:"debug, info, warn or error (env HOLDFAST_LOG_LEVEL)." default:"info" enum:"debug,info,warn,error"`
	LogFormat   string `name:"log-format" help:"text or json (env HOLDFAST_LOG_FORMAT)." default:"text" enum:"text,json"`

	Serve     serveCmd     `cmd:"" help:"Run the API, dashboard and background engine."`
	Migrate   migrateCmd   `cmd:"" help:"Apply database migrations and exit."`
	Version   versionCmd   `cmd:"" help:"Print the version."`
	Workspace workspaceCmd `cmd:"" help:"Create, update and show workspaces."`
	Key       keyCmd       `cmd:"" help:"Create, list, revoke and rotate API keys."`
	Stripe    stripeCmd    `cmd:"" help:"Stripe tools (backfill)."`
	User      userCmd      `cmd:"" help:"Create dashboard users and reset their passwords."`
	Simulate  simulateCmd  `cmd:"" help:"Compare recovery strategies on a simulated population with the real engine."`
	SimShard  simShardCmd  `cmd:"" name:"simulate-shard" hidden:"" help:"Run one shard of a simulation: a JSON job on stdin, its trace as JSON on stdout (used by simulate)."`
}

// env is the process environment as run received it.
type env struct {
	ctx    context.Context
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
	root   *cli
	// db names the database a command opened (for "not found" messages).
	db string
}

// configFlags are the flags that may also come from HOLDFAST_* variables;
// other flags (like --name) never read the environment.
var configFlags = map[string]bool{
	"database-url": true, "secret-key": true, "log-level": true, "log-format": true,
	"addr": true, "redis-url": true, "trusted-proxies": true, "smtp-url": true, "mail-from": true,
	"stripe-api-base": true, "public-url": true, "allow-loopback-webhooks": true,
}

// envResolver maps --some-flag to HOLDFAST_SOME_FLAG through run's getenv, so
// tests can pass an environment without touching the process's.
type envResolver struct{ getenv func(string) string }

func (r envResolver) Validate(app *kong.Application) error { return nil }

func (r envResolver) Resolve(_ *kong.Context, _ *kong.Path, flag *kong.Flag) (any, error) {
	if !configFlags[flag.Name] {
		return nil, nil
	}
	v := r.getenv("HOLDFAST_" + strings.ToUpper(strings.ReplaceAll(flag.Name, "-", "_")))
	if v == "" {
		return nil, nil
	}
	return v, nil
}

type exitCode int

// run parses args and runs one command; it returns the process exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (code int) {
	var root cli
	defer func() {
		if p := recover(); p != nil {
			if c, ok := p.(exitCode); ok {
				code = int(c)
				return
			}
			panic(p)
		}
	}()
	parser, err := kong.New(&root,
		kong.Name("holdfast"),
		kong.Description("Holdfast: self-hosted churn recovery for Stripe (failed-payment recovery, cancel flows, webhooks)."),
		kong.Writers(stdout, stderr),
		kong.Exit(func(c int) { panic(exitCode(c)) }),
		kong.Resolvers(envResolver{getenv: getenv}),
		kong.UsageOnError(),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
	)
	if err != nil {
		fmt.Fprintln(stderr, "holdfast: error:", err)
		return 2
	}
	kctx, err := parser.Parse(args[1:])
	if err != nil {
		fmt.Fprintln(stderr, "holdfast: error:", err)
		return 2
	}
	e := &env{ctx: ctx, getenv: getenv, stdout: stdout, stderr: stderr, root: &root}
	if err := kctx.Run(e); err != nil {
		msg := oneLine(err)
		// "No such workspace" may just mean the wrong database: say which one.
		if holdfast.ErrorCode(err) == holdfast.ENOTFOUND && e.db != "" && !strings.Contains(msg, e.db) {
			msg += " (database " + e.db + ")"
		}
		fmt.Fprintln(stderr, "holdfast: error:", msg)
		return 1
	}
	return 0
}

// oneLine renders an error for the terminal: the message of an *Error, no internals.
func oneLine(err error) string {
	var he *holdfast.Error
	if errors.As(err, &he) {
		return he.Message
	}
	return strings.ReplaceAll(err.Error(), "\n", " ")
}

type versionCmd struct {
	JSON bool `name:"json" help:"Print JSON."`
}

func (c versionCmd) Run(e *env) error {
	if c.JSON {
		return printJSON(e.stdout, map[string]any{"version": version})
	}
	fmt.Fprintln(e.stdout, "holdfast", version)
	return nil
}
