// A listing as a command printed it, kept with the identity of every session file it was made from
// (H/vscode/sessions-list.cache). While no file has changed by the test the session index trusts (the same names;
// each file's inode, size and mtime; no copy taken within the racy window), those bytes are the listing again:
// `sessions list --json` then costs a readdir and a stat of every file, without loading the index or the core.
// Only a cache: a missing, torn or stale one (another build, another home) is a miss, never an error.
//
// Format: a JSON header line {version, key, sessionsDir, files, bytes}; a line with the JSON array of the files'
// names; a line with the JSON array of their identities, four numbers each (ino, size, mtimeMs, seenAt); then the
// listing's `bytes` bytes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeTempFileSync } from '../storage/atomicFile';
import { canReuse, racyWindowFor, type FileIdentity } from '../storage/fileIdentity';

const VERSION = 2;
const IDENTITY_FIELDS = 4;
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
  const first = jsonLine(data, 0);
  if (!first) return null;
  const header = first.value as Header;
  const end = first.end;
  if (header.version !== VERSION || header.key !== key || header.sessionsDir !== sessionsDir) return null;
  let names: string[];
  try {
    names = fs.readdirSync(sessionsDir).filter((n) => n.endsWith('.json'));
  } catch {
    return null;
  }
  if (names.length !== header.files) return null;
  const keptNames = jsonLine(data, end + 1);
  const identities = keptNames && jsonLine(data, keptNames.end + 1);
  if (!identities) return null;
  const kept = keptNames.value as string[];
  const numbers = identities.value as number[];
  if (kept.length !== names.length || numbers.length !== kept.length * IDENTITY_FIELDS) return null;
  const listing = data.subarray(identities.end + 1);
  if (listing.length !== header.bytes) return null; // cut short
  // The folder lists its files in the order they were kept unless it changed: then look each one up.
  let at: Map<string, number> | undefined;
  const racyWindow = racyWindowFor(sessionsDir);
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
  return listing;
}

/** The JSON value on the line of `data` that starts at `start`, and where that line ends; null if there is none. */
function jsonLine(data: Buffer, start: number): { value: unknown; end: number } | null {
  const end = data.indexOf(NEWLINE, start);
  if (end < 0) return null;
  try {
    return { value: JSON.parse(data.toString('utf8', start, end)), end };
  } catch {
    return null;
  }
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
  const names: string[] = [];
  const numbers: number[] = [];
  for (const [name, id] of files) {
    names.push(name);
    numbers.push(id.ino, id.size, id.mtimeMs, id.seenAt);
  }
  const header: Header = { version: VERSION, key, sessionsDir, files: names.length, bytes: Buffer.byteLength(listing) };
  let tmp: string | undefined;
  try {
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
    tmp = writeTempFileSync(
      cacheFile,
      `${JSON.stringify(header)}\n${JSON.stringify(names)}\n${JSON.stringify(numbers)}\n${listing}`,
    );
    fs.renameSync(tmp, cacheFile);
  } catch {
    if (tmp) fs.rmSync(tmp, { force: true });
  }
}
