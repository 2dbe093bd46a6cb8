// Telling a credential from a setting (src/secrets/looks-secret.ts), as
// import and the command-server config check use it: by name, by the shape
// of the value, and the narrow "literal that should be a reference" rule.
import { isLiteralSecret, isSecretName, isSecretValue, urlPassword } from '../../src/secrets/looks-secret.js';

test('names: credentials by their parts, not places or settings about them', () => {
  for (const name of ['GITHUB_PERSONAL_ACCESS_TOKEN', 'githubApiKey', 'X-Api-Key', 'SLACK_BOT_TOKEN', 'DB_PASSWORD', 'AWS_SECRET_ACCESS_KEY', 'apikey', 'PRIVATE_KEY', 'Authorization', 'GITLAB_PAT']) {
    expect([name, isSecretName(name)]).toEqual([name, true]);
  }
  for (const name of ['SORT_KEY', 'KEY', 'TOKEN_FILE', 'GOOGLE_APPLICATION_CREDENTIALS_PATH', 'API_KEY_HEADER', 'TOKEN_URL', 'GITHUB_TOOLSETS', 'LOG_LEVEL', 'X-Team', 'CLIENT_ID']) {
    expect([name, isSecretName(name)]).toEqual([name, false]);
  }
});

test('values: known token formats, HTTP credentials and URL passwords; ordinary values are not', () => {
  for (const value of ['ghp_0123456789abcdefghij0123', 'github_pat_11ABCDEFG0123456789_abcdef', 'sk-ant-api03-abcdefghijklmnop', 'sk_live_0123456789abcdefgh', 'xoxb-1234567890-abcdef', 'AKIAIOSFODNN7EXAMPLE', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig', 'Bearer abc.def.ghi', 'postgres://u:pw0rd@db/x']) {
    expect([value, isSecretValue(value)]).toEqual([value, true]);
  }
  for (const value of ['github.com', 'repos,issues', '/home/me/.config', 'https://api.example.com/mcp', 'postgres://db/x', 'true', '8080', 'Bearer']) {
    expect([value, isSecretValue(value)]).toEqual([value, false]);
  }
  expect(urlPassword('postgres://user:p%40ss@db:5432/x')).toBe('p%40ss');
  expect(urlPassword('https://user@host/x')).toBeUndefined();
});

test('a literal that should be a reference: any token-worthy value under a credential name, never a path, number or flag', () => {
  expect(isLiteralSecret('API_TOKEN', 'plainvalue123')).toBe(true);
  expect(isLiteralSecret('MODE', 'ghp_0123456789abcdefghij0123')).toBe(true);
  for (const value of ['~/.token', '/run/secrets/x', '12345678', 'true', 'short', 'has a space in it']) {
    expect([value, isLiteralSecret('API_TOKEN', value)]).toEqual([value, false]);
  }
  expect(isLiteralSecret('LOG_FORMAT', 'plainvalue123')).toBe(false);
});
