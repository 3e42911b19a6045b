// A listing as a command printed it, kept with the identity of every session file it was made from
// (H/vscode/sessions-list.cache). While no file has changed by the test the session index trusts (the same names;
// each file's inode, size and mtime; no copy taken within the racy window), those bytes are the listing again:
// `sessions list --json` then costs a readdir and a stat of every file, without loading the index or the core.
// Only a cache: a missing, torn or stale one (another build, another home) is a miss, never an error.
//
// Format: a JSON header line {version, key, sessionsDir, dirMtimeMs, files, namesBytes, identitiesBytes, bytes};
// a line with the JSON array of the files' names; a line with the JSON array of their identities, four numbers
// each (ino, size, mtimeMs, seenAt); then the listing's `bytes` bytes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { replaceFileSync } from '../storage/atomicFile';
import { canReuse, COARSE_RACY_WINDOW_MS, racyWindowFor, type FileIdentity } from '../storage/fileIdentity';

const VERSION = 3;
const IDENTITY_FIELDS = 4;
const NEWLINE = 0x0a;
/** Enough to hold the header line. */
const HEADER_MAX = 64 * 1024;

interface Header {
  version: number;
  /** What made the bytes (the build of the command that printed them): another build renders anew. */
  key: string;
  sessionsDir: string;
  /**
   * The sessions folder's mtime when the listing was kept. A file added, removed or replaced by a rename (every
   * record write of ours) moves it, so a different one says at once that the listing is stale; the same one proves
   * nothing (Prodigy rewrites files in place), so every file is still checked.
   */
  dirMtimeMs: number;
  /**
   * The folder's racy window (fileIdentity.ts) as the process that kept the listing measured it. Measuring writes a
   * probe file into the folder, which would move its mtime for the next reader: the window of a folder whose files
   * keep their inodes is the one measured there.
   */
  racyWindowMs: number;
  files: number;
  /** Lengths of the names line and the identities line, newlines included. */
  namesBytes: number;
  identitiesBytes: number;
  bytes: number;
}

/**
 * The kept listing, if `key` made it from the files `sessionsDir` holds now, unchanged; else null. `cacheFile` is
 * H/vscode/sessions-list.cache (HomePaths.renderedListingFile). A stale one costs little: the listing itself is
 * read only once every file has been found unchanged.
 */
export function readRenderedListing(cacheFile: string, sessionsDir: string, key: string): Buffer | null {
  let fd: number;
  try {
    fd = fs.openSync(cacheFile, 'r');
  } catch {
    return null;
  }
  try {
    return readKept(fd, sessionsDir, key);
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

function readKept(fd: number, sessionsDir: string, key: string): Buffer | null {
  const start = readAt(fd, 0, HEADER_MAX);
  const headerEnd = start.indexOf(NEWLINE);
  if (headerEnd < 0) return null;
  const header = JSON.parse(start.toString('utf8', 0, headerEnd)) as Header;
  if (header.version !== VERSION || header.key !== key || header.sessionsDir !== sessionsDir) return null;
  if (fs.statSync(sessionsDir).mtimeMs !== header.dirMtimeMs) return null;
  const names = fs.readdirSync(sessionsDir).filter((n) => n.endsWith('.json'));
  if (names.length !== header.files) return null;

  const namesAt = headerEnd + 1;
  const identitiesAt = namesAt + header.namesBytes;
  const listingAt = identitiesAt + header.identitiesBytes;
  if (fs.fstatSync(fd).size !== listingAt + header.bytes) return null; // cut short, or not ours
  const head = readAt(fd, namesAt, header.namesBytes + header.identitiesBytes);
  // The names line is the folder's own listing, in its order, unless a file came, went or moved in that order.
  const namesLine = head.toString('utf8', 0, header.namesBytes - 1);
  const kept = namesLine === JSON.stringify(names) ? names : (JSON.parse(namesLine) as string[]);
  const numbers = JSON.parse(head.toString('utf8', header.namesBytes, head.length - 1)) as number[];
  if (kept.length !== names.length || numbers.length !== kept.length * IDENTITY_FIELDS) return null;

  let at: Map<string, number> | undefined;
  const racyWindow = process.env.PRODIGY_COARSE_TIMESTAMPS === '1' ? COARSE_RACY_WINDOW_MS : header.racyWindowMs;
  if (typeof racyWindow !== 'number') return null;
  for (let i = 0; i < names.length; i++) {
    let k = i;
    if (kept[i] !== names[i]) {
      at ??= new Map(kept.map((name, j) => [name, j]));
      const found = at.get(names[i]);
      if (found === undefined) return null;
      k = found;
    }
    const stat = fs.statSync(sessionsDir + path.sep + names[i], { throwIfNoEntry: false });
    const n = k * IDENTITY_FIELDS;
    const known = { ino: numbers[n], size: numbers[n + 1], mtimeMs: numbers[n + 2], seenAt: numbers[n + 3] };
    if (!stat || !canReuse(known, stat, racyWindow)) return null;
  }
  const listing = readAt(fd, listingAt, header.bytes);
  return listing.length === header.bytes ? listing : null;
}

/** Up to `length` bytes of `fd` from `position` (fewer at the end of the file). */
function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buffer, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return buffer.subarray(0, done);
}

/**
 * Keeps `listing`, printed by `key` from the session files whose identities are `files` (as the index saw them when
 * it read them). Written whole or not at all (temp file, rename); a failure only leaves the cache as it was.
 */
export function keepRenderedListing(
  cacheFile: string,
  sessionsDir: string,
  key: string,
  files: Iterable<[string, FileIdentity]>,
  listing: Buffer,
): void {
  const names: string[] = [];
  const numbers: number[] = [];
  for (const [name, id] of files) {
    names.push(name);
    numbers.push(id.ino, id.size, id.mtimeMs, id.seenAt);
  }
  try {
    // Measured already by the listing's scan (once a process), so no probe moves the folder's mtime after this.
    const racyWindowMs = racyWindowFor(sessionsDir);
    // Taken after the listing was made: a file added since moves it too, and the names then differ anyway.
    const dirMtimeMs = fs.statSync(sessionsDir).mtimeMs;
    const namesLine = Buffer.from(`${JSON.stringify(names)}\n`);
    const identitiesLine = Buffer.from(`${JSON.stringify(numbers)}\n`);
    const header: Header = {
      version: VERSION,
      key,
      sessionsDir,
      dirMtimeMs,
      racyWindowMs,
      files: names.length,
      namesBytes: namesLine.length,
      identitiesBytes: identitiesLine.length,
      bytes: listing.length,
    };
    const data = Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), namesLine, identitiesLine, listing]);
    replaceFileSync(cacheFile, data);
  } catch {
    // not kept: the next listing is made anew
  }
}
