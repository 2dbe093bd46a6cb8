// The browser of sign-in tests: follows a chain of redirects, keeping the
// cookies each host sets (an identity provider keeps its login interaction in
// them), and stops at the first redirect to `stopAt` (the client's
// redirect_uri), whose URL carries the code. No page is rendered: the test
// identity provider approves without one.
export async function followToRedirect(start: string, stopAt: string): Promise<URL> {
  const jar = new Map<string, Map<string, string>>();
  let url = new URL(start);
  for (let hop = 0; hop < 20; hop++) {
    if (url.href.startsWith(stopAt)) return url;
    const cookies = jar.get(url.host);
    const response = await fetch(url, { redirect: 'manual', headers: cookies?.size ? { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {} });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      if (at < 1) continue;
      const host = jar.get(url.host) ?? new Map<string, string>();
      host.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
      jar.set(url.host, host);
    }
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) {
      throw new Error(`the sign-in stopped at ${url.href} with HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`);
    }
    await response.body?.cancel();
    url = new URL(location, url);
  }
  throw new Error('too many redirects');
}
