// The policy step reads a message as the upstream's JSON.parse will: the
// same method, id, params.name and params.uri, whatever the spelling
// (escaped keys, duplicate keys where the last counts, white space, members
// in any order), so no body can show the policy one call and the upstream
// another.
import fc from 'fast-check';
import { readEnvelope } from '../../src/proxy/policy-step.js';

const ws = fc.constantFrom('', ' ', '\n', '\t ');
/** A key as written: plain, or with letters escaped as \uXXXX. */
const spelled = (key: string) => fc.array(fc.boolean(), { minLength: key.length, maxLength: key.length }).map((escapes) => `"${[...key].map((c, k) => (escapes[k] ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c)).join('')}"`);
const member = (key: string, value: fc.Arbitrary<string>) => fc.tuple(spelled(key), ws, value).map(([k, w, v]) => `${k}${w}:${w}${v}`);
const jsonString = fc.oneof(fc.constantFrom('tools/call', 'tools/list', 'resources/read', 'prompts/get', 'delete_repo', 'search'), fc.string({ maxLength: 6 })).map((s) => JSON.stringify(s));
const value = fc.oneof(jsonString, fc.integer().map(String), fc.constant('null'), fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)));
const params = fc
  .array(fc.oneof(member('name', value), member('uri', value), member('arguments', value), member('nam', value)), { maxLength: 5 })
  .chain((members) => ws.map((w) => `{${w}${members.join(`,${w}`)}${w}}`));
const message = fc
  .array(fc.oneof(member('method', value), member('id', value), member('params', fc.oneof(params, value)), member('jsonrpc', value), member('other', value)), { maxLength: 7 })
  .chain((members) => ws.map((w) => `{${w}${members.join(`,${w}`)}${w}}`));

test('method, id, params.name and params.uri are what JSON.parse reads', () => {
  fc.assert(
    fc.property(message, (text) => {
      const parsed = JSON.parse(text) as { method?: unknown; id?: unknown; params?: { name?: unknown; uri?: unknown } };
      const envelope = readEnvelope(Buffer.from(text), 0);
      expect(envelope).toBeDefined();
      const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
      const params = typeof parsed.params === 'object' && parsed.params !== null && !Array.isArray(parsed.params) ? parsed.params : undefined;
      expect(envelope?.method).toBe(str(parsed.method));
      expect(envelope?.name).toBe(str(params?.name));
      expect(envelope?.uri).toBe(str(params?.uri));
      expect(envelope?.hasId).toBe('id' in parsed);
      if (typeof parsed.id === 'string' || typeof parsed.id === 'number') expect(envelope?.id).toBe(parsed.id);
    }),
    { numRuns: 2000 },
  );
});
