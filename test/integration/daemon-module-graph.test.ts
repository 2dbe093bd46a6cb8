// The daemon holds only what its request path needs: in local mode it never
// loads the config validator (zod) or the config file parsers (they run in a
// short-lived loader process, at start and at each reload), team mode's
// identity methods, the JWT library, OAuth or prom-client (until /metrics is scraped). Each module stays in a
// process's memory once loaded, so this is what keeps the daemon small.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanEnv, spawnCli, waitForOutput } from '../helpers/cli.js';
import { eventually, listen, request } from '../helpers/net.js';

const RECORD = fileURLToPath(new URL('../fixtures/module-graph/record.mjs', import.meta.url));
/** Packages only validation, team mode, OAuth or a scrape need. */
const NOT_IN_LOCAL_DAEMON = ['zod', 'cosmiconfig', 'yaml', 'jose', 'oauth4webapi', 'prom-client'];

const packagesIn = (urls: string[]) => new Set(urls.flatMap((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1] ?? []));

test('a local-mode daemon serves, reloads and answers /metrics without loading the validator, jose or OAuth; prom-client loads at the first scrape', async () => {
  const upstream = await listen((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":1,"result":{"content":[]}}'));
  });
  const home = mkdtempSync(join(tmpdir(), 'map-graph-'));
  const config = join(home, 'config.json');
  writeFileSync(config, JSON.stringify({ listen: '127.0.0.1:0', servers: { demo: { url: `${upstream.url}/mcp`, auth: { type: 'bearer', token: 'env:DEMO_TOKEN' } } } }));
  const env = cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_STATE_HOME: join(home, 'state'), DEMO_TOKEN: 'token-graph-1', MODULE_GRAPH_DIR: home, NODE_OPTIONS: `--import ${RECORD}` });
  const daemon = spawnCli(['start', '--config', config], { env, cwd: home });
  try {
    const [, url] = await waitForOutput(daemon, /listening on (http:\/\/\S+)/);
    const loaded = () => readFileSync(join(home, String(daemon.pid)), 'utf8').trim().split('\n');

    const answer = await request(`${url}/demo/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","arguments":{}}}' });
    expect(answer.status).toBe(200);
    // SIGHUP reloads a daemon without a terminal: the new config is validated again, and again not in the daemon.
    writeFileSync(config, JSON.stringify({ listen: '127.0.0.1:0', logLevel: 'debug', servers: { demo: { url: `${upstream.url}/mcp`, auth: { type: 'bearer', token: 'env:DEMO_TOKEN' } } } }));
    daemon.kill('SIGHUP');
    await eventually(() => daemon.out.stderr.includes('"reloaded"'));
    expect((await request(`${url}/statusz`)).status).toBe(200);

    const before = loaded();
    // The record is real: the daemon's own request path is in it.
    expect(before.some((u) => u.endsWith('/dist/proxy/handler.js'))).toBe(true);
    expect(before.some((u) => u.endsWith('/dist/daemon/reload.js'))).toBe(true);
    expect([...packagesIn(before)].filter((name) => NOT_IN_LOCAL_DAEMON.includes(name))).toEqual([]);
    // Team mode's identity step and methods, and the config validator of our own.
    expect(before.filter((u) => /\/dist\/(proxy\/identify|identity\/chain|config\/(schema|team-schema|load))\.js$/.test(u))).toEqual([]);

    const metrics = await request(`${url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('mcp_proxy_requests_total');
    expect([...packagesIn(loaded())].filter((name) => NOT_IN_LOCAL_DAEMON.includes(name))).toEqual(['prom-client']);
  } finally {
    const exited = new Promise((resolve) => daemon.once('close', resolve));
    if (daemon.exitCode === null) daemon.kill('SIGINT');
    await exited;
    await upstream.close();
  }
});
