// Reading a text file that another process appends to (a session's log while a run writes it):
// its last lines, and the lines appended after an offset, followed until told to stop. Bytes are
// split on '\n' only, so a multi-byte character is never cut; a line without its newline yet is
// held back until the rest arrives (or the follow ends).
import * as fs from 'node:fs';

const CHUNK = 64 * 1024;

export interface LinesRead {
  /** Complete lines, without their '\n'. */
  lines: string[];
  /** The offset just after the last byte used: where reading goes on. */
  offset: number;
}

/**
 * The last `count` lines of `file` (fewer when it has fewer), reading backwards so a large log is
 * not read whole. A last line without a newline counts as a line. `offset` is the file's size at
 * the time it was read. Throws ENOENT when the file does not exist.
 */
export function readLastLines(file: string, count: number): LinesRead {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    if (count <= 0 || size === 0) return { lines: [], offset: size };
    const chunks: Buffer[] = [];
    let pos = size;
    let newlines = 0;
    let lastByteIsNewline: boolean | undefined;
    // One more '\n' than lines wanted marks where the first of them starts (the file's last '\n' ends the last line).
    while (pos > 0) {
      const len = Math.min(CHUNK, pos);
      pos -= len;
      const buf = Buffer.alloc(len);
      fs.readSync(fd, buf, 0, len, pos);
      chunks.unshift(buf);
      if (lastByteIsNewline === undefined) lastByteIsNewline = buf[len - 1] === 0x0a;
      for (let i = 0; i < len; i++) if (buf[i] === 0x0a) newlines++;
      if (newlines > count + (lastByteIsNewline ? 0 : -1)) break;
    }
    const all = Buffer.concat(chunks);
    let end = all.length;
    if (all[end - 1] === 0x0a) end--;
    let start = end;
    for (let found = 0; start > 0; start--) {
      if (all[start - 1] === 0x0a && ++found === count) break;
    }
    return { lines: all.subarray(start, end).toString('utf8').split('\n'), offset: size };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Calls `onLines` with every complete line of `file` from `offset` to its present end, in chunks
 * (a large file is never held whole). A missing file reads as empty. `partial` receives the bytes
 * after the last newline; they are not counted in the returned offset.
 */
export function readLinesFrom(
  file: string,
  offset: number,
  onLines: (lines: string[]) => void,
): { offset: number; partial: Buffer; size: number; ino: number } {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      return { offset, partial: Buffer.alloc(0), size: -1, ino: -1 };
    throw err;
  }
  try {
    const st = fs.fstatSync(fd);
    let pos = offset;
    let carry: Buffer = Buffer.alloc(0);
    while (pos < st.size) {
      const buf = Buffer.alloc(Math.min(CHUNK, st.size - pos));
      const n = fs.readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      pos += n;
      const data = carry.length ? Buffer.concat([carry, buf.subarray(0, n)]) : buf.subarray(0, n);
      const cut = data.lastIndexOf(0x0a);
      if (cut === -1) {
        carry = data;
        continue;
      }
      onLines(data.subarray(0, cut).toString('utf8').split('\n'));
      carry = Buffer.from(data.subarray(cut + 1));
    }
    return { offset: pos - carry.length, partial: carry, size: st.size, ino: st.ino };
  } finally {
    fs.closeSync(fd);
  }
}

export interface FollowOptions {
  /** Byte offset to start from (what was already printed). */
  from: number;
  /** Called with the complete lines appended, in order. */
  onLines(lines: string[]): void;
  /**
   * Asked whenever the file has nothing new: true ends the follow, after one last read (so lines
   * written just before the writer finished are not lost) and the held-back partial line.
   */
  finished(): boolean | Promise<boolean>;
  /** Ends the follow at once (Ctrl-C); what was complete so far has been passed on. */
  signal?: AbortSignal;
  /** How often the file's size is polled, in ms (default 200). */
  intervalMs?: number;
}

/**
 * Follows `file` as it grows (`tail -f`), polling its size. A file replaced or truncated (a new
 * inode, or shorter than what was read) is read again from its start. A file that does not
 * exist yet is waited for.
 */
export async function followFile(
  file: string,
  opts: FollowOptions,
): Promise<{ reason: 'finished' | 'aborted'; offset: number }> {
  const interval = opts.intervalMs ?? 200;
  let offset = opts.from;
  let ino = -1;
  let partial: Buffer = Buffer.alloc(0);
  const readMore = (): boolean => {
    let r = readLinesFrom(file, offset, opts.onLines);
    if (r.size >= 0 && ((ino !== -1 && r.ino !== ino) || r.size < offset)) {
      offset = 0; // replaced or truncated: start over
      r = readLinesFrom(file, 0, opts.onLines);
    }
    if (r.size >= 0) ino = r.ino;
    const grew = r.offset !== offset || r.partial.length !== partial.length;
    offset = r.offset;
    partial = r.partial;
    return grew;
  };
  const flushPartial = () => {
    if (partial.length) opts.onLines([partial.toString('utf8')]);
    offset += partial.length;
    partial = Buffer.alloc(0);
  };
  while (true) {
    if (opts.signal?.aborted) {
      flushPartial();
      return { reason: 'aborted', offset };
    }
    if (!readMore() && (await opts.finished())) {
      readMore();
      flushPartial();
      return { reason: 'finished', offset };
    }
    await delay(interval, opts.signal);
  }
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
