// Secrets mounted from a Kubernetes Secret volume are accepted as the kubelet
// writes them: each key a symlink to ..data/<key>, ..data a symlink to a
// timestamped directory, the mount a sticky directory, the file mode 0400 or
// 0440 (group read for the pod's fsGroup). A world-readable key (the default
// mode 0644) is refused with the defaultMode fix, and the looser rules apply
// to that layout only. The layout is built here as the kubelet builds it (no
// cluster runs in tests); ownership is the test user's, which the check
// treats as it treats root's.
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretError } from '../../src/errors.js';
import { Redactor } from '../../src/observability/redact.js';
import { SecretResolver } from '../../src/secrets/resolve.js';

const resolver = () => new SecretResolver({ env: {}, redactor: new Redactor(), platform: 'linux' });

/** A Secret volume with key `token` of `mode`, as the kubelet's atomic writer lays it out. */
function secretVolume(mode: number): string {
  const mount = mkdtempSync(join(tmpdir(), 'map-k8s-volume-'));
  const stamped = join(mount, '..2026_12_06_13_00_00.123456789');
  mkdirSync(stamped, { mode: 0o755 });
  writeFileSync(join(stamped, 'token'), 'k8s-mounted-token-value\n');
  chmodSync(join(stamped, 'token'), mode);
  symlinkSync('..2026_12_06_13_00_00.123456789', join(mount, '..data'));
  symlinkSync('..data/token', join(mount, 'token'));
  chmodSync(mount, 0o1777);
  return join(mount, 'token');
}

async function refusal(path: string): Promise<SecretError> {
  try {
    await resolver().resolve(`file:${path}`, 'servers.gw.auth.token', 'gw');
  } catch (error) {
    if (error instanceof SecretError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

test.each([['0400', 0o400], ['0440', 0o440]])('a Secret volume key of mode %s is read', async (_text, mode) => {
  await expect(resolver().resolve(`file:${secretVolume(mode)}`, 'servers.gw.auth.token', 'gw')).resolves.toBe('k8s-mounted-token-value');
});

test('a world-readable Secret volume key (the default 0644) is refused, naming defaultMode', async () => {
  const error = await refusal(secretVolume(0o644));
  expect(`${error.message} ${error.hint}`).toContain('has mode 644; other users can read it');
  expect(error.hint).toContain('defaultMode: 0440');
});

test('outside a Secret volume the strict rules stand: a 0440 file, or one in a sticky world-writable directory, is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'map-not-volume-'));
  writeFileSync(join(dir, 'token'), 'x');
  chmodSync(join(dir, 'token'), 0o440);
  expect((await refusal(join(dir, 'token'))).hint).toContain('chmod 600');
  chmodSync(join(dir, 'token'), 0o600);
  chmodSync(dir, 0o1777);
  expect((await refusal(join(dir, 'token'))).message).toContain('where its group and all other users can replace it');
  // A symlink that only looks like a key (..data is a real directory, not the kubelet's link) is not taken for one.
  const fake = mkdtempSync(join(tmpdir(), 'map-fake-volume-'));
  mkdirSync(join(fake, '..data'));
  writeFileSync(join(fake, '..data', 'token'), 'y');
  chmodSync(join(fake, '..data', 'token'), 0o440);
  symlinkSync('..data/token', join(fake, 'token'));
  expect((await refusal(join(fake, 'token'))).hint).toContain('chmod 600');
});
