// The bridge's stdout, with every secret value the process knows taken out
// (raw and JSON-escaped) before it is written: an upstream that repeats the
// credential in an answer or error must not put it in the agent's
// transcript. The SDK writes one whole JSON-RPC message per write, so no
// secret is ever split across two chunks here.
import { Writable } from 'node:stream';
import type { Redactor } from '../observability/redact.js';

export function redactingOutput(target: NodeJS.WritableStream, redactor: Redactor): Writable {
  return new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, done) {
      const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      if (target.write(redactor.redact(text))) done();
      else target.once('drain', () => done());
    },
  });
}
