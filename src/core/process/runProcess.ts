// Runs one child process for a step: its own process group (so a stop or a timeout ends
// everything it started), output collected in full and handed over line by line as it comes.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { ProdigyError } from '../errors';
import type { ProcessGroups } from './groups';
import { findExecutable } from './which';

export interface ProcessResult {
  /** Exit code; -1 after a timeout or a stop. */
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout was longer than what is kept: its end is a note saying how much was dropped, not output. */
  stdoutCut: boolean;
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
  /** How long a stopped group has between SIGTERM and SIGKILL to clean up (default 3 s). */
  killGraceMs?: number;
  onLine?: (stream: 'stdout' | 'stderr', line: string) => void;
  /** false: stdout is handed to `onLine` only, not kept (a Claude stream is kept in its own file). */
  keepStdout?: boolean;
  /** With `onStdoutBytes`: stdout is the caller's alone, neither decoded nor kept nor split for `onLine` here. */
  stdoutBytesOnly?: boolean;
  /** stdout's bytes as they arrive, before decoding (a kept Claude stream is these bytes verbatim). */
  onStdoutBytes?: (chunk: Buffer) => void;
  /**
   * stdout goes straight to this open file (a Claude stream, kept by the process itself and tailed by the caller):
   * nothing of it passes through here, so `stdout` is empty.
   */
  stdoutFd?: number;
  /** Told the process group as it starts and ends: the run keeps a record, for after a kill -9 (stepGroups.ts). */
  groups?: ProcessGroups;
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

/**
 * A step whose group is recorded (for a resume after a kill -9, stepGroups.ts) starts behind a gate: a shell that
 * waits for "go" on fd 3, written only once the group is on record, then becomes the step's program. Killed in
 * between, the starter never writes it; the shell reads end-of-file and exits without running anything.
 */
const WAIT_FOR_GO = 'IFS= read -r go <&3 || exit 125; [ "$go" = go ] || exit 125; exec 3<&-';
const GATE = `${WAIT_FOR_GO}; exec "$@"`;
/**
 * A shell step (`sh -c SCRIPT`) runs its script in the gate's own shell: one shell start instead of two, so the gate
 * costs a shell step nothing measurable. `$0` is `sh` and there are no positional parameters, as with `sh -c`.
 */
const SHELL_GATE = `${WAIT_FOR_GO}; __prodigy_step=$1; shift; eval "$__prodigy_step"`;

/** `sh` as found on each PATH a step had: looked up once, not by the kernel's PATH search before every step. */
const shells = new Map<string, string>();

/**
 * The gate's shell for `env`: `sh` as its PATH finds it, remembered per PATH; plain `sh` (spawn searches PATH and
 * reports a missing one) when it is not found or the PATH has a relative part (which depends on the step's folder).
 */
function shellFor(env: NodeJS.ProcessEnv): string {
  const search = env.PATH ?? '';
  let shell = shells.get(search);
  if (shell === undefined) {
    const relative = search.split(path.delimiter).some((dir) => !path.isAbsolute(dir));
    shell = (!relative && findExecutable('sh', env)) || 'sh';
    shells.set(search, shell);
  }
  return shell;
}

/** The gated command line for `command args`. */
function gatedArgs(command: string, args: string[]): string[] {
  if (command === 'sh' && args.length === 2 && args[0] === '-c') return ['-c', SHELL_GATE, 'sh', args[1]];
  return ['-c', GATE, 'sh', command, ...args];
}

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
/** What is kept of each stream (characters), for captures, failure messages and handlers. */
export const MAX_KEPT = 16 * 1024 * 1024;

export function runProcess(command: string, args: string[], options: RunProcessOptions): Promise<ProcessResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      resolve({
        code: -1,
        signal: null,
        stdout: '',
        stderr: '',
        stdoutCut: false,
        timedOut: false,
        aborted: true,
        durationMs: 0,
      });
      return;
    }
    const gated = options.groups !== undefined;
    if (gated && command !== 'sh' && !findExecutable(command, options.env)) {
      // The gate's shell would start and then fail to find it: say so as spawning it directly would. (`sh` is the
      // gate itself: spawning it says so, and a PATH search for every shell step is a cost each step paid.)
      reject(new SpawnError(command, 'ENOENT', `${command}: command not found`));
      return;
    }
    const stdout = options.stdoutFd ?? 'pipe';
    const child = gated
      ? spawn(shellFor(options.env), gatedArgs(command, args), {
          argv0: 'sh',
          cwd: options.cwd,
          env: options.env,
          stdio: ['ignore', stdout, 'pipe', 'pipe'],
          detached: true,
        })
      : spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', stdout, 'pipe'], detached: true });
    trackGroup(child.pid);
    if (gated) {
      const gate = child.stdio[3] as Writable;
      gate.on('error', () => undefined); // the child is gone: its exit says so
      try {
        if (child.pid) options.groups!.started(child.pid);
      } catch (e) {
        gate.destroy(); // no "go": the step never starts, so none runs unrecorded
        reject(e);
        return;
      }
      gate.end('go\n');
    }
    const out = collector('stdout', options.onLine, options.keepStdout !== false);
    const err = collector('stderr', options.onLine);
    // Null when stdout is the file the caller gave (stdoutFd): nothing of it passes through here.
    const childOut = child.stdout;
    if (childOut && options.onStdoutBytes && options.stdoutBytesOnly) {
      // The caller splits the bytes itself (a Claude stream, mostly lines it never decodes).
      childOut.on('data', options.onStdoutBytes);
    } else if (childOut && options.onStdoutBytes) {
      const decoder = new StringDecoder('utf8');
      const onBytes = options.onStdoutBytes;
      childOut.on('data', (chunk: Buffer) => {
        onBytes(chunk);
        const text = decoder.write(chunk);
        if (text) out.push(text);
      });
      childOut.on('end', () => {
        const rest = decoder.end();
        if (rest) out.push(rest);
      });
    } else childOut?.setEncoding('utf8').on('data', out.push);
    child.stderr!.setEncoding('utf8').on('data', err.push);
    let timedOut = false;
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), options.killGraceMs ?? KILL_GRACE_MS);
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
      if (child.pid) options.groups?.ended(child.pid);
      const stdout = out.finish();
      let stderr = err.finish();
      if (timedOut)
        stderr += `${stderr && !stderr.endsWith('\n') ? '\n' : ''}Command timed out after ${Math.round((options.timeoutMs ?? 0) / 1000)} seconds`;
      resolve({
        code: timedOut || aborted ? -1 : (code ?? -1),
        signal,
        stdout,
        stderr,
        stdoutCut: out.cut(),
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

/**
 * What one line handed to `onLine` may hold (the rest of a longer one is counted, not kept): far beyond real
 * output lines, and a bound, so a line that never ends cannot take all memory.
 */
export const MAX_LINE = 1024 * 1024;

/**
 * Keeps a stream's text (up to a limit) and calls `onLine` for each complete line. Each chunk is searched
 * for line breaks once, from where the last search stopped: re-splitting a line that had not ended yet on
 * every chunk made an 80 MB line take 49 s (issue 12, b14).
 */
function collector(
  stream: 'stdout' | 'stderr',
  onLine?: (stream: 'stdout' | 'stderr', line: string) => void,
  keep = true,
) {
  const chunks: string[] = [];
  let size = 0;
  let dropped = 0;
  // The line being received: its pieces (joined once, when it ends), their length, and what was cut off.
  let pieces: string[] = [];
  let held = 0;
  let cut = 0;
  const take = (piece: string) => {
    const room = MAX_LINE - held;
    if (piece.length <= room) {
      pieces.push(piece);
      held += piece.length;
      return;
    }
    // Never half of a surrogate pair.
    const end = room > 0 && isHighSurrogate(piece.charCodeAt(room - 1)) ? room - 1 : room;
    if (end > 0) pieces.push(piece.slice(0, end));
    held = MAX_LINE;
    cut += piece.length - end;
  };
  const endLine = () => {
    const text = pieces.length === 1 ? pieces[0] : pieces.join('');
    onLine!(stream, cut ? `${text} … [${cut} more characters]` : text);
    pieces = [];
    held = 0;
    cut = 0;
  };
  return {
    push: (chunk: string) => {
      if (!keep) {
        // not kept
      } else if (size < MAX_KEPT) {
        chunks.push(chunk);
        size += chunk.length;
      } else dropped += chunk.length;
      if (!onLine) return;
      let start = 0;
      for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
        take(chunk.slice(start, nl));
        endLine();
        start = nl + 1;
      }
      if (start < chunk.length) take(start === 0 ? chunk : chunk.slice(start));
    },
    finish: (): string => {
      if (onLine && (held > 0 || cut > 0)) endLine();
      const text = chunks.join('');
      return dropped ? `${text}\n[${dropped} more characters not kept]` : text;
    },
    cut: (): boolean => dropped > 0,
  };
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
