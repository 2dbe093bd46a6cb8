// The policy filters list answers: an agent (the SDK Client) sees only what
// it may use in tools/list, prompts/list, resources/list and
// resources/templates/list, over JSON answers and SSE answers alike, from an
// SDK McpServer and from server-everything; a reload applies a new policy to
// the next list; a list answer on the GET stream (a resumed POST stream) is
// filtered as well.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { listen, openStream, request } from '../helpers/net.js';
import { startPolicyUpstream, TOOLS, type PolicyUpstream } from '../helpers/policy-upstream.js';
import { startServerEverything, type ServerEverything } from '../helpers/server-everything.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';

let upstream: PolicyUpstream | undefined;
let proxy: TestProxy | undefined;
let everything: ServerEverything | undefined;
const clients: Client[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
  await proxy?.close();
  await upstream?.close();
  everything?.close();
  proxy = undefined;
  upstream = undefined;
  everything = undefined;
});

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: 'policy-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  clients.push(client);
  return client;
}

const POLICY = {
  default: 'allow',
  rules: [
    { id: 'keep-search', allow: ['github.search_issues'] },
    { id: 'no-deletes', deny: ['*.delete_*', 'github.search_*'] },
    { id: 'no-secrets', deny: ['github.file:///secret/*', 'github.repo://*'] },
  ],
};

describe.each(['json', 'sse'] as const)('an upstream answering as %s', (answers) => {
  test('the agent sees only the tools, prompts, resources and templates the policy allows', async () => {
    upstream = await startPolicyUpstream(answers);
    proxy = await startTestProxy({ servers: { github: { url: upstream.url, auth: { type: 'none' } } }, policy: POLICY });
    const client = await connect(`${proxy.url}/github/mcp`);

    const tools = (await client.listTools()).tools.map((t) => t.name);
    // search_issues: the first rule allows it before no-deletes' "github.search_*" is read.
    expect(tools).toEqual(['search_issues', 'create_issue']);
    expect((await client.listPrompts()).prompts.map((p) => p.name)).toEqual(['summarize']);
    expect((await client.listResources()).resources.map((r) => r.uri)).toEqual(['file:///public/readme.md']);
    expect((await client.listResourceTemplates()).resourceTemplates).toEqual([]);

    // Without the policy the same upstream lists everything (the filter is the proxy's).
    const direct = await connect(upstream.url);
    expect((await direct.listTools()).tools.map((t) => t.name)).toEqual(TOOLS);
  });
});

test('a reload applies a new policy to the next list', async () => {
  upstream = await startPolicyUpstream('json');
  proxy = await startTestProxy({ servers: { github: { url: upstream.url, auth: { type: 'none' } } }, policy: POLICY });
  const client = await connect(`${proxy.url}/github/mcp`);
  expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['search_issues', 'create_issue']);
  expect(JSON.parse((await request(`${proxy.url}/statusz`)).body)).toMatchObject({ policy: { rules: 3, default: 'allow' } });
  proxy.proxy.reload({ ...proxy.config, policy: { default: 'deny', rules: [{ id: 'only-create', allow: ['github.create_*'] }] } }, proxy.proxy.upstreams);
  expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['create_issue']);
  // status reads /statusz: it names the policy in force.
  expect(JSON.parse((await request(`${proxy.url}/statusz`)).body)).toMatchObject({ policy: { rules: 1, default: 'deny' } });
});

test('server-everything over SSE: its tools/list loses exactly the denied tools', async () => {
  everything = await startServerEverything();
  const full = (await (await connect(everything.url)).listTools()).tools.map((t) => t.name);
  expect(full.length).toBeGreaterThan(3);
  const [first, second] = full as [string, string];
  proxy = await startTestProxy({ servers: { everything: { url: everything.url, auth: { type: 'none' } } }, policy: { rules: [{ id: 'hide-two', deny: [`everything.${first}`, `*.${second}`] }] } });
  const client = await connect(`${proxy.url}/everything/mcp`);
  expect((await client.listTools()).tools.map((t) => t.name)).toEqual(full.filter((name) => name !== first && name !== second));
});

test('a list answer arriving on the GET stream (a resumed POST stream) is filtered too; other events pass as sent', async () => {
  const note = 'event: message\nid: 1\ndata: {"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"delete_repo"}}\n\n';
  const answer = 'event: message\nid: 2\ndata: {"result":{"tools":[{"name":"create_issue"},{"name":"delete_repo"}]},"jsonrpc":"2.0","id":5}\n\n';
  const raw = await listen((req, res) => {
    if (req.method !== 'GET') return void res.writeHead(405).end();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(note);
    res.write(answer.slice(0, 40));
    res.write(answer.slice(40));
  });
  proxy = await startTestProxy({ servers: { github: { url: `${raw.url}/mcp`, auth: { type: 'none' } } }, policy: POLICY });
  const stream = await openStream(`${proxy.url}/github/mcp`, { headers: { accept: 'text/event-stream', 'last-event-id': '1' } });
  expect(await stream.next(/^[^]*?\n\n/)).toBe(note);
  expect(await stream.next(/^[^]*?\n\n/)).toBe('event: message\nid: 2\ndata: {"result":{"tools":[{"name":"create_issue"}]},"jsonrpc":"2.0","id":5}\n\n');
  stream.req.destroy();
  await raw.close();
});
