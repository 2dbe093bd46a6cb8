// The loopback redirect target of a login (RFC 8252): a one-shot HTTP server
// on 127.0.0.1 that waits for the browser to come back to /callback with the
// login's `state`, hands the URL to the login flow and shows the browser how
// it ended. A request with another state (a stray or forged one) is answered
// and ignored, so it can neither end nor hijack the login.
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
  /** Resolves with the first redirect that carries `state`. */
  wait(timeoutMs: number, state: string): Promise<Redirect>;
  /** Takes a redirect URL the user pasted (the browser ran on another machine); false if it is not this login's. */
  paste(text: string): boolean;
  close(): void;
}

export const CALLBACK_PATH = '/callback';

/** Listens on `port` (0 for any free one). Rejects with EADDRINUSE when a fixed port is taken. */
export function listenForRedirect(port: number): Promise<LoopbackListener> {
  let deliver: ((redirect: Redirect) => void) | undefined;
  let expected: string | undefined;
  const arrived = new Promise<Redirect>((resolve) => (deliver = resolve));
  const accept = (url: URL, finish: Redirect['finish']): boolean => {
    if (!deliver || expected === undefined || url.pathname !== CALLBACK_PATH || url.searchParams.get('state') !== expected) return false;
    const hand = deliver;
    deliver = undefined;
    hand({ url, finish });
    return true;
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    if (req.method !== 'GET' || url.pathname !== CALLBACK_PATH) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
      return;
    }
    if (!accept(url, (ok, message) => page(res, ok ? 200 : 400, ok ? 'Signed in' : 'Sign-in failed', message))) {
      page(res, 400, 'Not this sign-in', 'This response does not belong to the sign-in in progress (or it was already handled); it was ignored.');
    }
  });
  server.keepAliveTimeout = 1000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as AddressInfo;
      const redirectUri = `http://127.0.0.1:${bound}${CALLBACK_PATH}`;
      resolve({
        redirectUri,
        wait: (timeoutMs, state) => {
          expected = state;
          let timer: NodeJS.Timeout | undefined;
          const timeout = new Promise<never>((_, fail) => {
            timer = setTimeout(
              () => fail(new AppError('OAUTH_LOGIN_TIMEOUT', `No sign-in came back within ${Math.round(timeoutMs / 1000)} s`, { hint: 'Run the login again and finish it in the browser.' })),
              timeoutMs,
            );
          });
          return Promise.race([arrived, timeout]).finally(() => clearTimeout(timer));
        },
        paste: (text) => {
          let url: URL;
          try {
            url = new URL(text.trim());
          } catch {
            return false;
          }
          if (`${url.origin}${url.pathname}` !== redirectUri) return false;
          return accept(url, () => undefined);
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
