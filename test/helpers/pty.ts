// Runs the built CLI on a pseudo-terminal (python3's pty module: Node has no
// PTY of its own), for what only happens at a real terminal: the hidden
// prompt. Once the output shows `prompt`, `keys` are typed (e.g. "\x03" for
// Ctrl-C, which the terminal turns into SIGINT for the foreground process).
import { spawn } from 'node:child_process';
import { BIN } from './cli.js';

export interface PtyResult {
  code: number;
  /** Everything the terminal showed (stdout and stderr together, as a terminal does). */
  output: string;
}

const DRIVER = String.raw`
import json, os, pty, select, sys
spec = json.loads(sys.stdin.read())
pid, fd = pty.fork()
if pid == 0:
    os.chdir(spec["cwd"])
    os.execve(spec["argv"][0], spec["argv"], spec["env"])
out = b""
sent = False
while True:
    ready, _, _ = select.select([fd], [], [], 20)
    if not ready:
        break
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
    if not sent and spec["prompt"].encode() in out:
        os.write(fd, spec["keys"].encode())
        sent = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(json.dumps({"code": os.waitstatus_to_exitcode(status), "output": out.decode("utf-8", "replace")}))
`;

export function runCliOnTerminal(args: string[], options: { env: NodeJS.ProcessEnv; cwd: string; prompt: string; keys: string }): Promise<PtyResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', DRIVER], { stdio: ['pipe', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (text += c));
    child.once('error', reject);
    child.once('close', () => {
      try {
        resolve(JSON.parse(text) as PtyResult);
      } catch {
        reject(new Error(`the terminal driver failed: ${text}`));
      }
    });
    child.stdin.end(JSON.stringify({ argv: [process.execPath, BIN, ...args], env: options.env, cwd: options.cwd, prompt: options.prompt, keys: options.keys }));
  });
}
