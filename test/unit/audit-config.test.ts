// The `audit` config field: off by default, `true` as shorthand, sizes as
// "10MB", problems named by field, and only the user's own config (never a
// project file from a cloned repository) can turn it on or change it.
import { join } from 'node:path';
import { parseByteSize } from '../../src/config/byte-size.js';
import { loadConfig } from '../../src/config/load.js';
import { AUDIT_DEFAULTS, configSchema } from '../../src/config/schema.js';
import { ConfigError } from '../../src/errors.js';
import { configSandbox, writeJson } from '../helpers/config-sandbox.js';

const MiB = 1024 * 1024;

const sandbox = () => configSandbox('map-audit-cfg-');
const write = writeJson;
const auditOf = (audit: unknown) => configSchema.parse(audit === undefined ? {} : { audit }).audit;
const issuesOf = (audit: unknown) => {
  const parsed = configSchema.safeParse({ audit });
  return parsed.success ? [] : parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
};

test('off by default; the defaults are 10 MiB and 14 rotated files, without arguments', () => {
  expect(auditOf(undefined)).toEqual({ enabled: false, arguments: false, maxBytes: 10 * MiB, keep: 14 });
  expect(AUDIT_DEFAULTS).toEqual({ enabled: false, arguments: false, maxBytes: 10 * MiB, keep: 14 });
});

test('true and false are shorthand for { enabled } with the other defaults', () => {
  expect(auditOf(true)).toEqual({ ...AUDIT_DEFAULTS, enabled: true });
  expect(auditOf(false)).toEqual({ ...AUDIT_DEFAULTS, enabled: false });
});

test('the object form: each field optional, sizes as text or bytes, and the result parses again', () => {
  expect(auditOf({ enabled: true, arguments: true, maxBytes: '512KB', keep: 0 })).toEqual({ enabled: true, arguments: true, maxBytes: 512 * 1024, keep: 0 });
  expect(auditOf({ maxBytes: 4096 })).toEqual({ ...AUDIT_DEFAULTS, maxBytes: 4096 });
  const loaded = configSchema.parse({ audit: { enabled: true, maxBytes: '1.5MB' } });
  expect(configSchema.parse(loaded).audit).toEqual(loaded.audit);
});

test.each([
  ['10MB', 10 * MiB],
  ['10M', 10 * MiB],
  ['10MiB', 10 * MiB],
  ['10 mb', 10 * MiB],
  ['512KB', 512 * 1024],
  ['1.5GB', 1.5 * 1024 * MiB],
  ['2048B', 2048],
  ['2048', 2048],
  [4096, 4096],
])('size %p is %p bytes', (input, bytes) => expect(parseByteSize(input)).toBe(bytes));

test.each(['', 'lots', '-1MB', '10XB', '10 M B', 'MB', 0, -5, 1.5, Number.POSITIVE_INFINITY])('size %p is refused', (input) => expect(parseByteSize(input)).toBeUndefined());

test('problems name the field inside audit', () => {
  expect(issuesOf('yes')).toEqual([{ path: 'audit', message: expect.stringContaining('must be true, false or an object') }]);
  expect(issuesOf({ maxBytes: '10 parsecs' })).toEqual([{ path: 'audit.maxBytes', message: expect.stringContaining('"10 parsecs" is not a size') }]);
  expect(issuesOf({ maxBytes: 100 })).toEqual([{ path: 'audit.maxBytes', message: expect.stringContaining('at least 1KB') }]);
  expect(issuesOf({ keep: -1 })).toEqual([{ path: 'audit.keep', message: 'must be 0 or more' }]);
  expect(issuesOf({ keep: 2.5 })).toEqual([{ path: 'audit.keep', message: 'must be a whole number' }]);
  expect(issuesOf({ enabled: 'yes' })).toEqual([{ path: 'audit.enabled', message: expect.any(String) }]);
  expect(issuesOf({ path: '/tmp/elsewhere.jsonl' })).toEqual([{ path: 'audit', message: expect.stringContaining('path') }]);
});

test('a project file, even trusted, cannot turn the audit on or change it; the user file can', async () => {
  const s = sandbox();
  const projectFile = join(s.project, 'mcp-auth-proxy.config.json');
  for (const audit of [true, { enabled: false }, { arguments: true }]) {
    write(projectFile, { audit });
    await s.trust(projectFile);
    const error = await loadConfig({ cwd: s.project, env: s.env() }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toContainEqual({ source: projectFile, path: 'audit', message: expect.stringContaining('a project file cannot set this') });
  }

  write(projectFile, {});
  await s.trust(projectFile);
  write(s.userFile, { audit: { enabled: true, arguments: true, maxBytes: '1MB', keep: 3 } });
  const { config, provenance } = await loadConfig({ cwd: s.project, env: s.env() });
  expect(config.audit).toEqual({ enabled: true, arguments: true, maxBytes: MiB, keep: 3 });
  expect(provenance.get('audit.enabled')).toBe(s.userFile);
});

test('--config may set it too', async () => {
  const s = sandbox();
  const file = join(s.root, 'explicit.json');
  write(file, { audit: true });
  const { config } = await loadConfig({ cwd: s.project, env: { XDG_CONFIG_HOME: s.xdg }, configFile: file });
  expect(config.audit.enabled).toBe(true);
});

test('the shorthand layers field by field with the object form, and config names the file behind each field', async () => {
  const s = sandbox();
  const file = join(s.root, 'explicit.json');
  write(s.userFile, { audit: true });
  write(file, { audit: { keep: 3 } });
  const { config, provenance } = await loadConfig({ cwd: s.project, env: { XDG_CONFIG_HOME: s.xdg }, configFile: file });
  // The higher layer only changed keep: the audit stays on.
  expect(config.audit).toEqual({ ...AUDIT_DEFAULTS, enabled: true, keep: 3 });
  expect(provenance.get('audit.enabled')).toBe(s.userFile);
  expect(provenance.get('audit.keep')).toBe(file);

  // And the other way round: `false` above an object turns it off and keeps the other fields.
  write(s.userFile, { audit: { enabled: true, keep: 5 } });
  write(file, { audit: false });
  const off = await loadConfig({ cwd: s.project, env: { XDG_CONFIG_HOME: s.xdg }, configFile: file });
  expect(off.config.audit).toEqual({ ...AUDIT_DEFAULTS, enabled: false, keep: 5 });
});
