// A cache of session summaries keyed by file identity (inode, size, mtime). The files stay
// the source of truth: every listing stats each file and re-reads only the ones that changed,
// so writes by other processes (the CLI, another window, real prodigy) are never missed.
// The cache is persisted under H/vscode, compactly, so a fresh process starts warm.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod';
import { reasonOf } from '../errors';
import { packSummary, summarize, unpackSummary, type SessionSummary, type UnreadableFile } from './summary';
import { writeFileAtomicSync } from '../storage/atomicFile';
import { canReuse, identityOf, racyWindowFor, type FileIdentity } from '../storage/fileIdentity';
import { idFromSessionFileName } from '../storage/ids';
import { parseSessionText } from '../storage/readJson';
import { notRegularReason, readRegularTextSync, tooLargeReason } from '../storage/readRegularFile';

const INDEX_VERSION = 5;

interface IndexEntry extends FileIdentity {
  summary?: SessionSummary;
  problem?: string;
}

/**
 * Entries are `[file name, ino, size, mtimeMs, seenAt, packed summary | null, problem | null]`.
 * Only the envelope is checked with the schema: the cache is ours, every entry is verified
 * against its file's identity anyway, and checking 10,000 tuples would cost a third of a load.
 */
const PersistedIndex = z.object({
  version: z.literal(INDEX_VERSION),
  sessionsDir: z.string(),
  entries: z.array(z.unknown()),
});
type PersistedEntry = [string, number, number, number, number, unknown[] | null, string | null];

function isEntry(e: unknown): e is PersistedEntry {
  return Array.isArray(e) && e.length === 7 && typeof e[0] === 'string' && (e[5] === null || Array.isArray(e[5]));
}

export interface ScanResult {
  sessions: SessionSummary[];
  unreadable: UnreadableFile[];
  /** Ids whose file appeared or changed since the previous scan (empty on the first). */
  changed: string[];
  /** Ids whose file disappeared since the previous scan. */
  removed: string[];
}

export class SessionIndex {
  private entries = new Map<string, IndexEntry>();
  private loaded = false;
  private scanned = false;
  private dirty = false;
  /** Moves whenever an entry is added, changed or removed: what a caller's derived data (a sort) is keyed by. */
  private revision = 0;

  get generation(): number {
    return this.revision;
  }

  constructor(
    private readonly sessionsDir: string,
    private readonly indexFile: string,
    /** Where the folder's timestamp measurement is kept (HomePaths.timestampsFile). */
    private readonly timestampsFile?: string,
  ) {}

  /** Record a session we just wrote, so the next scan need not read it again. */
  remember(name: string, stat: fs.Stats, summary: SessionSummary): void {
    this.entries.set(name, { ...identityOf(stat), summary });
    this.touch();
  }

  forget(name: string): void {
    if (this.entries.delete(name)) this.touch();
  }

  private touch(): void {
    this.dirty = true;
    this.revision++;
  }

  scan(): ScanResult {
    this.loadPersisted();
    let names: string[];
    try {
      // Names only: a folder named *.json is caught by its stat below.
      names = fs.readdirSync(this.sessionsDir).filter((n) => n.endsWith('.json'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      names = [];
    }
    const firstScan = !this.scanned;
    const racyWindow = racyWindowFor(this.sessionsDir, this.timestampsFile);
    const changed: string[] = [];
    const sessions: SessionSummary[] = [];
    const unreadable: UnreadableFile[] = [];
    const vanished: string[] = [];
    let known = 0;

    for (const name of names) {
      const file = this.sessionsDir + path.sep + name;
      const stat = fs.statSync(file, { throwIfNoEntry: false });
      if (!stat) {
        vanished.push(name);
        continue;
      }
      const previous = this.entries.get(name);
      if (previous) known++;
      let entry: IndexEntry;
      if (previous && canReuse(previous, stat, racyWindow)) {
        entry = previous;
      } else {
        entry = this.readEntry(name, file, stat);
        if (!previous || !sameContent(previous, entry))
          changed.push(entry.summary?.id ?? idFromSessionFileName(name) ?? name);
        this.entries.set(name, entry);
        this.touch();
      }
      if (entry.summary) sessions.push(entry.summary);
      else unreadable.push({ file, name, reason: entry.problem ?? 'unreadable' });
    }

    const removed: string[] = [];
    const added = names.length - vanished.length - known;
    // When every entry we had was seen again, nothing went: skip a pass over 10,000 entries.
    if (known !== this.entries.size - added) {
      const present = new Set(names);
      for (const name of vanished) present.delete(name);
      for (const name of [...this.entries.keys()]) {
        if (present.has(name)) continue;
        const gone = this.entries.get(name);
        this.entries.delete(name);
        this.touch();
        removed.push(gone?.summary?.id ?? idFromSessionFileName(name) ?? name);
      }
    }
    this.scanned = true;
    return { sessions, unreadable, changed: firstScan ? [] : changed, removed: firstScan ? [] : removed };
  }

  /**
   * The first listing of a process with a persisted index: summaries as the index last saw them,
   * checking only the directory (files added or removed). The caller checks the rows it shows
   * with `verify` and runs a full `scan` right after; anything else that changed meanwhile comes
   * out of that scan as a change event. Null when there is no index to start from.
   */
  quickScan(): { sessions: SessionSummary[]; unreadable: UnreadableFile[]; names: string[] } | null {
    this.loadPersisted();
    if (this.scanned || this.entries.size === 0) return null;
    let names: string[];
    try {
      names = fs.readdirSync(this.sessionsDir).filter((n) => n.endsWith('.json'));
    } catch {
      return null;
    }
    const sessions: SessionSummary[] = [];
    const unreadable: UnreadableFile[] = [];
    for (const name of names) {
      let entry = this.entries.get(name);
      const file = this.sessionsDir + path.sep + name;
      if (!entry) {
        const stat = fs.statSync(file, { throwIfNoEntry: false });
        if (!stat) continue;
        entry = this.readEntry(name, file, stat);
        this.entries.set(name, entry);
        this.touch();
      }
      if (entry.summary) sessions.push(entry.summary);
      else unreadable.push({ file, name, reason: entry.problem ?? 'unreadable' });
    }
    // What the caller now shows came from here: the next scan reports what differs as changes.
    this.scanned = true;
    return { sessions, unreadable, names };
  }

  /** Each file of the last scan with its identity when its summary (or problem) was read: what a listing came from. */
  *identities(): IterableIterator<[string, FileIdentity]> {
    for (const [name, e] of this.entries) yield [name, e];
  }

  /** What the index holds for a session now (undefined: not listed, or unreadable). */
  summaryOf(id: string): SessionSummary | undefined {
    return this.entries.get(`${id}.json`)?.summary;
  }

  /** Re-checks these sessions' files now; returns whether any of them changed. */
  verify(ids: string[]): boolean {
    const racyWindow = racyWindowFor(this.sessionsDir, this.timestampsFile);
    let changed = false;
    for (const id of ids) {
      const name = `${id}.json`;
      const file = this.sessionsDir + path.sep + name;
      const known = this.entries.get(name);
      const stat = fs.statSync(file, { throwIfNoEntry: false });
      if (!stat) {
        changed = true;
        continue;
      }
      if (known && canReuse(known, stat, racyWindow)) continue;
      const entry = this.readEntry(name, file, stat);
      if (!known || !sameContent(known, entry)) changed = true;
      this.entries.set(name, entry);
      this.touch();
    }
    return changed;
  }

  private readEntry(name: string, file: string, stat: fs.Stats): IndexEntry {
    const identity = identityOf(stat);
    // Anything but a regular file of sensible size is listed with the reason, never opened.
    const problem = notRegularReason(stat) ?? tooLargeReason(stat.size, 'session file');
    if (problem) return { ...identity, problem };
    try {
      const text = readRegularTextSync(file, 'session file');
      const session = parseSessionText(file, text, idFromSessionFileName(name));
      return { ...identity, summary: summarize(session, file) };
    } catch (err) {
      return { ...identity, problem: reasonOf(err) };
    }
  }

  private loadPersisted(): void {
    if (this.loaded) return;
    this.loaded = true;
    let text: string;
    try {
      text = fs.readFileSync(this.indexFile, 'utf8');
    } catch {
      return; // No cache yet: the first listing reads every file once.
    }
    try {
      // The tuple check is the expensive part of loading; the shape of each summary is ours.
      const parsed = PersistedIndex.safeParse(JSON.parse(text));
      // A home copied or moved elsewhere keeps inodes meaningless: start cold.
      if (!parsed.success || parsed.data.sessionsDir !== this.sessionsDir) return;
      for (const e of parsed.data.entries) {
        if (!isEntry(e)) continue;
        const [name, ino, size, mtimeMs, seenAt, packed, problem] = e;
        const summary = packed
          ? unpackSummary(expandPacked(packed, name), this.sessionsDir + path.sep + name)
          : undefined;
        this.entries.set(name, { ino, size, mtimeMs, seenAt, summary, problem: problem ?? undefined });
      }
    } catch {
      // A damaged cache only costs one full read.
    }
  }

  /** Write the cache if it changed. Only a cache: any complete version of it is valid. */
  persist(): void {
    if (!this.dirty) return;
    // Never bring back a home that was deleted or moved meanwhile.
    if (!fs.existsSync(this.sessionsDir)) return;
    const entries = [...this.entries].map(([name, e]) => [
      name,
      e.ino,
      e.size,
      e.mtimeMs,
      e.seenAt,
      e.summary ? compactPacked(packSummary(e.summary), name) : null,
      e.problem ?? null,
    ]);
    try {
      fs.mkdirSync(path.dirname(this.indexFile), { recursive: false });
    } catch {
      // Already there (or the home is read-only: the write below fails quietly too).
    }
    try {
      writeFileAtomicSync(
        this.indexFile,
        JSON.stringify({ version: INDEX_VERSION, sessionsDir: this.sessionsDir, entries }),
      );
      this.dirty = false;
    } catch {
      // A read-only home still lists; it just starts cold next time.
    }
  }
}

// The id (packed field 0) and a worktree named like the session (field 14) repeat the file
// name in nearly every entry: stored as 0, they shrink the index by a quarter (less to parse).
const SAME_AS_NAME = 0;

function compactPacked(packed: unknown[], name: string): unknown[] {
  const id = idFromSessionFileName(name);
  const out = [...packed];
  if (out[0] === id) out[0] = SAME_AS_NAME;
  if (out[14] === id) out[14] = SAME_AS_NAME;
  return out;
}

function expandPacked(packed: unknown[], name: string): unknown[] {
  if (packed[0] !== SAME_AS_NAME && packed[14] !== SAME_AS_NAME) return packed;
  const id = idFromSessionFileName(name);
  if (packed[0] === SAME_AS_NAME) packed[0] = id;
  if (packed[14] === SAME_AS_NAME) packed[14] = id;
  return packed;
}

/** A re-read that found the same summary (or the same problem) is not a change. */
function sameContent(a: IndexEntry, b: IndexEntry): boolean {
  if (a.problem !== undefined || b.problem !== undefined) return a.problem === b.problem;
  return (
    a.summary?.updated_at === b.summary?.updated_at &&
    a.summary?.status === b.summary?.status &&
    a.size === b.size &&
    a.ino === b.ino
  );
}
