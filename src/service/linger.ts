// systemd stops a user's services when their last session ends unless
// "linger" is on: on a headless Linux machine (SSH only) the daemon would stop
// at logout and not start at boot. loginctl says whether linger is on.
import { userInfo } from 'node:os';
import type { ServiceContext } from './manager.js';

export type Linger = 'yes' | 'no' | 'unknown';

export async function lingerState(ctx: ServiceContext): Promise<Linger> {
  const user = ctx.env.USER || userInfo().username;
  const result = await ctx.run('loginctl', ['show-user', user, '--property=Linger', '--value']);
  const value = result.stdout.trim();
  return result.code === 0 && (value === 'yes' || value === 'no') ? value : 'unknown';
}

/** What to tell the user about linger (nothing when it is on). */
export async function lingerNote(ctx: ServiceContext): Promise<string[]> {
  const linger = await lingerState(ctx);
  if (linger === 'yes') return [];
  const user = ctx.env.USER || userInfo().username;
  return [
    `linger is ${linger === 'no' ? 'off' : 'not known (loginctl did not say)'} for ${user}: systemd starts the service when you log in and stops it when your last session ends. On a headless machine (SSH only), run \`loginctl enable-linger ${user}\` so it starts at boot and keeps running after logout.`,
  ];
}
