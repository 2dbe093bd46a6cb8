// The MCP conformance suite's client auth scenarios, each run three ways: the
// TypeScript SDK's own OAuth client (the bar), and mcp-auth-proxy's `login`
// followed by a tool call through the daemon, and through the stdio bridge.
// Every scenario the SDK's client passes must pass both ways with no failed
// check and no warning the SDK's run does not have. The suite's servers are
// real (express apps with their own authorization server); the "browser" is
// test/fixtures/conformance/browser.mjs, following the approval redirect.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CONFORMANCE_VERSION, conformanceRuntime, listScenarios, runClientScenario, type ConformanceRuntime, type ScenarioResult } from '../helpers/conformance.js';

/** The client auth scenarios of the pinned release, in the order it lists them. */
const SCENARIOS = [
  'auth/metadata-default',
  'auth/metadata-var1',
  'auth/metadata-var2',
  'auth/metadata-var3',
  'auth/basic-cimd',
  'auth/scope-from-www-authenticate',
  'auth/scope-from-scopes-supported',
  'auth/scope-omitted-when-undefined',
  'auth/scope-step-up',
  'auth/scope-retry-limit',
  'auth/token-endpoint-auth-basic',
  'auth/token-endpoint-auth-post',
  'auth/token-endpoint-auth-none',
  'auth/pre-registration',
  'auth/2025-03-26-oauth-metadata-backcompat',
  'auth/2025-03-26-oauth-endpoint-fallback',
  'auth/resource-mismatch',
  'auth/offline-access-scope',
  'auth/offline-access-not-supported',
  'auth/client-credentials-jwt',
  'auth/client-credentials-basic',
  'auth/cross-app-access-complete-flow',
];
/** Scenarios the SDK's own client fails (the SDK has no client for cross-app access / ID-JAG): not required of us. */
const SDK_FAILS = ['auth/cross-app-access-complete-flow'];

const fixture = (name: string) => JSON.stringify(fileURLToPath(new URL(`../fixtures/conformance/${name}`, import.meta.url)));
const SDK_CLIENT = `${JSON.stringify(process.execPath)} ${fixture('sdk-client.mjs')}`;
const LOGIN_CLIENT = `${JSON.stringify(process.execPath)} ${fixture('login-client.mjs')}`;
const MODES = ['daemon', 'stdio'] as const;

let runtime: ConformanceRuntime;
const table: Array<{ scenario: string; sdk: ScenarioResult; ours: Partial<Record<(typeof MODES)[number], ScenarioResult>> }> = [];

beforeAll(async () => {
  runtime = await conformanceRuntime();
}, 300_000);

afterAll(() => {
  // The results table (scenario × client), for the record; kept beside the installed suite.
  const cell = (r: ScenarioResult | undefined) => (r ? `${r.failures.length ? '✗' : '✓'} ${r.checks.filter((c) => c.status === 'SUCCESS').length}/${r.checks.filter((c) => c.status !== 'INFO').length}` : '-');
  const lines = [`| scenario (conformance ${CONFORMANCE_VERSION}) | SDK client | login + daemon | login + stdio |`, '| --- | --- | --- | --- |'];
  for (const row of table) lines.push(`| ${row.scenario} | ${cell(row.sdk)} | ${cell(row.ours.daemon)} | ${cell(row.ours.stdio)} |`);
  writeFileSync(fileURLToPath(new URL('../../node_modules/.cache/conformance-client-auth.md', import.meta.url)), `${lines.join('\n')}\n`);
});

test('the pinned suite lists exactly the client auth scenarios run here', async () => {
  const { client } = await listScenarios(runtime);
  expect(client.filter((name) => name.startsWith('auth/'))).toEqual(SCENARIOS);
});

describe.each(SCENARIOS)('%s', (scenario) => {
  test('where the SDK client passes, login passes through the daemon and through stdio', async () => {
    const sdk = await runClientScenario(runtime, scenario, SDK_CLIENT);
    const row: (typeof table)[number] = { scenario, sdk, ours: {} };
    table.push(row);
    expect({ scenario, sdkFails: sdk.failures.length > 0 }).toEqual({ scenario, sdkFails: SDK_FAILS.includes(scenario) });
    if (sdk.failures.length > 0) return;
    for (const mode of MODES) {
      const ours = await runClientScenario(runtime, scenario, LOGIN_CLIENT, { MAP_CONFORMANCE_MODE: mode });
      row.ours[mode] = ours;
      const sdkWarnings = new Set(sdk.warnings.map((w) => w.split(':')[0]));
      const newWarnings = ours.warnings.filter((w) => !sdkWarnings.has(w.split(':')[0]));
      // The client's own log comes along on failure: it says which step broke.
      expect({ mode, failures: ours.failures, newWarnings, log: ours.failures.length || newWarnings.length ? ours.clientLog : '' }).toEqual({ mode, failures: [], newWarnings: [], log: '' });
      expect(ours.checks.filter((c) => c.status === 'SUCCESS').length).toBeGreaterThan(0);
    }
  }, 180_000);
});
