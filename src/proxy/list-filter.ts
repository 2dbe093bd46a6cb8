// Takes what the policy denies out of list answers (tools/list,
// prompts/list, resources/list, resources/templates/list) by cutting bytes:
// only the array of the response whose id the agent's list request had is
// changed, and only by removing whole elements; every other byte (other
// responses, notifications, white space, key order, unknown fields) stays
// as the upstream wrote it. Duplicate keys are read as JSON.parse reads them
// (the last one counts), and an element whose name cannot be read goes.
import { decodeId, decodeString, keyIs, members, skipSpace, valueEnd } from '../observability/rpc-peek.js';

export type RpcId = string | number;

/** What a list request's answer holds: the array's key in result and the key of each element's name. */
export interface ListSpec {
  readonly field: string;
  readonly key: string;
}

export const LIST_METHODS: Readonly<Record<string, ListSpec>> = {
  'tools/list': { field: 'tools', key: 'name' },
  'prompts/list': { field: 'prompts', key: 'name' },
  'resources/list': { field: 'resources', key: 'uri' },
  'resources/templates/list': { field: 'resourceTemplates', key: 'uriTemplate' },
};

const ALL_SPECS: ReadonlySet<ListSpec> = new Set(Object.values(LIST_METHODS));

export interface ListFilter {
  /** The list requests whose answers are filtered, by id. */
  readonly lists: ReadonlyMap<RpcId, ListSpec>;
  /**
   * Filter every response that holds a list, whatever its id: for a GET
   * stream, where an answer can arrive when the agent resumes a POST's
   * stream, and the request it answers is not in hand.
   */
  readonly anyId?: boolean;
  /** Whether an element named `name` stays. */
  readonly keep: (name: string) => boolean;
}

const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const QUOTE = 0x22;

/** A cut: bytes [start, end) become `text`. */
interface Cut {
  start: number;
  end: number;
  text: Buffer;
}

/**
 * The JSON text `body` (one message, or a batch of them) with the filter
 * applied, and the ids of the list responses it held. The same Buffer when
 * nothing was removed.
 */
export function filterJson(body: Buffer, filter: ListFilter): { body: Buffer; answered: RpcId[] } {
  const cuts: Cut[] = [];
  const answered: RpcId[] = [];
  const start = skipSpace(body, 0);
  if (body[start] === OPEN_OBJECT) filterMessage(body, start, filter, cuts, answered);
  else if (body[start] === OPEN_ARRAY) forEachElement(body, start, (at) => {
    if (body[at] === OPEN_OBJECT) filterMessage(body, at, filter, cuts, answered);
  });
  return { body: applyCuts(body, cuts), answered };
}

/**
 * One JSON-RPC message at `at`: when it answers a filtered list request, the
 * cuts for its list. One walk over the bytes: the id often comes after the
 * result (the SDK writes it last), so the lists in a result are filtered as
 * they are met and the cuts kept once the id says they are wanted.
 */
function filterMessage(body: Buffer, at: number, filter: ListFilter, cuts: Cut[], answered: RpcId[]): void {
  let id: RpcId | null | undefined;
  const found: Array<Cut & { spec: ListSpec }> = [];
  const specs = filter.anyId ? ALL_SPECS : new Set(filter.lists.values());
  members(body, at, (keyStart, keyEnd, valueStart) => {
    if (keyIs(body, keyStart, keyEnd, 'id')) id = decodeId(body, valueStart);
    else if (keyIs(body, keyStart, keyEnd, 'result') && body[valueStart] === OPEN_OBJECT) {
      // Every list array in every "result": a parser that takes the last of duplicate keys sees a filtered one too.
      return members(body, valueStart, (innerStart, innerEnd, listStart) => {
        if (body[listStart] !== OPEN_ARRAY) return valueEnd(body, listStart);
        for (const spec of specs) {
          if (keyIs(body, innerStart, innerEnd, spec.field)) return filterArray(body, listStart, spec, filter.keep, found);
        }
        return valueEnd(body, listStart);
      });
    }
    return valueEnd(body, valueStart);
  });
  if (id === undefined || id === null) return;
  if (filter.anyId) {
    if (found.length > 0) answered.push(id);
    cuts.push(...found);
    return;
  }
  const spec = filter.lists.get(id);
  if (!spec || found.length === 0) return;
  answered.push(id);
  for (const cut of found) if (cut.spec === spec) cuts.push(cut);
}

/** Filters the array opening at `open` (a cut when something goes); returns the index after it, or -1 when malformed. */
function filterArray(body: Buffer, open: number, spec: ListSpec, keep: (name: string) => boolean, cuts: Array<Cut & { spec: ListSpec }>): number {
  const elements: Array<{ start: number; end: number; kept: boolean }> = [];
  let close = skipSpace(body, open + 1);
  if (body[close] !== CLOSE_ARRAY) {
    for (let i = close; ; ) {
      let kept = false;
      let end: number;
      if (body[i] === OPEN_OBJECT) {
        const element = readElement(body, i, spec.key);
        end = element.end;
        kept = element.name !== undefined && keep(element.name);
      } else end = valueEnd(body, i);
      if (end === -1) return -1;
      elements.push({ start: i, end, kept });
      i = skipSpace(body, end);
      if (body[i] === CLOSE_ARRAY) {
        close = i;
        break;
      }
      if (body[i] !== COMMA) return -1;
      i = skipSpace(body, i + 1);
    }
  }
  if (elements.every((e) => e.kept)) return close + 1;
  const kept = elements.filter((e) => e.kept);
  const first = elements[0] as { start: number };
  const last = elements[elements.length - 1] as { end: number };
  const parts: Buffer[] = [body.subarray(open + 1, first.start)];
  kept.forEach((element, k) => {
    parts.push(body.subarray(element.start, element.end));
    // Between two kept elements: the separator that followed the first in the original.
    if (k < kept.length - 1) parts.push(body.subarray(element.end, nextStart(body, element.end)));
  });
  parts.push(body.subarray(last.end, close));
  cuts.push({ start: open + 1, end: close, text: Buffer.concat(parts), spec });
  return close + 1;
}

/** The element object at `at`: the last of its `key` members when it is a string, and where the object ends (-1: malformed). */
function readElement(body: Buffer, at: number, key: string): { name: string | undefined; end: number } {
  let name: string | undefined;
  const end = members(body, at, (keyStart, keyEnd, valueStart) => {
    if (keyIs(body, keyStart, keyEnd, key)) name = body[valueStart] === QUOTE ? decodeString(body, valueStart) : undefined;
    return valueEnd(body, valueStart);
  });
  return { name, end };
}

/**
 * Calls visit(start, end) for each element of the array opening at `open`;
 * returns the index of its closing bracket, or -1 when it is malformed.
 */
function forEachElement(body: Buffer, open: number, visit: (start: number, end: number) => void): number {
  let i = skipSpace(body, open + 1);
  if (body[i] === CLOSE_ARRAY) return i;
  for (;;) {
    const end = valueEnd(body, i);
    if (end === -1) return -1;
    visit(i, end);
    i = skipSpace(body, end);
    if (body[i] === CLOSE_ARRAY) return i;
    if (body[i] !== COMMA) return -1;
    i = skipSpace(body, i + 1);
  }
}

/** The start of the element after the one ending at `end`. */
function nextStart(body: Buffer, end: number): number {
  const comma = skipSpace(body, end);
  return skipSpace(body, comma + 1);
}

function applyCuts(body: Buffer, cuts: Cut[]): Buffer {
  if (cuts.length === 0) return body;
  cuts.sort((a, b) => a.start - b.start);
  const parts: Buffer[] = [];
  let at = 0;
  for (const cut of cuts) {
    // Nested cuts cannot happen (lists are not inside lists); overlapping ones are skipped, never doubled.
    if (cut.start < at) continue;
    parts.push(body.subarray(at, cut.start), cut.text);
    at = cut.end;
  }
  parts.push(body.subarray(at));
  return Buffer.concat(parts);
}
