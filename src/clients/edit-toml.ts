// TOML agent configs (Codex): our `[mcp_servers.<name>]` tables (and their
// sub-tables) are found by their header lines and replaced as text, or a new
// table is appended, so comments and every other byte stay. No maintained
// comment-preserving TOML editor exists for Node; smol-toml parses the file
// before and after, and write.ts refuses a result that changed anything else.
import { parse, stringify } from 'smol-toml';

export function parseToml(text: string): unknown {
  return parse(text);
}

interface Block {
  start: number;
  end: number;
}

export function setTomlEntries(text: string, rootKey: string, entries: Record<string, unknown>): string {
  const existing = parse(text) as Record<string, unknown>;
  const section = existing[rootKey];
  const headers = tableHeaders(text);
  const edits: Array<Block & { text: string }> = [];
  let appended = '';
  for (const [name, value] of Object.entries(entries)) {
    const rendered = `${stringify({ [rootKey]: { [name]: value } }).trim()}\n`;
    const blocks = blocksOf(text, headers, [rootKey, name]);
    const present = typeof section === 'object' && section !== null && name in section;
    if (present && blocks.length === 0) {
      throw new Error(`${rootKey}.${name} is written as an inline table or dotted keys, which mcp-auth-proxy does not rewrite; change or remove it by hand`);
    }
    if (blocks.length === 0) {
      appended += `\n${rendered}`;
      continue;
    }
    edits.push({ ...(blocks[0] as Block), text: rendered });
    for (const block of blocks.slice(1)) edits.push({ ...block, text: '' });
  }
  if (appended) {
    // New tables go after the last table of the section (else at the end of the file).
    const at = blocksOf(text, headers, [rootKey]).at(-1)?.end ?? text.length;
    const lead = at > 0 && text[at - 1] !== '\n' ? '\n' : '';
    edits.push({ start: at, end: at, text: `${lead}${at === 0 ? appended.slice(1) : appended}${at < text.length && !/^\r?\n/.test(text.slice(at)) ? '\n' : ''}` });
  }
  let out = text;
  for (const edit of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}

interface Header {
  /** Offset of the header line's first character. */
  offset: number;
  path: string[] | undefined;
}

/** Every `[table]` and `[[array]]` header line, outside multi-line strings. */
function tableHeaders(text: string): Header[] {
  const headers: Header[] = [];
  let offset = 0;
  let inString: '"""' | "'''" | undefined;
  for (const line of text.split('\n')) {
    if (inString) {
      if (countOf(line, inString) % 2 === 1) inString = undefined;
    } else {
      const match = /^[ \t]*(\[\[|\[)([^\]]*)(\]\]|\])[ \t]*(?:#.*)?\r?$/.exec(line);
      if (match) headers.push({ offset, path: match[1] === '[[' ? undefined : dottedKey((match[2] as string).trim()) });
      else {
        for (const quote of ['"""', "'''"] as const) if (countOf(line, quote) % 2 === 1) inString = quote;
      }
    }
    offset += line.length + 1;
  }
  return headers;
}

/**
 * The text spans of the tables at `path` and below. A span runs to the next
 * header, less the comment and blank lines just above that header, which
 * belong to it.
 */
function blocksOf(text: string, headers: Header[], path: string[]): Block[] {
  const blocks: Block[] = [];
  headers.forEach((header, i) => {
    if (!header.path || !path.every((part, j) => header.path?.[j] === part)) return;
    const next = headers[i + 1]?.offset ?? text.length;
    const segment = text.slice(header.offset, next);
    let end = next;
    let cursor = segment.endsWith('\n') ? segment.length - 1 : segment.length;
    for (;;) {
      const lineStart = segment.lastIndexOf('\n', cursor - 1) + 1;
      if (lineStart === 0 || !/^[ \t]*(#.*)?\r?$/.test(segment.slice(lineStart, cursor))) break;
      end = header.offset + lineStart;
      cursor = lineStart - 1;
    }
    blocks.push({ start: header.offset, end });
  });
  return blocks;
}

/** A TOML dotted key (`a."b.c".'d'`) as its parts; undefined when it is not one. */
function dottedKey(text: string): string[] | undefined {
  const parts: string[] = [];
  const part = /\s*(?:([A-Za-z0-9_-]+)|"((?:[^"\\]|\\.)*)"|'([^']*)')\s*(\.|$)/y;
  let index = 0;
  while (index < text.length) {
    part.lastIndex = index;
    const match = part.exec(text);
    if (!match) return undefined;
    parts.push(match[1] ?? (match[2] !== undefined ? unescapeBasic(match[2]) : (match[3] as string)));
    index = part.lastIndex;
    if (match[4] === '') break;
  }
  return parts;
}

function unescapeBasic(text: string): string {
  try {
    return JSON.parse(`"${text.replace(/\\U([0-9A-Fa-f]{8})/g, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))}"`) as string;
  } catch {
    return text;
  }
}

function countOf(line: string, quote: string): number {
  return line.split(quote).length - 1;
}
