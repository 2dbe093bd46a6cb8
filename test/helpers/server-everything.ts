// @modelcontextprotocol/server-everything in streamableHttp mode as a child
// process on a free port (it reads $PORT; a preload reports the port it
// really bound, since it logs "0" when given 0).
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const everythingMain = join(dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')), 'dist', 'index.js');
const reportPort = fileURLToPath(new URL('../fixtures/server-everything/report-port.mjs', import.meta.url));

export interface ServerEverything {
  /** The MCP endpoint, e.g. http://127.0.0.1:PORT/mcp. */
  url: string;
  child: ChildProcess;
  close(): void;
}

export async function startServerEverything(): Promise<ServerEverything> {
  const child = spawn(process.execPath, ['--import', reportPort, everythingMain, 'streamableHttp'], {
    env: { PATH: process.env.PATH, PORT: '0' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stderr?.setEncoding('utf8').on('data', (c: string) => {
      text += c;
      const m = /REPORT-PORT (\d+)/.exec(text);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', () => reject(new Error(`server-everything exited: ${text}`)));
  });
  return { url: `http://127.0.0.1:${port}/mcp`, child, close: () => child.kill('SIGKILL') };
}
