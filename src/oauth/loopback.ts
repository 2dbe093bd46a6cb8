// The loopback redirect target of a login (RFC 8252): a one-shot HTTP server
// on 127.0.0.1 that waits for the browser to come back to /callback, hands
// the URL to the login flow and shows the browser how it ended.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppError } from '../errors.js';

export interface Redirect {
  url: URL;
  /** Answers the browser once the login flow has checked the redirect. */
  finish(ok: boolean, message: string): void;
}

export interface LoopbackListener {
  redirectUri: string;
  wait(timeoutMs: number): Promise<Redirect>;
  close(): void;
}

export const CALLBACK_PATH = '/callback';

/** Listens on `port` (0 for any free one). Rejects with EADDRINUSE when a fixed port is taken. */
export function listenForRedirect(port: number): Promise<LoopbackListener> {
  let deliver: ((redirect: Redirect) => void) | undefined;
  const arrived = new Promise<Redirect>((resolve) => (deliver = resolve));
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    if (req.method !== 'GET' || url.pathname !== CALLBACK_PATH) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
      return;
    }
    if (!deliver) {
      page(res, 409, 'This sign-in was already handled', 'You can close this tab.');
      return;
    }
    const hand = deliver;
    deliver = undefined;
    hand({ url, finish: (ok, message) => page(res, ok ? 200 : 400, ok ? 'Signed in' : 'Sign-in failed', message) });
  });
  server.keepAliveTimeout = 1000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as AddressInfo;
      resolve({
        redirectUri: `http://127.0.0.1:${bound}${CALLBACK_PATH}`,
        wait: (timeoutMs) => {
          let timer: NodeJS.Timeout | undefined;
          const timeout = new Promise<never>((_, fail) => {
            timer = setTimeout(
              () => fail(new AppError('OAUTH_LOGIN_TIMEOUT', `No sign-in came back within ${Math.round(timeoutMs / 1000)} s`, { hint: 'Run the login again and finish it in the browser.' })),
              timeoutMs,
            );
          });
          return Promise.race([arrived, timeout]).finally(() => clearTimeout(timer));
        },
        close: () => {
          server.close();
          server.closeIdleConnections();
        },
      });
    });
  });
}

function page(res: http.ServerResponse, status: number, title: string, message: string): void {
  const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const body = `<!doctype html><meta charset="utf-8"><title>mcp-auth-proxy: ${escape(title)}</title><h1>${escape(title)}</h1><p>${escape(message)}</p>`;
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', connection: 'close' }).end(body);
}
