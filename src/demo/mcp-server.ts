// The demo's MCP server: a few tools that show the signed flow end to end,
// including one that streams notifications while it runs.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

export function createDemoMcpServer(): McpServer {
  const server = new McpServer({ name: 'mcp-auth-proxy-demo', version: '1.0.0' }, { capabilities: { logging: {} } });
  server.registerTool(
    'echo',
    { description: 'Echo the text back', inputSchema: { text: z.string() } },
    async ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  server.registerTool(
    'add',
    { description: 'Add two numbers', inputSchema: { a: z.number(), b: z.number() } },
    async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }),
  );
  server.registerTool(
    'whoami',
    { description: 'Which gateway key signed this request (as the upstream saw it)' },
    async (extra) => {
      const keyId = extra.requestInfo?.headers['x-api-key-id'];
      return { content: [{ type: 'text', text: `signed by key ${String(keyId)}; the agent sent no credentials` }] };
    },
  );
  server.registerTool(
    'countdown',
    {
      description: 'Count down, sending a log notification for each step before the result',
      inputSchema: { from: z.number().int().min(1).max(20).default(3), delayMs: z.number().int().min(0).max(5000).default(200) },
    },
    async ({ from, delayMs }, extra) => {
      for (let n = from; n > 0; n--) {
        await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', data: `T-${n}` } });
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
      return { content: [{ type: 'text', text: 'liftoff' }] };
    },
  );
  return server;
}
