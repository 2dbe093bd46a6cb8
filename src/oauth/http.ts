// Request options shared by every OAuth call: a timeout, and plain http only
// for loopback hosts (a local test or dev server). Everything else must be
// https, as the MCP authorization spec requires; oauth4webapi enforces it.
import { allowInsecureRequests } from 'oauth4webapi';
import { isLoopbackHost } from '../config/listen-address.js';
import { AppError } from '../errors.js';

export const OAUTH_TIMEOUT_MS = 15_000;

export function isLoopbackUrl(url: string | URL): boolean {
  const { hostname } = typeof url === 'string' ? new URL(url) : url;
  return isLoopbackHost(hostname.replace(/^\[|\]$/g, ''));
}

export function requestOptions(url: string | URL, timeoutMs = OAUTH_TIMEOUT_MS) {
  return { [allowInsecureRequests]: isLoopbackUrl(url), signal: AbortSignal.timeout(timeoutMs) };
}

/** fetch with the same timeout, for the discovery requests oauth4webapi does not make itself. */
export function fetchWithTimeout(url: string | URL, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(OAUTH_TIMEOUT_MS), ...init });
}

/** The same timeout for the SDK's discovery helpers (which follow redirects themselves). */
export const timedFetch = (url: string | URL, init: RequestInit = {}): Promise<Response> =>
  fetch(url, { signal: AbortSignal.timeout(OAUTH_TIMEOUT_MS), ...init });

/**
 * OAuth over plain http would hand the code, tokens and password page to
 * anyone on the path; the spec requires https. Loopback is the one exception.
 */
export function requireSecure(name: string, what: string, url: string | undefined): void {
  if (url === undefined) return;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AppError('OAUTH_INSECURE', `${name}: the ${what} "${url}" is not a URL`);
  }
  if (parsed.protocol === 'https:' || (parsed.protocol === 'http:' && isLoopbackUrl(parsed))) return;
  throw new AppError('OAUTH_INSECURE', `${name}: the ${what} ${url} is not https; OAuth over it is refused`, {
    hint: 'The MCP authorization spec requires https for every OAuth endpoint (plain http only on loopback, for local servers).',
  });
}
