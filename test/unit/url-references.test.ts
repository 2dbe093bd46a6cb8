// Secret references inside an upstream URL (src/secrets/url-references.ts):
// allowed in the path and query only, each value filled in as one segment or
// one query value whatever characters it holds.
import { fillUrl, urlPlaceholderProblem, urlReferences, withoutPlaceholders } from '../../src/secrets/url-references.js';

test('references are found in order; the rest of the URL is checked with stand-ins', () => {
  const url = 'https://mcp.example.com/s/${keychain:a}/mcp?key=${env:B}&x=1';
  expect(urlReferences(url)).toEqual(['keychain:a', 'env:B']);
  expect(withoutPlaceholders(url)).toBe('https://mcp.example.com/s/x/mcp?key=x&x=1');
  expect(urlPlaceholderProblem(url)).toBeUndefined();
  expect(urlPlaceholderProblem('https://mcp.example.com/mcp')).toBeUndefined();
});

test('only references, and never in the scheme, host or port', () => {
  expect(urlPlaceholderProblem('https://mcp.example.com/${TOKEN}/mcp')).toBe('"${TOKEN}" is not a secret reference; write ${keychain:NAME}, ${env:VAR} or ${file:PATH}');
  for (const url of ['https://${env:HOST}/mcp', 'https://api.example.com:${env:PORT}/mcp', 'https://${keychain:k}', 'https://user:${keychain:pw}@h.example/mcp']) {
    expect([url, urlPlaceholderProblem(url)]).toEqual([url, 'a secret reference may stand in the path or query only, not in the scheme, host or port']);
  }
});

test('a value is one segment or one query value: separators in it are encoded, an encoded value stays as written', async () => {
  const values: Record<string, string> = { 'keychain:a': 'k/1&2=3 4+5', 'env:B': 'already%2Fencoded', 'file:/c': 'plain-._~AZaz09' };
  const filled = await fillUrl('https://h.example/s/${keychain:a}/mcp?key=${env:B}&c=${file:/c}', async (ref) => values[ref] as string);
  expect(filled).toBe('https://h.example/s/k%2F1%262%3D3%204%2B5/mcp?key=already%2Fencoded&c=plain-._~AZaz09');
  expect(new URL(filled).searchParams.get('key')).toBe('already/encoded');
});
