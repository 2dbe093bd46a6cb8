// RFC 9421 Appendix B, reproduced: the signature bases of B.2.1-B.2.6 byte
// for byte (each RFC signature must verify over the base built here), the
// deterministic signatures (ed25519, hmac-sha256) exactly, and for the
// randomized ones (rsa-pss-sha512, ecdsa-p256-sha256) signatures that verify
// with the RFC's public keys. The Content-Digest is RFC 9530's.
import { constants, createHmac, createPrivateKey, createPublicKey, verify } from 'node:crypto';
import { createHttpSigSigner } from '../../src/auth/httpsig.js';
import { LOCAL_USER } from '../../src/auth/scheme.js';
import { serializeSignatureParams, signatureBase } from '../../src/auth/signature-base.js';
import type { HttpSigConfig } from '../../src/config/schema.js';
import { CREATED, REQUEST, RESPONSE, SIGNATURES, TEST_KEY_ECC_P256, TEST_KEY_ED25519, TEST_KEY_RSA_PSS, TEST_SHARED_SECRET } from '../fixtures/rfc9421/examples.js';

const DIGEST = REQUEST.headers['content-digest'];

const publicKey = (pem: string) => createPublicKey(createPrivateKey(pem));
const verifiers = {
  'rsa-pss-sha512': (base: string, sig: Buffer) => verify('sha512', Buffer.from(base), { key: publicKey(TEST_KEY_RSA_PSS), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 }, sig),
  'ecdsa-p256-sha256': (base: string, sig: Buffer) => verify('sha256', Buffer.from(base), { key: publicKey(TEST_KEY_ECC_P256), dsaEncoding: 'ieee-p1363' }, sig),
  ed25519: (base: string, sig: Buffer) => verify(null, Buffer.from(base), publicKey(TEST_KEY_ED25519), sig),
  'hmac-sha256': (base: string, sig: Buffer) => createHmac('sha256', Buffer.from(TEST_SHARED_SECRET, 'base64')).update(base).digest().equals(sig),
};

const EXAMPLES = [
  {
    name: 'B.2.1 minimal (rsa-pss-sha512)',
    alg: 'rsa-pss-sha512' as const,
    components: [],
    params: { created: CREATED, keyid: 'test-key-rsa-pss', nonce: 'b3k2pp5k7z-50gnwp.yemd' },
    base: '"@signature-params": ();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"',
    signature: SIGNATURES.b21,
  },
  {
    name: 'B.2.2 selective (rsa-pss-sha512)',
    alg: 'rsa-pss-sha512' as const,
    components: ['@authority', 'content-digest', '@query-param;name="Pet"'],
    params: { created: CREATED, keyid: 'test-key-rsa-pss', tag: 'header-example' },
    base: [
      '"@authority": example.com',
      `"content-digest": ${DIGEST}`,
      '"@query-param";name="Pet": dog',
      '"@signature-params": ("@authority" "content-digest" "@query-param";name="Pet");created=1618884473;keyid="test-key-rsa-pss";tag="header-example"',
    ].join('\n'),
    signature: SIGNATURES.b22,
  },
  {
    name: 'B.2.3 full coverage (rsa-pss-sha512)',
    alg: 'rsa-pss-sha512' as const,
    components: ['date', '@method', '@path', '@query', '@authority', 'content-type', 'content-digest', 'content-length'],
    params: { created: CREATED, keyid: 'test-key-rsa-pss' },
    base: [
      '"date": Tue, 20 Apr 2021 02:07:55 GMT',
      '"@method": POST',
      '"@path": /foo',
      '"@query": ?param=Value&Pet=dog',
      '"@authority": example.com',
      '"content-type": application/json',
      `"content-digest": ${DIGEST}`,
      '"content-length": 18',
      '"@signature-params": ("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss"',
    ].join('\n'),
    signature: SIGNATURES.b23,
  },
  {
    name: 'B.2.4 response (ecdsa-p256-sha256)',
    alg: 'ecdsa-p256-sha256' as const,
    components: ['@status', 'content-type', 'content-digest', 'content-length'],
    params: { created: CREATED, keyid: 'test-key-ecc-p256' },
    response: true,
    base: [
      '"@status": 200',
      '"content-type": application/json',
      `"content-digest": ${RESPONSE.headers['content-digest']}`,
      '"content-length": 23',
      '"@signature-params": ("@status" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-ecc-p256"',
    ].join('\n'),
    signature: SIGNATURES.b24,
  },
  {
    name: 'B.2.5 hmac-sha256',
    alg: 'hmac-sha256' as const,
    components: ['date', '@authority', 'content-type'],
    params: { created: CREATED, keyid: 'test-shared-secret' },
    base: [
      '"date": Tue, 20 Apr 2021 02:07:55 GMT',
      '"@authority": example.com',
      '"content-type": application/json',
      '"@signature-params": ("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"',
    ].join('\n'),
    signature: SIGNATURES.b25,
  },
  {
    name: 'B.2.6 ed25519',
    alg: 'ed25519' as const,
    components: ['date', '@method', '@path', '@authority', 'content-type', 'content-length'],
    params: { created: CREATED, keyid: 'test-key-ed25519' },
    base: [
      '"date": Tue, 20 Apr 2021 02:07:55 GMT',
      '"@method": POST',
      '"@path": /foo',
      '"@authority": example.com',
      '"content-type": application/json',
      '"content-length": 18',
      '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
    ].join('\n'),
    signature: SIGNATURES.b26,
  },
];

describe.each(EXAMPLES.map((e) => [e.name, e] as const))('%s', (_name, example) => {
  const message = 'response' in example ? { method: REQUEST.method, url: REQUEST.url, headers: RESPONSE.headers, status: RESPONSE.status } : REQUEST;
  const built = signatureBase(example.components, message, serializeSignatureParams(example.components, example.params));

  test('the signature base is the RFC text', () => {
    expect(built).toBe(example.base);
  });

  test("the RFC's signature verifies over it", () => {
    expect(verifiers[example.alg](built, Buffer.from(example.signature, 'base64'))).toBe(true);
    // And a base one byte off does not (the check is not vacuous).
    expect(verifiers[example.alg](`${built} `, Buffer.from(example.signature, 'base64'))).toBe(false);
  });
});

const KEYS = { 'rsa-pss-sha512': TEST_KEY_RSA_PSS, 'ecdsa-p256-sha256': TEST_KEY_ECC_P256, ed25519: TEST_KEY_ED25519, 'hmac-sha256': TEST_SHARED_SECRET };

/** The proxy's signer set up as each request example needs: its key, components and parameters, the RFC's clock and nonce. */
function signerFor(alg: HttpSigConfig['alg'], keyId: string, components: string[], extra: Partial<HttpSigConfig> = {}) {
  const auth: HttpSigConfig = { type: 'httpsig', keyId, alg, key: 'env:K', keyEncoding: 'base64', components, label: 'sig1', created: true, nonce: false, digest: 'sha-512', ...extra };
  return createHttpSigSigner({ server: 'rfc', auth, key: KEYS[alg], now: () => CREATED * 1000, nonce: () => 'b3k2pp5k7z-50gnwp.yemd' });
}

const sign = (signer: ReturnType<typeof signerFor>) =>
  signer.sign({ method: REQUEST.method, url: REQUEST.url, headers: REQUEST.headers, identity: LOCAL_USER, body: Buffer.from(REQUEST.body) });

test("the signer's Content-Digest of the example body is RFC 9530's sha-512 (and sha-256)", () => {
  expect(sign(signerFor('ed25519', 'test-key-ed25519', ['@method']))['content-digest']).toBe(DIGEST);
  expect(sign(signerFor('ed25519', 'test-key-ed25519', ['@method'], { digest: 'sha-256' }))['content-digest']).toBe('sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:');
});

test('ed25519 (B.2.6): the signer produces the RFC signature exactly', () => {
  const out = sign(signerFor('ed25519', 'test-key-ed25519', ['date', '@method', '@path', '@authority', 'content-type', 'content-length']));
  expect(out['signature-input']).toBe('sig1=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"');
  expect(out.signature).toBe(`sig1=:${SIGNATURES.b26}:`);
});

test('hmac-sha256 (B.2.5): the signer produces the RFC signature exactly', () => {
  const out = sign(signerFor('hmac-sha256', 'test-shared-secret', ['date', '@authority', 'content-type']));
  expect(out.signature).toBe(`sig1=:${SIGNATURES.b25}:`);
});

test('rsa-pss-sha512 (B.2.1, B.2.3): the same Signature-Input as the RFC, and a signature its public key verifies', () => {
  const minimal = signerFor('rsa-pss-sha512', 'test-key-rsa-pss', [], { nonce: true });
  const out = sign(minimal);
  expect(out['signature-input']).toBe('sig1=();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"');
  const sig = Buffer.from(/^sig1=:(.*):$/.exec(out.signature ?? '')?.[1] ?? '', 'base64');
  expect(verifiers['rsa-pss-sha512'](EXAMPLES[0]?.base ?? '', sig)).toBe(true);
  const full = sign(signerFor('rsa-pss-sha512', 'test-key-rsa-pss', ['date', '@method', '@path', '@query', '@authority', 'content-type', 'content-digest', 'content-length']));
  expect(verifiers['rsa-pss-sha512'](EXAMPLES[2]?.base ?? '', Buffer.from(/^sig1=:(.*):$/.exec(full.signature ?? '')?.[1] ?? '', 'base64'))).toBe(true);
});

test('ecdsa-p256-sha256: a request signed with the RFC key verifies with its public key (the RFC example B.2.4 signs a response)', () => {
  const signer = signerFor('ecdsa-p256-sha256', 'test-key-ecc-p256', ['@method', '@authority', 'content-digest']);
  const out = sign(signer);
  const { base } = signer.build({ method: REQUEST.method, url: REQUEST.url, headers: REQUEST.headers, identity: LOCAL_USER, body: Buffer.from(REQUEST.body) });
  expect(base).toBe(['"@method": POST', '"@authority": example.com', `"content-digest": ${DIGEST}`, '"@signature-params": ("@method" "@authority" "content-digest");created=1618884473;keyid="test-key-ecc-p256"'].join('\n'));
  const sig = Buffer.from(/^sig1=:(.*):$/.exec(out.signature ?? '')?.[1] ?? '', 'base64');
  expect(sig).toHaveLength(64);
  expect(verifiers['ecdsa-p256-sha256'](base, sig)).toBe(true);
});

test('a key of the wrong kind is refused at start, naming the field', () => {
  expect(() => signerFor('ed25519', 'k', ['@method'], {}).sign).toBeDefined();
  expect(() => createHttpSigSigner({ server: 's', auth: { type: 'httpsig', keyId: 'k', alg: 'ed25519', key: 'env:K', keyEncoding: 'base64', label: 'sig1', created: true, nonce: false, digest: 'sha-256' }, key: TEST_KEY_ECC_P256 })).toThrow(
    'servers.s.auth.key: a ec (prime256v1) key cannot sign ed25519',
  );
  expect(() => createHttpSigSigner({ server: 's', auth: { type: 'httpsig', keyId: 'k', alg: 'rsa-pss-sha512', key: 'env:K', keyEncoding: 'base64', label: 'sig1', created: true, nonce: false, digest: 'sha-256' }, key: 'not a pem' })).toThrow('servers.s.auth.key: not a PEM private key');
});
