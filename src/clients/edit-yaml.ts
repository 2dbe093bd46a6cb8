// YAML agent configs (Goose): the `yaml` package finds our entries in the
// document, and only their text is replaced (or new ones inserted after the
// last entry, indented like it), so comments and every other byte stay.
// Shapes that cannot be spliced (a flow-style `{}` section, an empty one)
// fall back to the package's Document API, which keeps comments too.
import { isMap, isScalar, parseDocument, stringify, type Document, type YAMLMap } from 'yaml';

export function parseYaml(text: string): unknown {
  const doc = parseDocument(text);
  const first = doc.errors[0];
  if (first) throw new Error(first.message.split('\n')[0]);
  return doc.toJS() ?? {};
}

export function setYamlEntries(text: string, rootKey: string, entries: Record<string, unknown>): string {
  const doc = parseDocument(text);
  if (doc.contents === null) return `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${stringify({ [rootKey]: entries })}`;
  if (!isMap(doc.contents)) throw new Error('the document is not a mapping');
  const section = doc.contents.get(rootKey, true);
  if (section === undefined) {
    const separator = text.endsWith('\n') ? '' : '\n';
    return `${text}${separator}${stringify({ [rootKey]: entries })}`;
  }
  if (!isMap(section) || section.flow || section.items.length === 0 || !section.range) return viaDocument(doc, rootKey, entries);
  let out = text;
  // Edits from the end of the file backwards keep earlier offsets valid.
  const edits: Array<{ start: number; end: number; text: string }> = [];
  const column = columnOf(text, (section.items[0]?.key as { range?: [number, number, number] } | undefined)?.range?.[0] ?? section.range[0]);
  let appended = '';
  for (const [name, value] of Object.entries(entries)) {
    const pair = section.items.find((p) => isScalar(p.key) && p.key.value === name);
    const keyRange = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
    const valueRange = (pair?.value as { range?: [number, number, number] } | null | undefined)?.range;
    if (pair && keyRange && valueRange) {
      const end = valueRange[2];
      const rendered = render(name, value, column).slice(column);
      edits.push({ start: keyRange[0], end, text: text[end - 1] === '\n' ? rendered : rendered.replace(/\n$/, '') });
    } else if (pair) {
      return viaDocument(doc, rootKey, entries);
    } else {
      appended += render(name, value, column);
    }
  }
  if (appended) {
    const last = section.items.at(-1);
    const end = (last?.value as { range?: [number, number, number] } | null | undefined)?.range?.[2] ?? (last?.key as { range?: [number, number, number] } | undefined)?.range?.[2];
    if (end === undefined) return viaDocument(doc, rootKey, entries);
    edits.push({ start: end, end, text: `${text[end - 1] === '\n' ? '' : '\n'}${appended}` });
  }
  for (const edit of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}

/** `name:` and its value as block YAML, every line indented by `column` spaces, ending in a newline. */
function render(name: string, value: unknown, column: number): string {
  const pad = ' '.repeat(column);
  return stringify({ [name]: value })
    .split('\n')
    .map((line) => (line ? pad + line : line))
    .join('\n');
}

function columnOf(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

function viaDocument(doc: Document, rootKey: string, entries: Record<string, unknown>): string {
  const section = doc.get(rootKey, true);
  if (!isMap(section)) doc.set(rootKey, doc.createNode(entries));
  else for (const [name, value] of Object.entries(entries)) (section as YAMLMap).set(name, doc.createNode(value));
  return doc.toString();
}
