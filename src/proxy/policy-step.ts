// The policy step, once the body is in hand (only when a policy is
// configured): Mcp-Method / Mcp-Name headers that disagree with the body are
// refused (400, HeaderMismatch), so a header cannot carry a call past the
// policy; tools/call, resources/read and prompts/get the policy denies are
// answered here with a JSON-RPC error and never forwarded, each message of
// a batch judged on its own (the allowed ones go on, their answers and the
// errors are joined); list requests get their answer filtered on the way
// back. The body is read the way JSON.parse reads it (the last of duplicate
// keys counts, the whole message is walked), not the access log's quick peek.
import type { IncomingHttpHeaders } from 'node:http';
import { decodeId, decodeString, keyIs, members, skipSpace, valueEnd } from '../observability/rpc-peek.js';
import type { Caller, CallerPolicy, Decision, Policy } from '../policy/compile.js';
import type { AnswerRewrite } from './answer-rewrite.js';
import { LIST_METHODS, type ListSpec, type RpcId } from './list-filter.js';

/**
 * The requests that use a named tool, prompt or resource, and where the
 * name is: the three that use one, and resources/subscribe, whose update
 * notifications would tell a caller about a resource it may not read.
 */
export const CALL_METHODS: Readonly<Record<string, { field: 'name' | 'uri'; kind: PolicyKind }>> = {
  'tools/call': { field: 'name', kind: 'tool' },
  'prompts/get': { field: 'name', kind: 'prompt' },
  'resources/read': { field: 'uri', kind: 'resource' },
  'resources/subscribe': { field: 'uri', kind: 'resource' },
};

export type PolicyKind = 'tool' | 'prompt' | 'resource';

/** A call the policy refused, for the audit line. */
export interface DeniedCall {
  kind: PolicyKind;
  name: string;
  /** The rule that decided; undefined: the default. */
  rule: string | undefined;
}

export type PolicyVerdict =
  | { kind: 'forward'; body: Buffer; rewrite?: AnswerRewrite; denied?: DeniedCall[]; envelope?: Envelope }
  /** Every request in the body was refused: the answer is made here (undefined: notifications only, 202). */
  | { kind: 'answer'; answer: Buffer | undefined; denied: DeniedCall[]; envelope?: Envelope }
  | { kind: 'mismatch'; message: string; id: RpcId | null }
  | { kind: 'malformed' };

export interface Envelope {
  method?: string;
  id?: RpcId | null;
  name?: string;
  uri?: string;
  /** Whether an "id" member is present (a request, not a notification). */
  hasId: boolean;
  /** completion/complete: the prompt or resource whose arguments are completed. */
  ref?: { type?: string | undefined; name?: string | undefined; uri?: string | undefined };
}

const OPEN_OBJECT = 0x7b;
const QUOTE = 0x22;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
/** HeaderMismatch (2026-07-28). */
export const HEADER_MISMATCH = -32020;
/** The policy refused the call. */
export const POLICY_DENIED = -32009;

export function checkPolicy(policy: Policy, caller: Caller, server: string, headers: IncomingHttpHeaders, body: Buffer): PolicyVerdict {
  const view = policy.forCaller(caller);
  const start = skipSpace(body, 0);
  if (body[start] === OPEN_ARRAY) {
    if (headers['mcp-method'] !== undefined || headers['mcp-name'] !== undefined) return { kind: 'mismatch', message: 'Header mismatch: Mcp-Method and Mcp-Name name one message, and this body is a batch', id: null };
    return checkBatch(view, caller, server, body, start);
  }
  if (body[start] !== OPEN_OBJECT) return { kind: 'malformed' };
  const envelope = readEnvelope(body, start);
  if (!envelope) return { kind: 'malformed' };
  const mismatch = headerMismatch(headers, envelope);
  if (mismatch) return { kind: 'mismatch', message: mismatch, id: envelope.id ?? null };
  const call = judgedTarget(envelope);
  if (call) {
    const { name } = call;
    // No readable name: nothing to judge; the upstream answers it as the malformed call it is.
    if (name === undefined) return { kind: 'forward', body, envelope };
    const decision = view.decide(server, name);
    if (decision.allowed) return { kind: 'forward', body, envelope };
    const denied = [{ kind: call.kind, name, rule: decision.rule }];
    return { kind: 'answer', answer: envelope.hasId ? deniedError(envelope.id ?? null, call.kind, server, name, caller, decision) : undefined, denied, envelope };
  }
  const list = listOf(envelope);
  if (!list) return { kind: 'forward', body, envelope };
  return { kind: 'forward', body, envelope, rewrite: { filter: { lists: new Map([list]), keep: (name) => view.decide(server, name).allowed } } };
}

/** A GET stream's answer: every list answer on it is filtered (a resumed POST stream can carry one). */
export function streamRewrite(policy: Policy, caller: Caller, server: string): AnswerRewrite {
  const view = policy.forCaller(caller);
  return { filter: { lists: NO_LISTS, anyId: true, keep: (name) => view.decide(server, name).allowed } };
}

const NO_LISTS: ReadonlyMap<RpcId, ListSpec> = new Map();

/**
 * What a message uses that the policy judges: the tool, prompt or resource
 * of a call, or the prompt or resource whose arguments completion/complete
 * completes (suggestions can tell what a prompt or resource holds).
 */
export function judgedTarget(envelope: Envelope): { kind: PolicyKind; name: string | undefined } | undefined {
  if (envelope.method === undefined) return undefined;
  const call = CALL_METHODS[envelope.method];
  if (call) return { kind: call.kind, name: envelope[call.field] };
  if (envelope.method !== 'completion/complete' || !envelope.ref) return undefined;
  if (envelope.ref.type === 'ref/prompt') return { kind: 'prompt', name: envelope.ref.name };
  if (envelope.ref.type === 'ref/resource') return { kind: 'resource', name: envelope.ref.uri };
  return undefined;
}

function checkBatch(view: CallerPolicy, caller: Caller, server: string, body: Buffer, open: number): PolicyVerdict {
  const kept: Buffer[] = [];
  const errors: Buffer[] = [];
  const denied: DeniedCall[] = [];
  const lists = new Map<RpcId, ListSpec>();
  let i = skipSpace(body, open + 1);
  if (body[i] !== CLOSE_ARRAY) {
    for (;;) {
      const end = valueEnd(body, i);
      if (end === -1) return { kind: 'malformed' };
      const envelope = body[i] === OPEN_OBJECT ? readEnvelope(body, i) : undefined;
      const call = envelope ? judgedTarget(envelope) : undefined;
      const name = call?.name;
      const decision = call && name !== undefined ? view.decide(server, name) : undefined;
      if (call && name !== undefined && decision && !decision.allowed && envelope) {
        denied.push({ kind: call.kind, name, rule: decision.rule });
        if (envelope.hasId) errors.push(deniedError(envelope.id ?? null, call.kind, server, name, caller, decision));
      } else {
        // Anything not judged (answers to the server, other requests, even what is not a message) goes on as it came.
        kept.push(body.subarray(i, end));
        const list = envelope ? listOf(envelope) : undefined;
        if (list) lists.set(list[0], list[1]);
      }
      i = skipSpace(body, end);
      if (body[i] === CLOSE_ARRAY) break;
      if (body[i] !== COMMA) return { kind: 'malformed' };
      i = skipSpace(body, i + 1);
    }
  }
  const filter = lists.size > 0 ? { lists, keep: (name: string) => view.decide(server, name).allowed } : undefined;
  if (denied.length === 0) return { kind: 'forward', body, ...(filter ? { rewrite: { filter } } : {}) };
  if (kept.length === 0) return { kind: 'answer', answer: errors.length > 0 ? Buffer.concat([Buffer.from('['), ...joinWith(errors, ','), Buffer.from(']')]) : undefined, denied };
  const forwarded = Buffer.concat([Buffer.from('['), ...joinWith(kept, ','), Buffer.from(']')]);
  return { kind: 'forward', body: forwarded, denied, rewrite: { ...(filter ? { filter } : {}), ...(errors.length > 0 ? { denied: errors } : {}) } };
}

function joinWith(parts: Buffer[], separator: string): Buffer[] {
  const sep = Buffer.from(separator);
  return parts.flatMap((part, k) => (k === 0 ? [part] : [sep, part]));
}

function listOf(envelope: Envelope): [RpcId, ListSpec] | undefined {
  const spec = envelope.method === undefined ? undefined : LIST_METHODS[envelope.method];
  return spec && envelope.id !== undefined && envelope.id !== null ? [envelope.id, spec] : undefined;
}

/**
 * method, id and params.name / params.uri of the message object at `at`, read
 * as JSON.parse reads them (the last of duplicate keys); undefined when the
 * object is malformed.
 */
export function readEnvelope(body: Buffer, at: number): Envelope | undefined {
  const found: Envelope = { hasId: false };
  let params = -1;
  const end = members(body, at, (keyStart, keyEnd, valueStart) => {
    if (keyIs(body, keyStart, keyEnd, 'method')) found.method = stringAt(body, valueStart);
    else if (keyIs(body, keyStart, keyEnd, 'id')) {
      found.hasId = true;
      found.id = decodeId(body, valueStart);
    } else if (keyIs(body, keyStart, keyEnd, 'params')) params = body[valueStart] === OPEN_OBJECT ? valueStart : -1;
    return valueEnd(body, valueStart);
  });
  if (end === -1) return undefined;
  if (params !== -1) {
    members(body, params, (keyStart, keyEnd, valueStart) => {
      if (keyIs(body, keyStart, keyEnd, 'name')) found.name = stringAt(body, valueStart);
      else if (keyIs(body, keyStart, keyEnd, 'uri')) found.uri = stringAt(body, valueStart);
      else if (keyIs(body, keyStart, keyEnd, 'ref')) {
        const ref: NonNullable<Envelope['ref']> = {};
        found.ref = ref;
        if (body[valueStart] !== OPEN_OBJECT) return valueEnd(body, valueStart);
        return members(body, valueStart, (refStart, refEnd, refValue) => {
          if (keyIs(body, refStart, refEnd, 'type')) ref.type = stringAt(body, refValue);
          else if (keyIs(body, refStart, refEnd, 'name')) ref.name = stringAt(body, refValue);
          else if (keyIs(body, refStart, refEnd, 'uri')) ref.uri = stringAt(body, refValue);
          return valueEnd(body, refValue);
        });
      }
      return valueEnd(body, valueStart);
    });
  }
  return found;
}

/** The string at `at`, decoded; undefined when the value there is not a string. */
function stringAt(body: Buffer, at: number): string | undefined {
  return body[at] === QUOTE ? decodeString(body, at) : undefined;
}

/** Why the 2026-07-28 routing headers disagree with the message, if they do (Mcp-Name decoded from its Base64 form). */
function headerMismatch(headers: IncomingHttpHeaders, envelope: Envelope): string | undefined {
  const method = headers['mcp-method'];
  if (method !== undefined && method !== envelope.method) return `Header mismatch: Mcp-Method header value ${quote(method)} does not match body value ${quote(envelope.method)}`;
  const header = headers['mcp-name'];
  if (header === undefined) return undefined;
  const call = envelope.method === undefined ? undefined : CALL_METHODS[envelope.method];
  const body = call ? envelope[call.field] : undefined;
  const name = typeof header === 'string' ? decodeSentinel(header) : undefined;
  if (name === undefined || name !== body) return `Header mismatch: Mcp-Name header value ${quote(header)} does not match body value ${quote(body)}`;
  return undefined;
}

/** `=?base64?...?=` decoded (strictly: what does not round-trip is no valid encoding); other values as they are. */
function decodeSentinel(value: string): string | undefined {
  if (!(value.startsWith('=?base64?') && value.endsWith('?='))) return value;
  const encoded = value.slice(9, -2);
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.toString('base64').replace(/=+$/, '') !== encoded.replace(/=+$/, '')) return undefined;
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text : undefined;
}

function quote(value: unknown): string {
  if (value === undefined) return '(none)';
  const text = Array.isArray(value) ? value.join(', ') : String(value);
  return `'${text.length > 200 ? `${text.slice(0, 200)}…` : text}'`;
}

/** The JSON-RPC error for a refused call. */
function deniedError(id: RpcId | null, kind: PolicyKind, server: string, name: string, caller: Caller, decision: Decision): Buffer {
  return Buffer.from(JSON.stringify(deniedResponse(id, kind, server, name, caller, decision)));
}

/** The JSON-RPC error response for a refused call (the stdio bridge sends it as an object). */
export function deniedResponse(id: RpcId | null, kind: PolicyKind, server: string, name: string, caller: Caller, decision: Decision) {
  const shown = name.length > 200 ? `${name.slice(0, 200)}…` : name;
  const by = decision.rule === undefined ? 'no rule allows it (the default is "deny")' : `rule "${decision.rule}"`;
  return {
    jsonrpc: '2.0' as const,
    id,
    error: {
      code: POLICY_DENIED,
      message: `The policy does not let ${caller.user} use the ${kind} "${server}.${shown}": ${by}. Ask whoever runs this proxy; \`mcp-auth-proxy policy explain\` shows why`,
      data: { code: 'POLICY_DENIED', server, [kind]: name, rule: decision.rule ?? null },
    },
  };
}
