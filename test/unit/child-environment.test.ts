// The environment a command server starts with (src/upstreams/stdio/
// environment.ts): PATH, HOME and the locale from the proxy's, on Windows the
// few variables a program needs to start (whatever their spelling), then the
// declared env; nothing else of the proxy's.
import { childEnvironment } from '../../src/upstreams/stdio/environment.js';

const parent = {
  PATH: '/usr/bin',
  HOME: '/home/me',
  LANG: 'en_US.UTF-8',
  LC_TIME: 'de_DE.UTF-8',
  MCP_API_SECRET: 'the-proxys-own-secret',
  GITHUB_TOKEN: 'another-servers-token',
  NODE_OPTIONS: '--inspect',
  SystemRoot: 'C:\\Windows',
};

test('POSIX: PATH, HOME, the locale and the declared variables only; declared ones win', () => {
  expect(childEnvironment(parent, { API_TOKEN: 'resolved', HOME: '/srv/tool' }, 'linux')).toEqual({ PATH: '/usr/bin', HOME: '/srv/tool', LANG: 'en_US.UTF-8', LC_TIME: 'de_DE.UTF-8', API_TOKEN: 'resolved' });
});

test('Windows: also what a program needs to start, taken in whatever spelling the proxy has it', () => {
  const env = childEnvironment({ Path: 'C:\\bin', USERPROFILE: 'C:\\Users\\me', APPDATA: 'C:\\Users\\me\\AppData\\Roaming', COMSPEC: 'C:\\Windows\\system32\\cmd.exe', SYSTEMROOT: 'C:\\Windows', PATHEXT: '.COM;.EXE;.CMD', GITHUB_TOKEN: 'x' }, { K: 'v' }, 'win32');
  expect(env).toEqual({ PATH: 'C:\\bin', USERPROFILE: 'C:\\Users\\me', APPDATA: 'C:\\Users\\me\\AppData\\Roaming', ComSpec: 'C:\\Windows\\system32\\cmd.exe', SystemRoot: 'C:\\Windows', PATHEXT: '.COM;.EXE;.CMD', K: 'v' });
});
