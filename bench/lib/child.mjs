// Child Node processes for "fresh process" samples and for multi-process writers.
// Results come back over IPC; each child times only the work itself, so process
// start-up and module loading are excluded from every figure.
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const WORKERS = new URL('../workers/', import.meta.url);
const WORKER_TIMEOUT_MS = 120_000;

/**
 * Starts `bench/workers/{name}` with `args`. `ready` resolves on the child's
 * `{ ready: true }` message, `done` with its `{ result }` message once it has exited
 * (or with null, for a worker that reports nothing, when `needsResult` is false).
 */
export function startWorker(name, args = [], { needsResult = true } = {}) {
  const child = fork(fileURLToPath(new URL(name, WORKERS)), args.map(String), {
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  // A hung worker must not hang the bench.
  const timer = setTimeout(() => child.kill('SIGKILL'), WORKER_TIMEOUT_MS);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  let result;
  let onReady;
  let onNoReady;
  const ready = new Promise((resolve, reject) => ((onReady = resolve), (onNoReady = reject)));
  ready.catch(() => undefined); // most callers never wait for it; `done` reports the failure
  child.on('message', (msg) => {
    if (msg?.ready) onReady();
    if (msg && 'result' in msg) result = msg.result;
  });
  const done = new Promise((resolve, reject) => {
    const fail = (err) => {
      onNoReady(err);
      reject(err);
    };
    child.on('error', fail);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && (result !== undefined || !needsResult)) resolve(result ?? null);
      else fail(new Error(`worker ${name} ${args.join(' ')} exited with ${code ?? signal}\n${stderr}`));
    });
  });
  return { ready, done, pid: child.pid };
}

/** Runs one worker to completion and returns its result. */
export const runWorker = (name, args, options) => startWorker(name, args, options).done;

// ---- worker side ----------------------------------------------------------------------

export const sendReady = () => process.send?.({ ready: true });

/**
 * Sends the result, then lets the process end by itself once its event loop is empty,
 * so work the core leaves for a later turn (its lock release) still runs.
 */
export function sendResult(result) {
  process.send({ result }, () => process.disconnect());
}

/** Polls (every millisecond) until the barrier file exists, so all writers start together. */
export async function waitForFile(file) {
  while (!fs.existsSync(file)) await new Promise((r) => setTimeout(r, 1));
}

export const nowMs = () => performance.timeOrigin + performance.now();
