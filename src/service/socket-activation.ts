// systemd socket activation (sd_listen_fds): a socket unit holds the listen
// address and hands the listening socket to the daemon it starts as fd 3,
// with LISTEN_FDS=1 and LISTEN_PID set to the daemon's pid. The variables are
// removed once read, so no child process mistakes them for its own.

/** The first passed file descriptor, by systemd's convention. */
export const SD_LISTEN_FDS_START = 3;

/** fd 3 when systemd passed this process a socket; undefined otherwise. */
export function inheritedListenFd(env: NodeJS.ProcessEnv, pid: number): number | undefined {
  const count = Number(env.LISTEN_FDS);
  const forUs = env.LISTEN_PID === String(pid) && Number.isInteger(count) && count >= 1;
  delete env.LISTEN_FDS;
  delete env.LISTEN_PID;
  delete env.LISTEN_FDNAMES;
  return forUs ? SD_LISTEN_FDS_START : undefined;
}
