// The signing section: CPU per request of each signing scheme, in-process, on
// the same typical MCP POST (headers and a 200-byte JSON body), in one run so
// sigv4 and httpsig compare with hmac on the same machine state. CPU time
// (process.cpuUsage, user + system) per signed request, median of rounds.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createHmacSigner } from '../src/auth/hmac.js';
import { createHttpSigSigner } from '../src/auth/httpsig.js';
import { LOCAL_USER, signedNow, type SignInput, type Signer } from '../src/auth/scheme.js';
import { createSigV4Signer } from '../src/auth/sigv4.js';
import type { HttpSigConfig } from '../src/config/schema.js';
import { median } from './stats.js';
import { table } from './table.js';

export interface SigningRow {
  scheme: string;
  /** Median over the rounds of CPU microseconds per signed request. */
  cpuUsPerRequest: number;
  /** The same relative to hmac in this run. */
  vsHmac: number;
}

export interface SigningResult {
  date: string;
  rows: SigningRow[];
}

const CALLS = 5_000;
const ROUNDS = 5;

const BODY = Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 42, method: 'tools/call', params: { name: 'search', arguments: { query: 'quarterly revenue by region', limit: 20, cursor: 'x'.repeat(80) } } }));
const INPUT: SignInput = {
  method: 'POST',
  url: new URL('https://a1b2c3.execute-api.eu-west-1.amazonaws.com/prod/mcp'),
  headers: {
    host: 'a1b2c3.execute-api.eu-west-1.amazonaws.com',
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'content-length': String(BODY.length),
    'mcp-session-id': 'a1b2c3d4e5f6a7b8',
    'mcp-protocol-version': '2025-06-18',
    'x-request-id': 'req-0123456789',
  },
  body: BODY,
  identity: LOCAL_USER,
};

function httpsig(alg: HttpSigConfig['alg'], key: string): Signer {
  const auth: HttpSigConfig = { type: 'httpsig', keyId: 'bench', alg, key: 'env:K', keyEncoding: 'base64', label: 'sig1', created: true, nonce: true, digest: 'sha-256' };
  return createHttpSigSigner({ server: 'bench', auth, key });
}

const pem = (pair: { privateKey: { export(o: { type: 'pkcs8'; format: 'pem' }): string | Buffer } }) => String(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));

function signers(): Array<[string, Signer]> {
  return [
    ['hmac (x-signature)', createHmacSigner({ keyId: 'bench', secret: randomBytes(24).toString('hex') })],
    ['sigv4 (@smithy/signature-v4)', createSigV4Signer({ server: 'bench', url: INPUT.url, provider: async () => ({ accessKeyId: 'AKIABENCHBENCHBENCH0', secretAccessKey: randomBytes(30).toString('base64') }), renewable: false, env: {} })],
    ['httpsig hmac-sha256', httpsig('hmac-sha256', randomBytes(32).toString('base64'))],
    ['httpsig ed25519', httpsig('ed25519', pem(generateKeyPairSync('ed25519')))],
    ['httpsig ecdsa-p256-sha256', httpsig('ecdsa-p256-sha256', pem(generateKeyPairSync('ec', { namedCurve: 'P-256' })))],
    ['httpsig rsa-pss-sha512 (2048-bit)', httpsig('rsa-pss-sha512', pem(generateKeyPairSync('rsa-pss', { modulusLength: 2048 })))],
  ];
}

/** CPU µs per signed request: CALLS signatures in a row (awaited one by one where the scheme is asynchronous). */
async function cpuPerRequest(signer: Signer): Promise<number> {
  const perRound: number[] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    const before = process.cpuUsage();
    for (let i = 0; i < CALLS; i++) {
      const out = signer.sign(INPUT);
      if (!signedNow(out)) await out;
    }
    const used = process.cpuUsage(before);
    if (round > 0) perRound.push((used.user + used.system) / CALLS);
  }
  return median(perRound);
}

export async function benchSigning(): Promise<SigningResult> {
  const rows: SigningRow[] = [];
  for (const [scheme, signer] of signers()) rows.push({ scheme, cpuUsPerRequest: await cpuPerRequest(signer), vsHmac: 0 });
  const hmac = rows[0]?.cpuUsPerRequest ?? 1;
  for (const row of rows) row.vsHmac = row.cpuUsPerRequest / hmac;
  return { date: new Date().toISOString(), rows };
}

export function printSigning(result: SigningResult): void {
  console.log(`\n## signing: CPU per signed request (typical MCP POST, ${BODY.length}-byte body), median of ${ROUNDS} rounds of ${CALLS}\n`);
  console.log(`${table(['scheme', 'CPU per request', 'vs hmac'], result.rows.map((r) => [r.scheme, `${r.cpuUsPerRequest.toFixed(1)} µs`, `${r.vsHmac.toFixed(1)}×`]))}\n`);
}
