// A tool that sends a notification mid-call: the client receives it while the
// call is still running, i.e. SSE is relayed chunk by chunk, not buffered.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { startSdkUpstream, type SdkUpstream } from '../helpers/sdk-upstream.js';
import { KEY_ID, SECRET, hmacServer, startTestProxy, type TestProxy } from '../helpers/proxy.js';

let upstream: SdkUpstream;
let proxy: TestProxy;
let release!: () => void;

beforeEach(async () => {
  const released = new Promise<void>((resolve) => (release = resolve));
  upstream = await startSdkUpstream({ keyId: KEY_ID, secret: SECRET, release: released });
  proxy = await startTestProxy({ servers: { gateway: hmacServer(upstream.url) } }, { TEST_SECRET: SECRET });
});
afterEach(async () => {
  release();
  await proxy.close();
  await upstream.close();
});

test('the first notification reaches the client before the tool call ends', async () => {
  const client = new Client({ name: 'test-agent', version: '1.0.0' });
  const events: string[] = [];
  const notified = new Promise<void>((resolve) => {
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      events.push(`notification:${String(n.params.data)}`);
      resolve();
    });
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${proxy.url}/mcp`)));
  const call = client.callTool({ name: 'notify-then-wait', arguments: {} }).then((r) => {
    events.push('result');
    return r;
  });
  // The upstream holds the result until released; only a streamed notification can arrive now.
  await notified;
  expect(events).toEqual(['notification:first notification']);
  release();
  const result = await call;
  expect(result.content).toEqual([{ type: 'text', text: 'released' }]);
  expect(events).toEqual(['notification:first notification', 'result']);
  await client.close();
  expect(upstream.rejected()).toEqual([]);
});
