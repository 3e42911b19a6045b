// The process's stdout and stderr, so that output is never cut off and a reader that goes away is no error.
// Node writes to a pipe asynchronously: process.exit() right after a large write drops what the pipe has not
// taken yet (a 6 MB `sessions list --json | cat` stopped at 64 KB), so the exit waits for both streams to
// drain. A reader that closes early (`… | head -1`: EPIPE) ends that stream's output quietly.
import type { Io } from './io';

/** Streams whose reader is gone: writing to them again would only raise the same error. */
const gone = new Set<NodeJS.WriteStream>();

function writer(stream: NodeJS.WriteStream): (text: string) => void {
  return (text) => {
    if (!gone.has(stream)) stream.write(text.endsWith('\n') ? text : `${text}\n`);
  };
}

export const processIo: Io = {
  out: writer(process.stdout),
  err: writer(process.stderr),
  bytes: (data) => {
    if (!gone.has(process.stdout)) process.stdout.write(data);
  },
};

/**
 * Once, at start: an error on stdout or stderr (EPIPE when the reader exits, or the terminal going
 * away) stops output to that stream. Without a listener Node would throw it, with a stack trace.
 */
export function guardStdio(): void {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => gone.add(stream));
}

/** Resolves once everything written to `stream` so far has been handed to the OS, or the stream failed. */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  if (gone.has(stream) || stream.writableLength === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      stream.off('error', done);
      resolve();
    };
    stream.once('error', done);
    // An empty write's callback runs after every write queued before it.
    stream.write('', done);
  });
}

/** Ends the process with `code` once stdout and stderr have drained, however large and wherever they go. */
export async function exitWhenDrained(code: number): Promise<never> {
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  process.exit(code);
}

/**
 * For a command that follows a file until told to stop (`logs -F`, `events follow`): aborted by Ctrl-C, SIGTERM,
 * or a reader that went away (`… | head`: EPIPE), as `tail -f` ends. `dispose` takes the listeners off again.
 */
export function stopOnInterrupt(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const stop = () => controller.abort();
  const onStdoutError = (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') stop();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.stdout.on('error', onStdoutError);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.stdout.off('error', onStdoutError);
    },
  };
}
