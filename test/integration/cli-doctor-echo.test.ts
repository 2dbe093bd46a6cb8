// doctor shows the upstream's answer when a signed request is refused; an
// upstream that echoes the request headers back must not put the live
// signature, its timestamp or a token on the screen (they are redacted by
// value), while the key id the config shows anyway stays readable.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, runCli } from '../helpers/cli.js';
import { listen } from '../helpers/net.js';

test('an upstream echoing x-signature, x-timestamp and the bearer token: doctor shows none of them', async () => {
  const seen: IncomingHttpHeaders[] = [];
  const upstream = await listen((req, res) => {
    seen.push(req.headers);
    req.resume();
    res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'bad signature', got: req.headers }));
  });
  try {
    const home = mkdtempSync(join(tmpdir(), 'map-doctor-echo-'));
    mkdirSync(join(home, 'config', 'mcp-auth-proxy'), { recursive: true });
    const servers = {
      gw: { url: `${upstream.url}/mcp`, auth: { type: 'hmac', keyId: 'echo-key-id-55', secret: 'env:GW_SECRET' } },
      bear: { url: `${upstream.url}/mcp`, auth: { type: 'bearer', token: 'env:BEAR_TOKEN' } },
    };
    writeFileSync(join(home, 'config', 'mcp-auth-proxy', 'config.json'), JSON.stringify({ listen: '127.0.0.1:0', servers }));
    const env = cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_STATE_HOME: join(home, 'state'), DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus', GW_SECRET: 'echo-gw-secret-1f2e', BEAR_TOKEN: 'echo-bearer-token-3d4c' });

    for (const args of [['doctor'], ['doctor', '--json']]) {
      seen.length = 0;
      const doctor = await runCli(args, { env, cwd: home });
      expect(doctor.code).toBe(1);
      const out = doctor.stdout + doctor.stderr;
      const signature = seen.map((h) => h['x-signature']).find(Boolean) as string;
      const timestamp = seen.map((h) => h['x-timestamp']).find(Boolean) as string;
      expect(signature).toMatch(/^[0-9a-f]{64}$/);
      expect(out).toContain('the upstream refused it: HTTP 401');
      expect(out).toContain('[REDACTED]');
      expect(out).not.toContain(signature);
      expect(out).not.toContain(timestamp);
      expect(out).not.toContain('echo-bearer-token-3d4c');
      expect(out).not.toContain('echo-gw-secret-1f2e');
      // Not a secret, and it tells which key was refused.
      expect(out).toContain('echo-key-id-55');
    }
  } finally {
    await upstream.close();
  }
});
