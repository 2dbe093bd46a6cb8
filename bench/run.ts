// `npm run bench [-- --only LIST --compare OLD.json --out FILE.json]`: runs the chosen sections (scenarios, startup,
// stdio; load on request), prints markdown tables and the headline figures, saves JSON, and compares with an old run.

// scenarios (bench/scenarios.ts): small JSON, 1 MB JSON, SSE answer of 100 events and GET stream, each direct,
//   through mcp-auth-proxy (foreground and with the daemon's node flags, default logging; small JSON also at
//   MCP_LOG_LEVEL=warn) and through the bare node:http proxy, in interleaved rounds; plus the daemon's memory.
// startup (bench/startup.ts): `--version` and `--help` wall time.
// stdio (bench/stdio.ts): tool-call round trips through `mcp-auth-proxy stdio` and through mcp-remote.
// checks (bench/checks.ts): in-process cost of the per-request path confinement check and header strip.
// signing (bench/signing.ts): CPU per signed request of sigv4 and httpsig against hmac, in-process, same run.
// team (bench/team.ts): the proxy's CPU per request in team mode (API key; JWT with cached keys) against local mode.
// commands (bench/commands.ts): warm tools/call to a stdio server through the proxy vs the SDK client on stdio, and
//   memory per server process.
// policy (bench/policy.ts): what one policy decision costs, and filtering a tools/list of 500 tools against 200 rules.
// load (bench/load.ts): mixed JSON/SSE at c=64 with RSS over time, then BENCH_STREAMS held SSE streams.
// profile (bench/profile.ts): CPU profiles of the floor and the proxy under the small-JSON load, diffed.
import { randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { relative } from 'node:path';
import { benchChecks, printChecks } from './checks.js';
import { benchCommands, printCommands } from './commands.js';
import { benchSigning, printSigning } from './signing.js';
import { benchTeam, printTeam } from './team.js';
import { benchPolicy, printPolicy } from './policy.js';
import { root, start, stopAll } from './children.js';
import { printCompare } from './compare.js';
import { printHeadlines, summarize } from './headline.js';
import { benchLoad } from './load.js';
import { readOptions } from './options.js';
import { benchProfile, printProfile } from './profile.js';
import { readResults, saveResults, SECTIONS, type BenchResults } from './results.js';
import { printScenarios } from './scenarios-report.js';
import { benchScenarios } from './scenarios.js';
import { benchStartup, printStartup } from './startup.js';
import { printStdio, stdioSection } from './stdio.js';

const KEY_ID = 'bench-key';
const SECRET = randomBytes(24).toString('hex');
const log = (line: string) => process.stderr.write(`${line}\n`);
/** A path as the repo-relative one when inside the repo. */
const shown = (file: string) => (relative(root, file).startsWith('..') ? file : relative(root, file));

async function main(): Promise<void> {
  const options = readOptions();
  // Read before this run overwrites it, when both name the same file.
  const old = options.compare ? readResults(options.compare) : undefined;
  const fresh: BenchResults = { date: new Date().toISOString(), node: process.version, machine: { cores: availableParallelism(), loadAverage: loadavg() } };
  log(`bench sections: ${options.sections.join(', ')}; machine load average ${loadavg().map((n) => n.toFixed(2)).join(' ')} on ${availableParallelism()} cores`);
  // Startup first, while no other bench process is running.
  if (options.sections.includes('startup')) {
    fresh.startup = benchStartup(options.startupRuns);
    printStartup(fresh.startup);
  }
  if (options.sections.includes('scenarios')) {
    fresh.scenarios = await benchScenarios({ keyId: KEY_ID, secret: SECRET, rounds: options.rounds, idleSeconds: options.idleSeconds, knobs: options.knobs, ...(options.baseline ? { baseline: options.baseline } : {}), log });
    printScenarios(fresh.scenarios);
  }
  if (options.sections.includes('stdio')) {
    fresh.stdio = await stdioSection({ keyId: KEY_ID, secret: SECRET, calls: options.stdioCalls, rounds: options.rounds, log });
    printStdio(fresh.stdio, options.rounds);
  }
  if (options.sections.includes('checks')) {
    fresh.checks = benchChecks();
    printChecks(fresh.checks);
  }
  if (options.sections.includes('signing')) {
    fresh.signing = await benchSigning();
    printSigning(fresh.signing);
  }
  if (options.sections.includes('team')) {
    fresh.team = await benchTeam(options.rounds, log);
    printTeam(fresh.team);
  }
  if (options.sections.includes('commands')) {
    fresh.commands = await benchCommands({ calls: options.stdioCalls, rounds: options.rounds, log });
    printCommands(fresh.commands);
  }
  if (options.sections.includes('policy')) {
    fresh.policy = benchPolicy();
    printPolicy(fresh.policy);
  }
  if (options.sections.includes('load')) {
    fresh.load = await benchLoad({ start, keyId: KEY_ID, secret: SECRET, seconds: options.loadSeconds, streams: options.streams, idleSeconds: options.idleSeconds, settleSeconds: options.settleSeconds, log });
  }
  if (options.sections.includes('profile')) {
    const { rounds, knobs } = options;
    fresh.profile = await benchProfile({ keyId: KEY_ID, secret: SECRET, rounds, seconds: knobs.seconds, concurrency: knobs.smallConcurrency, ...(options.baseline ? { baseline: options.baseline } : {}), log });
    printProfile(fresh.profile);
  }
  printHeadlines(fresh, options.sections);
  if (old && options.compare) printCompare(shown(options.compare), old, fresh, options.sections);
  saveResults(options.out, fresh, summarize);
  console.log(`saved ${shown(options.out)}${options.sections.length < SECTIONS.length ? ' (sections not run kept from the file already there)' : ''}`);
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(stopAll);
