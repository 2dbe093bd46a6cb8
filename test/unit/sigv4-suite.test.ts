// The sigv4 signer against the published AWS SigV4 test suite: the same
// requests must get the suite's Authorization header, byte for byte.
import { createSigV4Signer } from '../../src/auth/sigv4.js';
import { LOCAL_USER } from '../../src/auth/scheme.js';
import { SUITE, VECTORS } from '../fixtures/sigv4-suite/vectors.js';

function suiteSigner(sessionToken?: string) {
  return createSigV4Signer({
    server: 'suite',
    url: new URL('https://example.amazonaws.com/'),
    service: SUITE.service,
    region: SUITE.region,
    provider: async () => ({ accessKeyId: SUITE.accessKeyId, secretAccessKey: SUITE.secretAccessKey, ...(sessionToken ? { sessionToken } : {}) }),
    renewable: false,
    env: {},
    now: () => SUITE.date,
  });
}

test.each(VECTORS.map((v) => [v.name, v] as const))('%s', async (_name, vector) => {
  const signer = suiteSigner(vector.sessionToken ? SUITE.sessionToken : undefined);
  const signed = await signer.sign({
    method: vector.method,
    url: new URL(`https://example.amazonaws.com${vector.target}`),
    headers: vector.headers,
    identity: LOCAL_USER,
    ...(vector.body !== undefined ? { body: Buffer.from(vector.body) } : {}),
  });
  expect(signed.authorization).toBe(
    `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=${vector.signedHeaders}, Signature=${vector.signature}`,
  );
  expect(signed['x-amz-date']).toBe('20150830T123600Z');
  expect(signed['x-amz-security-token']).toBe(vector.sessionToken ? SUITE.sessionToken : undefined);
});

test('the body is part of the signature: another body, another signature', async () => {
  const signer = suiteSigner();
  const sign = (body: string) =>
    Promise.resolve(signer.sign({ method: 'POST', url: new URL('https://example.amazonaws.com/'), headers: {}, identity: LOCAL_USER, body: Buffer.from(body) }));
  const [a, b] = await Promise.all([sign('{"id":1}'), sign('{"id":2}')]);
  expect(a.authorization).not.toBe(b.authorization);
});
