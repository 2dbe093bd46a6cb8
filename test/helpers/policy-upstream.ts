// A real MCP upstream for the policy tests: an SDK McpServer over stateless
// Streamable HTTP (no auth), answering as JSON or as SSE, with tools,
// prompts, resources and a resource template whose names the policy
// matches. Every JSON-RPC message it receives is recorded, so a test can
// show that a refused call never arrived.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import { listen } from './net.js';

export const TOOLS = ['search_code', 'search_issues', 'create_issue', 'delete_repo', 'delete_branch'];
export const PROMPTS = ['summarize', 'delete_everything'];
export const RESOURCES = ['file:///public/readme.md', 'file:///secret/keys.txt'];

export interface PolicyUpstream {
  url: string;
  /** Every message received: method and, for calls, the name or uri. */
  received: Array<{ method?: string; name?: string; uri?: string }>;
  close: () => Promise<void>;
}

export async function startPolicyUpstream(answers: 'json' | 'sse'): Promise<PolicyUpstream> {
  const received: PolicyUpstream['received'] = [];
  const makeServer = () => {
    const server = new McpServer({ name: 'policy-upstream', version: '1.0.0' });
    for (const tool of TOOLS) {
      server.registerTool(tool, { description: `the ${tool} tool`, inputSchema: { text: z.string().optional() } }, async () => ({ content: [{ type: 'text', text: `ran ${tool}` }] }));
    }
    for (const prompt of PROMPTS) server.registerPrompt(prompt, { description: prompt }, () => ({ messages: [{ role: 'user', content: { type: 'text', text: prompt } }] }));
    for (const uri of RESOURCES) server.registerResource(uri, uri, {}, async () => ({ contents: [{ uri, text: `contents of ${uri}` }] }));
    server.registerResource('repo', new ResourceTemplate('repo://{owner}/{name}', { list: undefined }), {}, async (uri) => ({ contents: [{ uri: uri.href, text: 'repo' }] }));
    return server;
  };
  const server = await listen(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown) : undefined;
    for (const m of Array.isArray(body) ? body : body ? [body] : []) {
      const message = m as { method?: string; params?: { name?: string; uri?: string } };
      received.push({ ...(message.method ? { method: message.method } : {}), ...(message.params?.name ? { name: message.params.name } : {}), ...(message.params?.uri ? { uri: message.params.uri } : {}) });
    }
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: answers === 'json' });
    const mcp = makeServer();
    res.once('close', () => {
      void transport.close();
      void mcp.close();
    });
    await mcp.connect(transport);
    await transport.handleRequest(req, res, body);
  });
  return { url: `${server.url}/mcp`, received, close: server.close };
}
