// Runs one child process for a step: its own process group (so a stop or a timeout ends
// everything it started), output collected in full and handed over line by line as it comes.
import { spawn } from 'node:child_process';
import { ProdigyError } from '../errors';

export interface ProcessResult {
  /** Exit code; -1 after a timeout or a stop. */
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  aborted: boolean;
  durationMs: number;
}

export interface RunProcessOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Aborting stops the process group (SIGTERM, then SIGKILL). */
  signal?: AbortSignal;
  onLine?: (stream: 'stdout' | 'stderr', line: string) => void;
}

/** The program could not be started at all (not found, not executable). */
export class SpawnError extends ProdigyError {
  constructor(
    readonly command: string,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

const KILL_GRACE_MS = 3_000;

// Steps run in their own process groups, so they would outlive us (a closed window, a crashed
// extension host). Whatever is still running when this process exits is stopped with it.
const liveGroups = new Set<number>();
let exitHookInstalled = false;
function trackGroup(pid: number | undefined): void {
  if (!pid) return;
  liveGroups.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const group of liveGroups) killGroup(group, 'SIGTERM');
  });
}
const MAX_KEPT = 16 * 1024 * 1024;

export function runProcess(command: string, args: string[], options: RunProcessOptions): Promise<ProcessResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      resolve({ code: -1, signal: null, stdout: '', stderr: '', timedOut: false, aborted: true, durationMs: 0 });
      return;
    }
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    trackGroup(child.pid);
    const out = collector('stdout', options.onLine);
    const err = collector('stderr', options.onLine);
    child.stdout.setEncoding('utf8').on('data', out.push);
    child.stderr.setEncoding('utf8').on('data', err.push);
    let timedOut = false;
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS);
    };
    const timer = options.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          stop();
        }, options.timeoutMs)
      : undefined;
    const onAbort = () => {
      aborted = true;
      stop();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const cleanup = () => {
      if (timer) clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      cleanup();
      reject(
        new SpawnError(
          command,
          e.code,
          e.code === 'ENOENT' ? `${command}: command not found` : `${command}: ${e.message}`,
        ),
      );
    });
    child.on('close', (code, signal) => {
      cleanup();
      if (child.pid) liveGroups.delete(child.pid);
      // Whatever the group still runs (a backgrounded grandchild) goes with it.
      if (timedOut || aborted) killGroup(child.pid, 'SIGKILL');
      const stdout = out.finish();
      let stderr = err.finish();
      if (timedOut)
        stderr += `${stderr && !stderr.endsWith('\n') ? '\n' : ''}Command timed out after ${Math.round((options.timeoutMs ?? 0) / 1000)} seconds`;
      resolve({
        code: timedOut || aborted ? -1 : (code ?? -1),
        signal,
        stdout,
        stderr,
        timedOut,
        aborted,
        durationMs: performance.now() - started,
      });
    });
  });
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Keeps a stream's text (up to a limit) and calls `onLine` for each complete line. */
function collector(stream: 'stdout' | 'stderr', onLine?: (stream: 'stdout' | 'stderr', line: string) => void) {
  const chunks: string[] = [];
  let size = 0;
  let dropped = 0;
  let partial = '';
  return {
    push: (chunk: string) => {
      if (size < MAX_KEPT) {
        chunks.push(chunk);
        size += chunk.length;
      } else dropped += chunk.length;
      if (!onLine) return;
      const text = partial + chunk;
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine(stream, line);
    },
    finish: (): string => {
      if (onLine && partial) onLine(stream, partial);
      partial = '';
      const text = chunks.join('');
      return dropped ? `${text}\n[${dropped} more characters not kept]` : text;
    },
  };
}
