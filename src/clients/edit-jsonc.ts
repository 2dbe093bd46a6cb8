// JSON agent configs, read as JSONC (VS Code's mcp.json has `//` comments and
// trailing commas). jsonc-parser finds our entries; only their text is
// replaced, or a new property is inserted after the last one, indented like
// it (jsonc-parser's own formatter would re-indent neighbouring lines).
import { findNodeAtLocation, parse, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';

const BOM = '\uFEFF';

export function parseJsonc(text: string): unknown {
  const body = text.startsWith(BOM) ? text.slice(1) : text;
  if (body.trim() === '') return {};
  const errors: ParseError[] = [];
  const value = parse(body, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: true });
  const first = errors[0];
  if (first) throw new Error(`${printParseErrorCode(first.error)} at ${position(body, first.offset)}`);
  return value;
}

/** The text with `rootKey.name` set to each entry's value; nothing else changes. */
export function setJsoncEntries(text: string, rootKey: string, entries: Record<string, unknown>): string {
  const bom = text.startsWith(BOM) ? BOM : '';
  let body = bom ? text.slice(1) : text;
  if (body.trim() === '') body = '{}\n';
  const style = styleOf(body);
  let section = findNodeAtLocation(tree(body), [rootKey]);
  if (!section) {
    body = insertProperty(body, tree(body), rootKey, {}, style);
    section = findNodeAtLocation(tree(body), [rootKey]);
  }
  if (section?.type !== 'object') throw new Error(`"${rootKey}" is not an object`);
  for (const [name, value] of Object.entries(entries)) {
    const object = findNodeAtLocation(tree(body), [rootKey]) as Node;
    const existing = findNodeAtLocation(object, [name]);
    body = existing ? replaceValue(body, existing, value, style) : insertProperty(body, object, name, value, style);
  }
  return bom + body;
}

/** The text with the value at `path` (which must exist) replaced by `value`, indented like its place; nothing else changes. */
export function replaceJsoncValue(text: string, path: string[], value: unknown): string {
  const bom = text.startsWith(BOM) ? BOM : '';
  const body = bom ? text.slice(1) : text;
  const node = findNodeAtLocation(tree(body), path);
  if (!node) throw new Error(`${path.join('.')} is not in the file`);
  return bom + replaceValue(body, node, value, styleOf(body));
}

interface Style {
  unit: string;
  eol: string;
}

function tree(body: string): Node {
  const root = parseTree(body, [], { allowTrailingComma: true });
  if (root?.type !== 'object') throw new Error('the top level is not an object');
  return root;
}

/** The file's own indentation unit and line ends, so new lines look like their neighbours. */
function styleOf(text: string): Style {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const unit = /^([ \t]+)["}\]{[]/m.exec(text)?.[1] ?? '  ';
  return { unit: unit.startsWith('\t') ? '\t' : unit, eol };
}

function replaceValue(body: string, node: Node, value: unknown, style: Style): string {
  return body.slice(0, node.offset) + pretty(value, indentAt(body, node.offset), style) + body.slice(node.offset + node.length);
}

function insertProperty(body: string, object: Node, key: string, value: unknown, style: Style): string {
  const properties = object.children ?? [];
  const last = properties.at(-1);
  const indent = properties[0] ? indentAt(body, properties[0].offset) : indentAt(body, object.offset) + style.unit;
  const property = `${JSON.stringify(key)}: ${pretty(value, indent, style)}`;
  if (!last) {
    const inside = body.slice(object.offset + 1, object.offset + object.length - 1);
    const open = object.offset + 1;
    // An empty `{}` (or one holding only whitespace) gets the property on its own line; comments inside are kept.
    const close = inside.trim() === '' ? object.offset + object.length - 1 : open;
    const closing = inside.trim() === '' ? `${style.eol}${indentAt(body, object.offset)}` : '';
    return `${body.slice(0, open)}${style.eol}${indent}${property}${closing}${body.slice(close)}`;
  }
  // After the last property, its comma (a trailing one, JSONC) and a comment on the same line.
  const end = last.offset + last.length;
  const after = /^[ \t]*(,?)[ \t]*(\/\/[^\r\n]*|\/\*.*?\*\/)?[ \t]*/.exec(body.slice(end)) as RegExpExecArray;
  const trailingComma = after[1] === ',';
  const at = end + after[0].length;
  return `${body.slice(0, end)}${trailingComma ? '' : ','}${body.slice(end, at)}${style.eol}${indent}${property}${trailingComma ? ',' : ''}${body.slice(at)}`;
}

/** JSON for a value whose first line continues a line indented by `indent`. */
function pretty(value: unknown, indent: string, style: Style): string {
  return JSON.stringify(value, null, style.unit).split('\n').join(style.eol + indent);
}

function indentAt(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start, offset))?.[0] ?? '';
}

function position(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}
