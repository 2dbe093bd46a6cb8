// A small round-robin load balancer for multi-replica tests: each request
// goes to the next replica in turn (no sticky sessions), piped both ways
// over keep-alive connections, with the status each replica answered
// counted. Host is passed through, as a layer-7 balancer in front of the
// proxy's publicUrl does.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { listen } from './net.js';

export interface Balancer {
  url: string;
  /** Set once the replicas listen (the balancer's own URL goes into their config first). */
  targets: string[];
  /** Per replica (by index): how many answers of each status it gave. */
  tally: Array<Map<number, number>>;
  close(): Promise<void>;
}

export async function startBalancer(): Promise<Balancer> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  let next = 0;
  const balancer: Balancer = { url: '', targets: [], tally: [], close: async () => undefined };
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const index = next++ % balancer.targets.length;
    const target = new URL(balancer.targets[index] as string);
    const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent }, (answer) => {
      const counts = (balancer.tally[index] ??= new Map());
      counts.set(answer.statusCode ?? 0, (counts.get(answer.statusCode ?? 0) ?? 0) + 1);
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  };
  const server = await listen(forward);
  balancer.url = server.url;
  balancer.close = async () => {
    agent.destroy();
    await server.close();
  };
  return balancer;
}
