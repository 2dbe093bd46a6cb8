// Names in a policy: `*` matches any text (dots and slashes too), every other
// character itself, letter case aside. Compiled once to its literal parts and
// matched with startsWith/indexOf/endsWith: time linear in the name whatever
// the pattern, so no name a caller sends (a resource URI) can make it slow.

export interface Glob {
  /** The pattern as written. */
  readonly source: string;
  /** Text before the first `*` (lower case): the whole pattern when it has none. */
  readonly head: string;
  /** Literal parts between stars, in order; `tail` the part after the last. */
  readonly middle: readonly string[];
  readonly tail: string;
  readonly hasStar: boolean;
  /** The least length a matching name has. */
  readonly minLength: number;
}

export function compileGlob(source: string): Glob {
  const parts = source.toLowerCase().split('*');
  const head = parts[0] as string;
  const hasStar = parts.length > 1;
  const tail = hasStar ? (parts[parts.length - 1] as string) : '';
  const middle = hasStar ? parts.slice(1, -1).filter((p) => p !== '') : [];
  const minLength = parts.reduce((sum, p) => sum + p.length, 0);
  return { source, head, middle, tail, hasStar, minLength };
}

/** Whether `name` (already lower case) matches. */
export function globMatches(glob: Glob, name: string): boolean {
  if (name.length < glob.minLength) return false;
  if (!glob.hasStar) return name === glob.head;
  if (!name.startsWith(glob.head) || !name.endsWith(glob.tail)) return false;
  // Leftmost placement of each middle part is always right for star-only patterns.
  let at = glob.head.length;
  const end = name.length - glob.tail.length;
  for (const part of glob.middle) {
    const found = name.indexOf(part, at);
    if (found === -1 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}
