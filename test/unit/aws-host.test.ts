// SigV4 signing scope from AWS host names (service and region), and what is not one.
import { scopeFromHost } from '../../src/auth/aws-host.js';
import { resolveScope } from '../../src/auth/sigv4.js';

test.each([
  ['bedrock-agentcore.us-east-1.amazonaws.com', { service: 'bedrock-agentcore', region: 'us-east-1' }],
  ['my-gw-abc123.gateway.bedrock-agentcore.us-west-2.amazonaws.com', { service: 'bedrock-agentcore', region: 'us-west-2' }],
  ['a1b2c3d4e5.execute-api.eu-central-1.amazonaws.com', { service: 'execute-api', region: 'eu-central-1' }],
  ['a1b2c3d4e5.execute-api.cn-north-1.amazonaws.com.cn', { service: 'execute-api', region: 'cn-north-1' }],
  ['abcdefghijklmnopqrstuvwxyz012345.lambda-url.ap-southeast-2.on.aws', { service: 'lambda', region: 'ap-southeast-2' }],
  ['lambda.us-gov-west-1.amazonaws.com', { service: 'lambda', region: 'us-gov-west-1' }],
  ['execute-api.eu-west-1.api.aws', { service: 'execute-api', region: 'eu-west-1' }],
  ['mcp.corp.example', {}],
  ['something.amazonaws.com.evil.example', {}],
])('%s', (host, scope) => {
  expect(scopeFromHost(host)).toEqual(scope);
});

test('config wins over the host; AWS_REGION fills a missing region; a custom domain without service is refused naming the field', () => {
  const url = new URL('https://a1.execute-api.eu-west-1.amazonaws.com/prod/mcp');
  expect(resolveScope({ server: 's', url, region: 'us-east-1', env: {} })).toEqual({ service: 'execute-api', region: 'us-east-1' });
  expect(resolveScope({ server: 's', url: new URL('https://mcp.corp.example/mcp'), service: 'execute-api', env: { AWS_REGION: 'sa-east-1' } })).toEqual({ service: 'execute-api', region: 'sa-east-1' });
  expect(() => resolveScope({ server: 's', url: new URL('https://mcp.corp.example/mcp'), env: { AWS_REGION: 'sa-east-1' } })).toThrow('servers.s.auth.service');
  expect(() => resolveScope({ server: 's', url: new URL('https://mcp.corp.example/mcp'), service: 'lambda', env: {} })).toThrow('servers.s.auth.region');
});
