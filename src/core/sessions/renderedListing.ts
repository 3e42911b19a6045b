// A listing as a command printed it, kept with the identity of every session file it was made from
// (H/vscode/sessions-list.cache). While no file has changed by the test the session index trusts (the same names;
// each file's inode, size and mtime; no copy taken within the racy window), those bytes are the listing again:
// `sessions list --json` then costs a readdir and a stat of every file, without loading the index or the core.
// Only a cache: a missing, torn or stale one (another build, another home) is a miss, never an error.
//
// Format: a JSON header line {version, key, sessionsDir, files, bytes}; one line per session file,
// `name \t ino \t size \t mtimeMs \t seenAt`; then the listing's `bytes` bytes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeTempFileSync } from '../storage/atomicFile';
import { canReuse, racyWindowFor, type FileIdentity } from '../storage/fileIdentity';

const VERSION = 1;
const NEWLINE = 0x0a;

interface Header {
  version: number;
  /** What made the bytes (the build of the command that printed them): another build renders anew. */
  key: string;
  sessionsDir: string;
  files: number;
  bytes: number;
}

/**
 * The kept listing, if `key` made it from the files `sessionsDir` holds now, unchanged; else null. `cacheFile` is
 * H/vscode/sessions-list.cache (HomePaths.renderedListingFile).
 */
export function readRenderedListing(cacheFile: string, sessionsDir: string, key: string): Buffer | null {
  let data: Buffer;
  try {
    data = fs.readFileSync(cacheFile);
  } catch {
    return null;
  }
  let end = data.indexOf(NEWLINE);
  if (end < 0) return null;
  let header: Header;
  try {
    header = JSON.parse(data.toString('utf8', 0, end)) as Header;
  } catch {
    return null;
  }
  if (header.version !== VERSION || header.key !== key || header.sessionsDir !== sessionsDir) return null;
  let names: string[];
  try {
    names = fs.readdirSync(sessionsDir).filter((n) => n.endsWith('.json'));
  } catch {
    return null;
  }
  if (names.length !== header.files) return null;
  const known = new Map<string, FileIdentity>();
  for (let i = 0; i < header.files; i++) {
    const start = end + 1;
    end = data.indexOf(NEWLINE, start);
    if (end < 0) return null;
    const [name, ino, size, mtimeMs, seenAt] = data.toString('utf8', start, end).split('\t');
    known.set(name, { ino: Number(ino), size: Number(size), mtimeMs: Number(mtimeMs), seenAt: Number(seenAt) });
  }
  const listing = data.subarray(end + 1);
  if (listing.length !== header.bytes) return null; // cut short
  const racyWindow = racyWindowFor(sessionsDir);
  for (const name of names) {
    const stat = fs.statSync(sessionsDir + path.sep + name, { throwIfNoEntry: false });
    if (!stat || !canReuse(known.get(name), stat, racyWindow)) return null;
  }
  return listing;
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
  listing: string,
): void {
  const lines: string[] = [];
  for (const [name, id] of files) {
    // A name the line format cannot hold (anyone can name a file): no cache while it is there.
    if (/[\t\n]/.test(name)) return;
    lines.push(`${name}\t${id.ino}\t${id.size}\t${id.mtimeMs}\t${id.seenAt}\n`);
  }
  const header: Header = {
    version: VERSION,
    key,
    sessionsDir,
    files: lines.length,
    bytes: Buffer.byteLength(listing),
  };
  let tmp: string | undefined;
  try {
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
    tmp = writeTempFileSync(cacheFile, `${JSON.stringify(header)}\n${lines.join('')}${listing}`);
    fs.renameSync(tmp, cacheFile);
  } catch {
    if (tmp) fs.rmSync(tmp, { force: true });
  }
}
