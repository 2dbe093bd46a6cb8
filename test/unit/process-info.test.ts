// The memory status reports for a command server's process is its whole
// group's (npx and the server it started), read for every child at once.
// Linux (/proc); a real group: a shell that starts node.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { groupMembers, groupMemories } from '../../src/upstreams/stdio/process-info.js';
import { eventually } from '../helpers/net.js';

const rss = (pid: number) => Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;

test('a group counts every member: the shell and the node it started; an unknown group counts nothing', async () => {
  const shell = spawn('/bin/sh', ['-c', `"${process.execPath}" -e "setInterval(() => {}, 1000)" & wait`], { detached: true, stdio: 'ignore' });
  const pgid = shell.pid as number;
  try {
    await eventually(() => groupMembers(pgid).length === 2);
    const node = groupMembers(pgid).find((pid) => pid !== pgid) as number;
    const memories = groupMemories([pgid, 2 ** 22 + 7]);
    // Both members, read in the same pass (each may move a little between the two reads).
    expect(memories.get(pgid)).toBeGreaterThan(rss(pgid) + rss(node) / 2);
    expect(memories.get(2 ** 22 + 7)).toBe(0);
  } finally {
    process.kill(-pgid, 'SIGKILL');
  }
});
