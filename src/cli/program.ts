// The commander program: a table of commands, each loaded only when it runs.
// main.ts imports this module only when commander is needed at all, so a
// bare `--version` never loads it.
import { Argument, type Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { parseDuration } from '../config/duration.js';
import { EXIT_OK, EXIT_USAGE, UsageError } from '../errors.js';
import { VERSION } from '../version.js';
import type { CommandContext } from './context.js';
import { SafeCommand } from './safe-command.js';

/** Listed in help only; the snippet module checks names against the client registry. */
const CLIENT_NAMES = 'claude-code, claude-desktop, cursor, cursor-agent, vscode, windsurf, codex, gemini, goose, opencode, jetbrains, junie, antigravity, antigravity-cli';

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function durationArg(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) throw new InvalidArgumentError('write a duration such as "5m", "90s" or "300000"');
  return ms;
}

/** `stop --timeout`: a duration like every other; a bare number stays seconds, as it always was for this flag. */
function stopTimeoutArg(value: string): number {
  return /^\d+(\.\d+)?$/.test(value.trim()) ? durationArg(`${value.trim()}s`) : durationArg(value);
}

function example(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

export function buildProgram(ctx: CommandContext): Command {
  const program = new SafeCommand('mcp-auth-proxy')
    .description('One local daemon that signs and authenticates MCP traffic for every agent; secrets stay in the keychain.')
    .version(VERSION, '-v, --version')
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    })
    .addHelpText('after', example(['mcp-auth-proxy demo', 'mcp-auth-proxy start', 'mcp-auth-proxy start --listen 127.0.0.1:9000']));

  const configOption = () => new Option('-c, --config <file>', 'config file layered above the user and project files');
  const listenOption = () => new Option('-l, --listen <host:port>', 'address to listen on (default 127.0.0.1:8787)');
  const logLevelOption = () => new Option('--log-level <level>', 'log level').choices(['error', 'warn', 'info', 'debug']);
  const logFormatOption = () =>
    new Option('--log-format <format>', 'pretty: readable lines (coloured unless NO_COLOR is set); json: one JSON object a line (default when stderr is not a terminal)').choices(['pretty', 'json']);

  program
    .command('start')
    .description('Run the proxy in the foreground (Ctrl-C drains and stops; a second Ctrl-C forces)')
    .addOption(configOption())
    .addOption(listenOption())
    .addOption(logLevelOption())
    .addOption(logFormatOption())
    .option('--allow-remote', 'allow a non-loopback listen address (anyone who reaches it uses your credentials)')
    .option('-d, --detach', 'run in the background; returns once the daemon is ready (its log: `mcp-auth-proxy logs`)')
    .addOption(new Option('--log-file <path>', 'write the log to this file, rotated (what --detach gives the daemon)').hideHelp())
    .addHelpText(
      'after',
      example([
        'mcp-auth-proxy start',
        'mcp-auth-proxy start --detach',
        'MCP_UPSTREAM_URL=https://mcp.corp.example/api/mcp MCP_API_KEY=key-id MCP_API_SECRET=... mcp-auth-proxy start',
        'mcp-auth-proxy start --config ./team.json --listen 127.0.0.1:9000',
      ]),
    )
    .action(async (options) => (await import('./commands/start.js')).start(ctx, options));

  program
    .command('demo')
    .description('Start an embedded signed upstream and the proxy in front of it, and check the flow with a real MCP client')
    .addOption(new Option('-l, --listen <host:port>', 'proxy address for the demo').default('127.0.0.1:0', 'a free port'))
    .option('--once', 'exit after the check instead of serving until Ctrl-C')
    .addOption(logLevelOption())
    .addOption(logFormatOption())
    .option('--allow-remote', 'allow a non-loopback --listen address (anyone who reaches it can use the demo)')
    .addHelpText('after', example(['mcp-auth-proxy demo', 'mcp-auth-proxy demo --once', 'mcp-auth-proxy demo --listen 127.0.0.1:8787']))
    .action(async (options) => (await import('./commands/demo.js')).demo(ctx, options));

  program
    .command('stop')
    .description('Stop the background daemon (it drains in-flight requests first)')
    .addOption(configOption())
    .addOption(listenOption())
    .addOption(new Option('--timeout <duration>', 'how long to wait for it to drain, e.g. "30s" or "2m" (a bare number is seconds)').default(30_000, '30s').argParser(stopTimeoutArg))
    .addHelpText('after', example(['mcp-auth-proxy stop', 'mcp-auth-proxy stop --listen 127.0.0.1:9000']))
    .action(async (options) => (await import('./commands/stop.js')).stop(ctx, options));

  program
    .command('logs')
    .description('Show the log of the daemon started with `start --detach` (readable; --json for the lines as written)')
    .option('-f, --follow', 'keep printing new lines (across rotations) until Ctrl-C')
    .option('--since <when>', 'lines from this long ago ("10m", "2h") or since a date ("2026-01-31T12:00:00Z"), rotated files included')
    .option('-n, --lines <n>', 'the last N lines ("all" for every one; default 100, or all with --since)')
    .option('--json', 'the JSON lines as written')
    .addHelpText('after', example(['mcp-auth-proxy logs', 'mcp-auth-proxy logs -f', 'mcp-auth-proxy logs --since 1h --json | jq \'select(.status >= 500)\'']))
    .action(async (options) => (await import('./commands/logs.js')).logs(ctx, options));

  program
    .command('reload')
    .description('Make the daemon read its config and secrets again (SIGHUP); streams in flight continue; an invalid config is refused and the old one kept')
    .addOption(configOption())
    .addOption(listenOption())
    .option('--json', 'machine-readable output')
    .addHelpText('after', example(['mcp-auth-proxy reload', 'kill -HUP "$(jq .pid ~/.local/state/mcp-auth-proxy/daemon-127.0.0.1-8787.json)"   # the same, by hand']))
    .action(async (options) => (await import('./commands/reload.js')).reload(ctx, options));

  program
    .command('status')
    .description('Is the daemon running, where, since when, and how each server is doing (exit 0 running, 1 not)')
    .addOption(configOption())
    .addOption(listenOption())
    .option('--json', 'machine-readable output')
    .addHelpText('after', example(['mcp-auth-proxy status', 'mcp-auth-proxy status --json | jq .servers']))
    .action(async (options) => (await import('./commands/status.js')).status(ctx, options));

  program
    .command('mcp-json')
    .argument('[server]', 'one server (default: every configured server)')
    .description('Print the config snippet an agent expects, pointing at the proxy, with no secret in it')
    .addOption(new Option('--client <name>', 'the agent').default('claude-code'))
    .addOption(configOption())
    .addOption(listenOption())
    .option('--write', "merge the entries into the client's config file (backup kept, other entries untouched)")
    .option('--force', 'with --write: replace a same-named entry')
    .option('--file <path>', "with --write: the file to merge into instead of the client's default")
    .addOption(new Option('--transport <kind>', 'http: point at the daemon; stdio: launch `mcp-auth-proxy stdio <server>` (default for claude-desktop, jetbrains)').choices(['http', 'stdio']))
    .addOption(new Option('--platform <os>', 'the OS the agent runs on, if not this one (it gets `npx -y mcp-auth-proxy@VERSION`, through `cmd /c` on win32)').choices(['linux', 'darwin', 'win32']))
    .option('--npx', 'stdio entries run `npx -y mcp-auth-proxy@VERSION` (pinned) instead of this installation by absolute path')
    .addHelpText(
      'after',
      example([
        'mcp-auth-proxy mcp-json',
        'mcp-auth-proxy mcp-json gateway --client cursor',
        'mcp-auth-proxy mcp-json --client codex --write',
        'mcp-auth-proxy mcp-json gateway --client claude-desktop --platform win32',
      ]) +
        `\nClients: ${CLIENT_NAMES}\n`,
    )
    .action(async (server: string | undefined, options) => (await import('./commands/mcp-json.js')).mcpJson(ctx, server, options));

  program
    .command('import')
    .argument('[entries...]', 'only these entries of the agent\'s file (default: every one that holds a secret)')
    .description("Move an agent's MCP servers behind the proxy: their secrets to the keychain, the servers to your config, the agent's entries to the proxy's URL")
    .requiredOption('--client <name>', 'the agent whose config to import')
    .option('--write', 'do it (without: print the plan only)')
    .option('--undo', 'restore the agent\'s file as it was before the last import')
    .option('--file <path>', "the agent's config file, if not the client's default")
    .option('--force', 'with --write: replace a different server of the same name; with --undo: restore even if the file changed since')
    .option('--insecure-storage', 'no keychain here: keep the secrets in a 0600 file under your config dir instead')
    .option('--json', 'machine-readable output')
    .addOption(configOption())
    .addOption(new Option('-l, --listen <host:port>', "the proxy's address agents are pointed at (default: the configured listen)"))
    .addHelpText(
      'after',
      example([
        'mcp-auth-proxy import --client claude-code',
        'mcp-auth-proxy import --client cursor --write',
        'mcp-auth-proxy import --client vscode --write github linear',
        'mcp-auth-proxy import --client cursor --undo',
      ]) + `\nClients: ${CLIENT_NAMES}\n`,
    )
    .action(async (entries: string[], options) => (await import('./commands/import.js')).importCommand(ctx, entries, options));

  program
    .command('login')
    .argument('<server>', 'server name from the config (or a new one with --url)')
    .description("Sign in to a server: store its secret in the OS keychain (hidden prompt or --stdin; never a command-line argument), or for OAuth sign in through the browser; then check it upstream")
    .addOption(configOption())
    .option('--stdin', 'read the secret from standard input (one line per secret when the scheme needs several)')
    .option('--url <url>', 'create or replace the server entry in your user config with this upstream URL')
    .addOption(new Option('--type <type>', 'auth type for a new server').choices(['hmac', 'bearer', 'headers', 'act-as', 'oauth', 'sigv4', 'httpsig', 'none']).default('hmac'))
    .option('--key-id <id>', 'hmac, httpsig: the key id')
    .option('--user <email>', 'act-as: the user to act as (also changes it for an existing act-as server)')
    .option('--header <name>', 'act-as: the header carrying the user (default X-Glean-ActAs); headers: a credential header (repeatable)', collect, undefined)
    .option('--client-id <id>', 'oauth: a pre-registered client id')
    .option('--scope <scopes>', 'oauth: scopes to request (space-separated)')
    .option('--no-browser', 'oauth: print the sign-in URL instead of opening a browser (SSH sessions)')
    .option('--region <region>', 'sigv4: the signing region (default: from the host name, else AWS_REGION)')
    .option('--service <name>', 'sigv4: the signing service, e.g. execute-api, lambda, bedrock-agentcore (default: from the host name)')
    .option('--profile <name>', 'sigv4: use this AWS CLI profile (SSO, roles) instead of storing access keys')
    .option('--session-token', 'sigv4: the stored keys are temporary: also ask for the session token')
    .option('--alg <alg>', 'httpsig: ed25519 (default), ecdsa-p256-sha256, rsa-pss-sha512 or hmac-sha256')
    .addOption(new Option('--timeout <duration>', 'oauth: how long to wait for the browser sign-in').default(300_000, '5m').argParser(durationArg))
    .option('--no-verify', 'skip the check request upstream')
    .option('--insecure-storage', 'no keychain here: keep the secret in a 0600 file under your config dir instead')
    .addHelpText(
      'after',
      example([
        'mcp-auth-proxy login gateway --url https://mcp.corp.example/api/mcp --type hmac --key-id 550e8400-e29b-41d4-a716-446655440000',
        'printf %s "$GATEWAY_SECRET" | mcp-auth-proxy login gateway --stdin',
        'mcp-auth-proxy login glean --url https://acme-be.glean.com/mcp/default --type act-as --user me@acme.com',
        'mcp-auth-proxy login linear --url https://mcp.linear.app/mcp --type oauth',
        'mcp-auth-proxy login linear --no-browser',
        'mcp-auth-proxy login agentcore --url https://gw-1.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp --type sigv4',
        'mcp-auth-proxy login partner --url https://mcp.partner.example/mcp --type httpsig --key-id laptop-1 --alg ed25519 --stdin < key.pem',
        'mcp-auth-proxy login gateway --stdin --insecure-storage < ./secret.txt',
      ]),
    )
    .action(async (server: string, options) => (await import('./commands/login.js')).login(ctx, server, options));

  program
    .command('logout')
    .argument('<server>', 'server name')
    .description('Remove what login stored for a server (secrets; for OAuth the tokens and client registration, revoking the refresh token)')
    .addOption(configOption())
    .addHelpText('after', example(['mcp-auth-proxy logout gateway', 'mcp-auth-proxy logout linear']))
    .action(async (server: string, options) => (await import('./commands/logout.js')).logout(ctx, server, options));

  program
    .command('stdio')
    .argument('<server>', 'server name from the config')
    .description('Bridge stdio JSON-RPC to a server, for agents that only launch commands (Claude Desktop, JetBrains); no daemon needed')
    .addOption(configOption())
    .addOption(logLevelOption())
    .addHelpText(
      'after',
      example(['mcp-auth-proxy stdio gateway', '/usr/bin/node /usr/lib/node_modules/mcp-auth-proxy/bin/mcp-auth-proxy.js stdio glean   # as an agent runs it', 'mcp-auth-proxy mcp-json gateway --client claude-desktop   # the snippet that runs it']) +
        '\nstdout carries only JSON-RPC; logs go to stderr. When stdin closes, the upstream session is ended.\n',
    )
    .action(async (server: string, options) => (await import('./commands/stdio.js')).stdio(ctx, server, options));

  program
    .command('doctor')
    .description('Check everything between your agent and each upstream: config, keychain, secrets, DNS, TCP, TLS, clock, a signed request, port, daemon')
    .addOption(configOption())
    .addOption(listenOption())
    .option('--json', 'machine-readable output')
    .addHelpText('after', example(['mcp-auth-proxy doctor', 'mcp-auth-proxy doctor --json | jq \'.checks[] | select(.status != "pass")\'']))
    .action(async (options) => (await import('./commands/doctor.js')).doctor(ctx, options));

  const keys = program
    .command('keys')
    .description('API keys of team mode: each names a person (and groups); agents send it as Authorization: Bearer <key>')
    .addHelpText('after', example(['mcp-auth-proxy keys create ann@acme.com --group eng --expires 90d', 'mcp-auth-proxy keys list', 'mcp-auth-proxy keys revoke k3x9q2m7a1b0']));
  keys
    .command('create')
    .argument('<email>', 'the person the key acts for')
    .description('Make a key and print it once (the store keeps only a keyed hash of it)')
    .addOption(configOption())
    .option('-g, --group <group>', 'a group the person is in (repeatable)', collect, undefined)
    .option('--expires <when>', 'when it stops working: 90d, 12h, 4w or a date')
    .option('--json', 'machine-readable output (the key included)')
    .addHelpText('after', example(['mcp-auth-proxy keys create ann@acme.com', 'mcp-auth-proxy keys create bot@acme.com --group ci --expires 30d --json']))
    .action(async (email: string, options) => (await import('./commands/keys.js')).createKey(ctx, email, options));
  keys
    .command('list')
    .description('The keys: id, user, groups, created, expiry, last used (never the key)')
    .addOption(configOption())
    .option('--json', 'machine-readable output')
    .addHelpText('after', example(['mcp-auth-proxy keys list', 'mcp-auth-proxy keys list --json | jq ".keys[] | select(.user == \\"ann@acme.com\\")"']))
    .action(async (options) => (await import('./commands/keys.js')).listKeys(ctx, options));
  keys
    .command('revoke')
    .argument('<id>', 'the key id (from `keys list`)')
    .description('Stop a key from working: a running proxy refuses it from the next request, no reload')
    .addOption(configOption())
    .addHelpText('after', example(['mcp-auth-proxy keys revoke k3x9q2m7a1b0']))
    .action(async (id: string, options) => (await import('./commands/keys.js')).revokeKey(ctx, id, options));

  const policy = program
    .command('policy')
    .description('Who may use which tools, resources and prompts (config "policy"): explain a decision, or check a table of them')
    .addHelpText('after', example(['mcp-auth-proxy policy explain --user ann@acme.com --group eng --tool github.delete_repo', 'mcp-auth-proxy policy test policy-cases.json']));
  policy
    .command('explain')
    .description('The decision for one caller and one tool, resource or prompt, and the rule that makes it')
    .addOption(configOption())
    .option('-u, --user <email>', 'the caller (team mode; default in local mode: the local user)')
    .option('-g, --group <group>', 'a group the caller is in (repeatable)', collect, undefined)
    .addOption(new Option('-m, --method <method>', 'how the caller signed in, for rules with when.methods').choices(['local', 'apiKey', 'jwt', 'proxyAssertion', 'trustedHeader']))
    .option('--tool <server.tool>', 'the tool, e.g. github.search_code')
    .option('--resource <server.uri>', 'the resource, e.g. github.file:///notes.md')
    .option('--prompt <server.prompt>', 'the prompt, e.g. github.summarize')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      example([
        'mcp-auth-proxy policy explain --user ann@acme.com --group eng --tool github.delete_repo',
        'mcp-auth-proxy policy explain --user bot@acme.com --method apiKey --resource docs.file:///handbook.md --json',
        'mcp-auth-proxy policy explain --tool github.delete_repo   # local mode: the local user',
      ]),
    )
    .action(async (options) => (await import('./commands/policy-explain.js')).policyExplain(ctx, options));
  policy
    .command('test')
    .argument('<file>', 'a JSON or YAML list of cases: { user, groups, method, tool|resource|prompt, expect, rule }')
    .description('Check a table of expected decisions against the policy, for CI: exit 1 on any mismatch, 2 when the file has a mistake')
    .addOption(configOption())
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      example(['mcp-auth-proxy policy test policy-cases.json --config team.json']) +
        '\nA case: { "user": "ann@acme.com", "groups": ["eng"], "tool": "github.delete_repo", "expect": "deny", "rule": "no-deletes" }\n("rule" is optional: null expects the default; "method" names how the caller signed in.)\n',
    )
    .action(async (file: string, options) => (await import('./commands/policy-test.js')).policyTest(ctx, file, options));

  program
    .command('trust')
    .argument('[file]', 'the project config file (default: the one that applies in the working directory)')
    .description("Use this project's config file: a file found in the working directory came with the repository, so it is not used until you trust it (its path and a hash of its content are recorded; a change needs trusting again)")
    .option('--list', 'show the trusted files and whether each is unchanged')
    .option('--revoke', 'stop using the file')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      example(['mcp-auth-proxy trust', 'mcp-auth-proxy trust ./mcp-auth-proxy.config.json', 'mcp-auth-proxy trust --list', 'mcp-auth-proxy trust --revoke']) +
        '\nEven a trusted project file cannot change the URL or credentials of a server in your own config, nor allowRemote, clientToken, socket or audit.\n',
    )
    .action(async (file: string | undefined, options) => (await import('./commands/trust.js')).trust(ctx, file, options));

  program
    .command('config')
    .description('Print the merged config and the file, variable or flag behind each value (secrets only as references)')
    .addOption(configOption())
    .option('--json', 'machine-readable output')
    .addHelpText('after', example(['mcp-auth-proxy config', 'mcp-auth-proxy config --json | jq .sources']))
    .action(async (options) => (await import('./commands/config.js')).showConfig(ctx, options));

  program
    .command('service')
    .addArgument(new Argument('<action>', 'what to do').choices(['install', 'uninstall', 'status']))
    .description('Run the daemon as a per-user service that starts at login and after a crash (systemd user unit, macOS LaunchAgent, Windows logon task); no root')
    .addOption(configOption())
    .option('--socket', 'install, systemd: also a socket unit, so the daemon starts on the first agent connection')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      example(['mcp-auth-proxy service install', 'mcp-auth-proxy service install --socket', 'mcp-auth-proxy service status --json', 'mcp-auth-proxy service uninstall']) +
        '\nEach action is idempotent: installing again changes nothing unless the command changed; uninstalling twice is fine.\n',
    )
    .action(async (action: string, options) => (await import('./commands/service.js')).service(ctx, action, options));

  program
    .command('completion')
    .addArgument(new Argument('[shell]', 'the shell').choices(['bash', 'zsh', 'fish']))
    .description('Print a shell completion script (commands, options, server names)')
    .addOption(new Option('--servers', 'print the configured server names (what the scripts complete)').hideHelp())
    .addOption(configOption().hideHelp())
    .addHelpText(
      'after',
      example([
        'source <(mcp-auth-proxy completion bash)          # in ~/.bashrc',
        'source <(mcp-auth-proxy completion zsh)           # in ~/.zshrc',
        'mcp-auth-proxy completion fish | source           # in ~/.config/fish/config.fish',
      ]),
    )
    .action(async (shell: string | undefined, options) => (await import('./commands/completion.js')).completion(ctx, program, shell, options));

  return program;
}

/** `help <name>` naming no command is a usage error; commander would print the general help and exit 0. */
export function checkHelpTopic(program: Command, argv: string[]): void {
  const [first, topic] = argv.slice(2);
  if (first !== 'help' || topic === undefined || topic === 'help' || topic.startsWith('-')) return;
  if (program.commands.some((c) => c.name() === topic || c.aliases().includes(topic))) return;
  throw new UsageError(`help: unknown command "${topic}"`, `Commands: ${program.commands.map((c) => c.name()).join(', ')}. \`mcp-auth-proxy --help\` describes them.`);
}

/** The exit code for commander's own outcome (help, version, a usage problem it already printed); undefined for any other error. */
export function commanderExitCode(error: unknown): number | undefined {
  if (!(error instanceof CommanderError)) return undefined;
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT_OK;
  return EXIT_USAGE; // commander already printed the problem
}
