// The 2026-07-28 request metadata headers the stdio bridge adds: version from
// _meta, Mcp-Method, Mcp-Name, Mcp-Param-* from x-mcp-header annotations,
// the Base64 sentinel encoding, and tools with invalid annotations dropped.
import { ModernHeaders, encodeHeaderValue } from '../../src/stdio/modern-headers.js';

const meta = (version: string) => ({ _meta: { 'io.modelcontextprotocol/protocolVersion': version } });

test('values: plain ASCII as is; non-ASCII, edge spaces, newlines and sentinel look-alikes Base64-encoded', () => {
  expect(encodeHeaderValue('us-west1')).toBe('us-west1');
  expect(encodeHeaderValue(42)).toBe('42');
  expect(encodeHeaderValue(false)).toBe('false');
  expect(encodeHeaderValue('Hello, 世界')).toBe('=?base64?SGVsbG8sIOS4lueVjA==?=');
  expect(encodeHeaderValue(' padded ')).toBe('=?base64?IHBhZGRlZCA=?=');
  expect(encodeHeaderValue('line1\nline2')).toBe('=?base64?bGluZTEKbGluZTI=?=');
  expect(encodeHeaderValue('=?base64?literal?=')).toBe('=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?=');
});

test('older eras get only the version header; 2026-07-28 gets method and name', () => {
  const modern = new ModernHeaders();
  expect(modern.headersFor({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: meta('2025-11-25') })).toEqual({ 'mcp-protocol-version': '2025-11-25' });
  expect(modern.headersFor({ jsonrpc: '2.0', id: 1, method: 'tools/list' })).toEqual({});
  expect(modern.headersFor([{ jsonrpc: '2.0', id: 1, method: 'tools/list', params: meta('2026-07-28') }])).toEqual({});
  expect(modern.headersFor({ jsonrpc: '2.0', id: 2, method: 'resources/read', params: { ...meta('2026-07-28'), uri: 'file:///projects/app/config.json' } })).toEqual({
    'mcp-protocol-version': '2026-07-28',
    'mcp-method': 'resources/read',
    'mcp-name': 'file:///projects/app/config.json',
  });
});

test('x-mcp-header annotations learned from tools/list are mirrored on tools/call', () => {
  const modern = new ModernHeaders();
  const list = {
    jsonrpc: '2.0',
    id: 1,
    result: {
      tools: [
        {
          name: 'execute_sql',
          inputSchema: {
            type: 'object',
            properties: {
              region: { type: 'string', 'x-mcp-header': 'Region' },
              options: { type: 'object', properties: { dryRun: { type: 'boolean', 'x-mcp-header': 'Dry-Run' } } },
              query: { type: 'string' },
            },
          },
        },
      ],
    },
  };
  expect(modern.observe(list, () => undefined)).toBe(list);
  const call = { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { ...meta('2026-07-28'), name: 'execute_sql', arguments: { region: 'us-west1', options: { dryRun: true }, query: 'SELECT 1' } } };
  expect(modern.headersFor(call)).toEqual({
    'mcp-protocol-version': '2026-07-28',
    'mcp-method': 'tools/call',
    'mcp-name': 'execute_sql',
    'mcp-param-region': 'us-west1',
    'mcp-param-dry-run': 'true',
  });
  // An absent value means no header.
  expect(modern.headersFor({ ...call, params: { ...call.params, arguments: { query: 'x' } } })).not.toHaveProperty('mcp-param-region');
});

test.each([
  ['on a number', { properties: { n: { type: 'number', 'x-mcp-header': 'N' } } }],
  ['under items', { properties: { list: { type: 'array', items: { type: 'string', 'x-mcp-header': 'Item' } } } }],
  ['not a token', { properties: { a: { type: 'string', 'x-mcp-header': 'Bad Name' } } }],
  ['duplicated in another case', { properties: { a: { type: 'string', 'x-mcp-header': 'Region' }, b: { type: 'string', 'x-mcp-header': 'region' } } }],
])('a tool whose annotation is invalid (%s) is dropped from tools/list, the others kept', (_case, inputSchema) => {
  const modern = new ModernHeaders();
  const dropped: string[] = [];
  const list = { jsonrpc: '2.0', id: 1, result: { tools: [{ name: 'bad', inputSchema: { type: 'object', ...inputSchema } }, { name: 'good', inputSchema: { type: 'object' } }] } };
  const passed = modern.observe(list, (tool) => dropped.push(tool));
  expect(passed.result.tools.map((t) => t.name)).toEqual(['good']);
  expect(dropped).toEqual(['bad']);
});
