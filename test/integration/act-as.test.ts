// act-as: the upstream gets the global token and the configured user in the
// configured header only; an agent's act-as header never arrives; no token in logs.
import type { IncomingMessage } from 'node:http';
import { initialize, listen, refusingPort } from '../helpers/net.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';

const TOKEN = 'act-as-global-token-6c1f0e9a';
const USER = 'me@acme.com';
const EVIL = 'ceo@acme.com';
/** The act-as headers an agent could try (both Glean spellings); always stripped. */
const AGENT_ACT_AS = { 'X-Glean-ActAs': EVIL, 'X-Scio-Actas': EVIL };
const ACT_AS_NAMES = ['x-glean-actas', 'x-scio-actas', 'x-acting-user'];

interface Seen {
  headers: IncomingMessage['headers'];
  /** Every value each act-as header had on the wire, in order (duplicates show up here). */
  actAs: Record<string, string[]>;
}

let upstream: Awaited<ReturnType<typeof listen>>;
let received: Seen[];
let refuse: boolean;
let proxy: TestProxy | undefined;

beforeEach(async () => {
  received = [];
  refuse = false;
  upstream = await listen((req, res) => {
    const actAs: Record<string, string[]> = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      // Under the name CGI, WSGI, PHP and Rack servers read: `_` and `-` alike.
      const name = (req.rawHeaders[i] as string).toLowerCase().replaceAll('_', '-');
      if (ACT_AS_NAMES.includes(name)) (actAs[name] ??= []).push(req.rawHeaders[i + 1] as string);
    }
    received.push({ headers: req.headers, actAs });
    req.resume();
    const ok = !refuse && req.headers.authorization === `Bearer ${TOKEN}`;
    req.on('end', () => {
      if (ok) res.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":1,"result":{}}');
      else res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer error="invalid_token"' }).end(`{"error":"refused ${req.headers.authorization}"}`);
    });
  });
});
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await upstream.close();
});

const start = (auth: Record<string, unknown>, env: NodeJS.ProcessEnv = { GLEAN_TOKEN: TOKEN }) =>
  startTestProxy({ servers: { glean: { url: `${upstream.url}/mcp/default`, auth: { type: 'act-as', token: 'env:GLEAN_TOKEN', user: USER, ...auth } } } }, env);

test.each([
  ['default (header omitted)', {}, 'x-glean-actas'],
  ['X-Scio-Actas', { header: 'X-Scio-Actas' }, 'x-scio-actas'],
  ['x-scio-actas (lower case)', { header: 'x-scio-actas' }, 'x-scio-actas'],
  ['X-GLEAN-ACTAS (upper case)', { header: 'X-GLEAN-ACTAS' }, 'x-glean-actas'],
  ['a custom X-Acting-User', { header: 'X-Acting-User' }, 'x-acting-user'],
])('%s: token and configured user arrive once, in that header only; the agent’s never', async (_label, auth, header) => {
  proxy = await start(auth);
  // The agent also sends its own copies of the configured header, in other spellings (underscores included).
  const res = await initialize(`${proxy.url}/glean/mcp`, {
    authorization: 'Bearer agent-token',
    ...AGENT_ACT_AS,
    X_Glean_ActAs: EVIL,
    x_scio_actas: EVIL,
    [header.toUpperCase()]: EVIL,
    [header.replaceAll('-', '_')]: EVIL,
  });
  expect(res.status).toBe(200);
  expect(received).toHaveLength(1);
  const [seen] = received as [Seen];
  expect(seen.headers.authorization).toBe(`Bearer ${TOKEN}`);
  // Exactly one act-as header on the wire, the configured one, once, with the configured user.
  expect(seen.actAs).toEqual({ [header]: [USER] });
});

test('the token appears in no log line, even when the upstream refuses it', async () => {
  proxy = await start({ header: 'X-Scio-Actas' });
  expect((await initialize(`${proxy.url}/glean/mcp`, AGENT_ACT_AS)).status).toBe(200);
  refuse = true; // the upstream now answers 401 (echoing the Authorization it got), so the proxy logs a refusal
  const refused = await initialize(`${proxy.url}/glean/mcp`, AGENT_ACT_AS);
  expect(refused.status).toBe(401);
  expect(refused.headers['www-authenticate']).toBeUndefined();
  // The upstream's body repeated the token; the agent gets it redacted.
  expect(refused.body).toBe('{"error":"refused [REDACTED]"}');

  const text = proxy.logs.text;
  // The capture really holds the request and refusal lines (debug level), so absence means something.
  expect(text).toContain('upstream refused the credential');
  expect(proxy.logs.lines().filter((l) => l.message === 'request' && l.server === 'glean')).toHaveLength(2);
  expect(text).not.toContain(TOKEN);
});

test('the token never reaches the logs when the upstream is unreachable either', async () => {
  const dead = await refusingPort();
  const url = `http://127.0.0.1:${dead.port}/mcp/default`;
  proxy = await startTestProxy({ servers: { glean: { url, auth: { type: 'act-as', token: 'env:GLEAN_TOKEN', user: USER } } } }, { GLEAN_TOKEN: TOKEN });
  const res = await initialize(`${proxy.url}/glean/mcp`);
  dead.release();
  expect(res.status).toBe(502);
  expect(res.body).not.toContain(TOKEN);
  expect(proxy.logs.text).toContain('upstream unreachable');
  expect(proxy.logs.text).not.toContain(TOKEN);
});

test('a missing token env variable: 503 naming the variable, nothing forwarded, no agent act-as smuggled through', async () => {
  proxy = await start({}, {});
  const res = await initialize(`${proxy.url}/glean/mcp`, AGENT_ACT_AS);
  expect(res.status).toBe(503);
  expect(JSON.parse(res.body).error.message).toContain('GLEAN_TOKEN');
  expect(received).toHaveLength(0);
});
