// The environment a command server starts with: nothing of the proxy's own
// but PATH, HOME and the locale (and on Windows the few variables a program
// cannot start without), then the server's declared `env`. No secret of the
// proxy or of another server can reach the process this way.

/** Variables passed through from the proxy's environment. */
const PASSED = ['PATH', 'HOME', 'LANG', 'LANGUAGE', 'LC_ALL', 'LC_CTYPE', 'LC_COLLATE', 'LC_MESSAGES', 'LC_MONETARY', 'LC_NUMERIC', 'LC_TIME', 'LC_ADDRESS', 'LC_IDENTIFICATION', 'LC_MEASUREMENT', 'LC_NAME', 'LC_PAPER', 'LC_TELEPHONE'];

/**
 * Windows programs (node.exe and npx.cmd among them) fail without these: the
 * system directory, the shell for .cmd files, executable extensions, the
 * profile folders (npm's cache lives there) and the temp folder.
 */
const WINDOWS_PASSED = ['SystemRoot', 'SystemDrive', 'windir', 'ComSpec', 'PATHEXT', 'USERPROFILE', 'APPDATA', 'LOCALAPPDATA', 'TEMP', 'TMP', 'ProgramFiles', 'ProgramData', 'HOMEDRIVE', 'HOMEPATH'];

export function childEnvironment(parent: NodeJS.ProcessEnv, declared: Record<string, string>, platform: NodeJS.Platform = process.platform): Record<string, string> {
  const env: Record<string, string> = {};
  const names = platform === 'win32' ? [...PASSED, ...WINDOWS_PASSED] : PASSED;
  for (const name of names) {
    // Windows variable names are case-insensitive (Path, Path): take whichever spelling is set.
    const key = platform === 'win32' ? Object.keys(parent).find((k) => k.toUpperCase() === name.toUpperCase()) : name;
    const value = key === undefined ? undefined : parent[key];
    if (value !== undefined) env[name] = value;
  }
  for (const [name, value] of Object.entries(declared)) env[name] = value;
  return env;
}
