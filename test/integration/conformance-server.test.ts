// The MCP conformance suite's server scenarios against
// @modelcontextprotocol/server-everything twice: directly, and through the
// proxy. The proxy must be invisible: every check comes out the same both
// ways (server-everything is not the suite's reference server, so some fail
// both ways), except DNS-rebinding protection, which the proxy's Host check
// adds in front of a server that has none.
import { conformanceRuntime, runServerScenarios, type ConformanceRuntime, type ScenarioResult } from '../helpers/conformance.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { startServerEverything, type ServerEverything } from '../helpers/server-everything.js';

let runtime: ConformanceRuntime;
let everything: ServerEverything;
let proxy: TestProxy;

beforeAll(async () => {
  runtime = await conformanceRuntime();
  everything = await startServerEverything();
  proxy = await startTestProxy({ logLevel: 'warn', servers: { everything: { url: everything.url, auth: { type: 'none' } } } });
}, 300_000);
afterAll(async () => {
  await proxy?.close();
  everything?.close();
});

/** Each check as `id: status`, sorted: what must agree. */
const outcome = (result: ScenarioResult | undefined) => (result?.checks ?? []).filter((c) => c.status !== 'INFO').map((c) => `${c.id}: ${c.status}`).sort();

test('every server scenario comes out the same directly and through the proxy; DNS rebinding is refused only by the proxy', async () => {
  const direct = await runServerScenarios(runtime, everything.url);
  const proxied = await runServerScenarios(runtime, `${proxy.url}/everything/mcp`);
  const scenarios = direct.map((r) => r.scenario).sort();
  expect(proxied.map((r) => r.scenario).sort()).toEqual(scenarios);
  expect(scenarios.length).toBeGreaterThan(25);
  const byName = (list: ScenarioResult[]) => new Map(list.map((r) => [r.scenario, r]));
  const [d, p] = [byName(direct), byName(proxied)];
  for (const name of scenarios) {
    if (name === 'dns-rebinding-protection') continue;
    expect({ name, checks: outcome(p.get(name)) }).toEqual({ name, checks: outcome(d.get(name)) });
  }
  // server-everything itself accepts a foreign Host; behind the proxy it is protected.
  expect(d.get('dns-rebinding-protection')?.failures.length).toBeGreaterThan(0);
  expect(p.get('dns-rebinding-protection')?.failures).toEqual([]);
  // The scenarios that exercise plain traffic pass at all, so "the same" is not "the same nothing".
  for (const name of ['server-initialize', 'tools-list', 'tools-call-simple-text', 'resources-list', 'prompts-list', 'server-sse-multiple-streams']) {
    expect({ name, failures: p.get(name)?.failures }).toEqual({ name, failures: [] });
  }
}, 300_000);
