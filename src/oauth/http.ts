// Request options shared by every OAuth call: a timeout, and plain http only
// for loopback hosts (a local test or dev server). Everything else must be
// https, as the MCP authorization spec requires; oauth4webapi enforces it.
import { allowInsecureRequests } from 'oauth4webapi';
import { isLoopbackHost } from '../config/listen-address.js';

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
