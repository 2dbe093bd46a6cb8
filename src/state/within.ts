// A bound on any wait for Redis, apart from the connection module so the
// modules that use it do not load ioredis where no Redis is configured.

/**
 * `promise`, or a rejection once `ms` passed: whatever waits on Redis never
 * waits longer, even if a reply were lost (ioredis' own command timeout
 * covers commands it sent; this covers everything else on the way).
 */
export function withinMs<T>(promise: Promise<T>, ms = 1_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
