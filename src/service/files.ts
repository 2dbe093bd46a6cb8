// Writing and removing unit files idempotently: a file is rewritten only when
// its content changes, so a second install reports "unchanged".
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Writes `content` unless the file already holds exactly that; true when it wrote. */
export async function writeIfChanged(path: string, content: string | Buffer): Promise<boolean> {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const current = await readFile(path).catch(() => undefined);
  if (current?.equals(bytes)) return false;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, bytes, { mode: 0o644 });
  return true;
}

/** Removes the file if present; true when there was one. */
export async function removeIfPresent(path: string): Promise<boolean> {
  const there = await readFile(path).then(() => true, () => false);
  if (there) await rm(path, { force: true });
  return there;
}

export async function exists(path: string): Promise<boolean> {
  return readFile(path).then(() => true, () => false);
}
