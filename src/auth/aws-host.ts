// SigV4's signing name and region read from an AWS host name, so that
// `{ "type": "sigv4" }` is all a Bedrock AgentCore, API Gateway or Lambda
// function URL server needs; custom domains name them in config instead.

export interface AwsScope {
  service?: string;
  region?: string;
}

const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;

/**
 * The signing scope a host name implies (either part may be missing):
 * - `*.bedrock-agentcore.REGION.amazonaws.com` (gateways and runtimes) → bedrock-agentcore
 * - `ID.execute-api.REGION.amazonaws.com` (API Gateway) → execute-api
 * - `ID.lambda-url.REGION.on.aws` (Lambda function URLs) → lambda
 * - `SERVICE.REGION.api.aws` (dual-stack endpoints) and `SERVICE.REGION.amazonaws.com` → SERVICE
 * China regions end in `.amazonaws.com.cn`.
 */
export function scopeFromHost(hostname: string): AwsScope {
  const labels = hostname.toLowerCase().replace(/\.$/, '').split('.');
  const at = (fromEnd: number) => labels[labels.length - fromEnd];
  const region = (label: string | undefined) => (label && REGION.test(label) ? label : undefined);
  const suffix = labels.slice(-3).join('.') === 'amazonaws.com.cn' ? 3 : labels.slice(-2).join('.') === 'amazonaws.com' ? 2 : 0;
  if (suffix > 0) {
    const regionLabel = region(at(suffix + 1));
    const service = at(suffix + 2);
    if (service === 'bedrock-agentcore' || service === 'execute-api') return { service, ...(regionLabel ? { region: regionLabel } : {}) };
    if (labels.length === suffix + 2 && service) return { service, ...(regionLabel ? { region: regionLabel } : {}) };
    return regionLabel ? { region: regionLabel } : {};
  }
  if (labels.slice(-2).join('.') === 'on.aws' && at(4) === 'lambda-url') {
    const regionLabel = region(at(3));
    return { service: 'lambda', ...(regionLabel ? { region: regionLabel } : {}) };
  }
  if (labels.length === 4 && labels.slice(-2).join('.') === 'api.aws' && region(at(3))) return { service: at(4) as string, region: at(3) as string };
  return {};
}

export function isAwsRegion(value: string): boolean {
  return REGION.test(value);
}
