// Running a command on a real pseudo-terminal, as a user types it in a terminal: what only a TTY brings out
// (the merge question, readline's raw mode, Ctrl-C as a key) cannot be seen through pipes. Node has no pty of
// its own, so a small Python driver (pty + select, as the repro scripts use) holds the master side. Not a test file.
import { spawnSync } from 'node:child_process';

// The driver: starts argv with the pty as its controlling terminal (stdin, stderr and, unless pipeStdout,
// stdout), answers each `steps[i].send` once the terminal shows `steps[i].wait`, and reports what the
// terminal and the stdout pipe received and how the process ended. A process still there after `timeoutMs`
// is killed (its whole group) and reported as timed out: that is how a hidden prompt shows.
const DRIVER = String.raw`
import fcntl, json, os, pty, re, select, signal, subprocess, sys, termios, time
spec = json.loads(sys.argv[1])
master, slave = pty.openpty()
def controlling_tty():
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
p = subprocess.Popen(spec['argv'], stdin=slave, stdout=subprocess.PIPE if spec['pipeStdout'] else slave,
                     stderr=slave, cwd=spec['cwd'], env=spec['env'], preexec_fn=controlling_tty)
os.close(slave)
tty, out, steps, timed_out = b'', b'', list(spec['steps']), False
fds = [master] + ([p.stdout.fileno()] if spec['pipeStdout'] else [])
deadline = time.time() + spec['timeoutMs'] / 1000
while fds:
    if time.time() > deadline:
        timed_out = True
        os.killpg(p.pid, signal.SIGKILL)
        break
    ready, _, _ = select.select(fds, [], [], 0.05)
    for fd in ready:
        try: data = os.read(fd, 65536)
        except OSError: data = b''
        if not data: fds.remove(fd); continue
        if fd == master: tty += data
        else: out += data
    while steps and re.search(steps[0]['wait'], tty.decode('utf8', 'replace')):
        os.write(master, steps.pop(0)['send'].encode())
    if p.poll() is not None and not ready: break
code = p.wait()
print(json.dumps({'code': code, 'timedOut': timed_out, 'tty': tty.decode('utf8', 'replace'),
                  'stdout': out.decode('utf8', 'replace'), 'unsent': [s['wait'] for s in steps]}))
`;

/**
 * Runs `argv` on a pseudo-terminal. `pipeStdout`: stdout is a pipe instead (`… | jq`), reported as `stdout`;
 * `steps`: [{ wait: regex source, send: text }] typed in order; returns { code, timedOut, tty, stdout, unsent }.
 */
export function runOnPty(argv, { cwd, env, pipeStdout = false, steps = [], timeoutMs = 20_000 }) {
  const r = spawnSync('python3', ['-c', DRIVER, JSON.stringify({ argv, cwd, env, pipeStdout, steps, timeoutMs })], {
    encoding: 'utf8',
    timeout: timeoutMs + 10_000,
  });
  if (r.status !== 0) throw new Error(`pty driver failed (${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}
