// Opens the authorization URL in the user's browser through the `open`
// package (spawned directly, never through a shell), and only for http(s)
// URLs: a URL from a server's metadata must not become a command.
export async function openBrowser(url: string): Promise<boolean> {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return false;
  try {
    const { default: open } = await import('open');
    const child = await open(parsed.href, { wait: false });
    // A missing opener (no xdg-open on a server) fails after spawn: report it, so the URL is shown as the way in.
    const started = await new Promise<boolean>((resolve) => {
      if (child.pid !== undefined) resolve(true);
      child.once('spawn', () => resolve(true));
      child.once('error', () => resolve(false));
    });
    child.unref();
    return started;
  } catch {
    return false;
  }
}
