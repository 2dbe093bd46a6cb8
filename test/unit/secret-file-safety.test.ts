// file: secrets are read only when only the user controls them: a FIFO or
// device is refused at once (never opened for a blocking read), and so is a
// file of another user or one in a directory others can write; the insecure
// file store is held to the same rules.
import { chmodSync, chownSync, closeSync, constants, mkdirSync, mkdtempSync, openSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { SecretError } from '../../src/errors.js';
import { Redactor } from '../../src/observability/redact.js';
import { FileStore } from '../../src/secrets/file-store.js';
import { SecretResolver } from '../../src/secrets/resolve.js';

const field = 'servers.gw.auth.secret';
const resolver = () => new SecretResolver({ env: {}, redactor: new Redactor(), platform: 'linux' });
const fifos: string[] = [];

afterEach(() => {
  // A reader blocked on a FIFO (the behaviour this file guards against) gets end-of-file, so nothing hangs.
  for (const fifo of fifos.splice(0)) {
    try {
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // no reader: nothing to release
    }
  }
});

async function failure(promise: Promise<unknown>): Promise<SecretError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SecretError) return error;
    throw error;
  }
  throw new Error('expected a SecretError');
}

function privateDir(): string {
  return mkdtempSync(join(tmpdir(), 'map-secret-safety-'));
}

test('a FIFO is refused at once, even with mode 0600', async () => {
  const fifo = join(privateDir(), 'secret');
  execFileSync('mkfifo', ['-m', '600', fifo]);
  fifos.push(fifo);
  const error = await failure(resolver().resolve(`file:${fifo}`, field, 'gw'));
  expect(error.code).toBe('SECRET_FILE_UNSAFE');
  expect(error.message).toBe(`${field}: secret file ${fifo} is not a regular file (a FIFO)`);
});

test('a device is refused', async () => {
  const error = await failure(resolver().resolve('file:/dev/zero', field, 'gw'));
  expect(error.message).toContain('is not a regular file (a device)');
});

test('a secret in a directory others can write is refused (they could replace it), naming chmod', async () => {
  const dir = privateDir();
  const file = join(dir, 'secret');
  writeFileSync(file, 'dir-secret-123', { mode: 0o600 });
  chmodSync(dir, 0o777);
  const error = await failure(resolver().resolve(`file:${file}`, field, 'gw'));
  expect(error.code).toBe('SECRET_FILE_UNSAFE');
  expect(error.message).toBe(`${field}: secret file ${file} is in ${dir} (mode 777), where its group and all other users can replace it`);
  expect(error.hint).toBe(`Run \`chmod go-w ${dir}\`, or move the file to a directory of yours.`);
  chmodSync(dir, 0o700);
  expect(await resolver().resolve(`file:${file}`, field, 'gw')).toBe('dir-secret-123');
});

test('through a symlink, the directory the file really is in counts too', async () => {
  const open = privateDir();
  chmodSync(open, 0o757);
  writeFileSync(join(open, 'secret'), 'linked-secret-456', { mode: 0o600 });
  const link = join(privateDir(), 'secret');
  symlinkSync(join(open, 'secret'), link);
  expect((await failure(resolver().resolve(`file:${link}`, field, 'gw'))).message).toContain(`is in ${open} (mode 757)`);
});

const asRoot = process.getuid?.() === 0 ? test : test.skip;
asRoot('a secret file of another user is refused, naming chown', async () => {
  const file = join(privateDir(), 'secret');
  writeFileSync(file, 'theirs-789', { mode: 0o600 });
  chownSync(file, 65534, 65534);
  const error = await failure(resolver().resolve(`file:${file}`, field, 'gw'));
  expect(error.message).toContain('belongs to uid 65534, not to you (uid 0)');
  expect(error.hint).toContain(`chown 0 ${file}`);
});

test('the insecure file store: a FIFO in its place and a group-writable directory are refused', async () => {
  const dir = privateDir();
  const path = join(dir, 'secrets.insecure.json');
  execFileSync('mkfifo', ['-m', '600', path]);
  fifos.push(path);
  expect((await failure(new FileStore(path, 'linux').get('gw'))).message).toBe(`${path} is not a regular file (a FIFO)`);

  const other = privateDir();
  mkdirSync(join(other, 'cfg'));
  const file = join(other, 'cfg', 'secrets.insecure.json');
  writeFileSync(file, '{"gw":"stored-0ab"}', { mode: 0o600 });
  chmodSync(join(other, 'cfg'), 0o770);
  expect((await failure(new FileStore(file, 'linux').get('gw'))).message).toContain('where its group can replace it');
  chmodSync(join(other, 'cfg'), 0o700);
  expect(await new FileStore(file, 'linux').get('gw')).toBe('stored-0ab');
});
