// One HTTP(S) request with node:http, as the proxy itself makes them (fetch
// refuses some ports outright and follows its own rules); never follows
// redirects; bounded by a timeout; the body is read up to a small cap.
import http from 'node:http';
import https from 'node:https';

export interface SimpleResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export function httpRequest(url: URL, options: { method: string; headers?: Record<string, string>; body?: string; timeoutMs: number }): Promise<SimpleResponse> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, { method: options.method, headers: options.headers, agent: false, timeout: options.timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < 65_536) chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${options.timeoutMs} ms`), { code: 'TIMEOUT' })));
    req.on('error', reject);
    req.end(options.body);
  });
}
