// Opens the authorization URL in the user's browser through the `open`
// package (spawned directly, never through a shell), and only for http(s)
// URLs: a URL from a server's metadata must not become a command.
export async function openBrowser(url: string): Promise<boolean> {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return false;
  try {
    const { default: open } = await import('open');
    const child = await open(parsed.href, { wait: false });
    child.once('error', () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
}
