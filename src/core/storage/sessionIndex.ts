// A cache of session summaries keyed by file identity (inode, size, mtime). The files stay
// the source of truth: every listing stats each file and re-reads only the ones that changed,
// so writes by other processes (the CLI, another window, real prodigy) are never missed.
// The cache is persisted under H/vscode so a fresh process starts warm.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod';
import { errorMessage, CorruptFileError } from '../errors';
import { UnifiedSession } from '../model/session';
import { summarize, type SessionSummary, type UnreadableFile } from '../sessions/summary';
import { writeFileAtomicSync } from './atomicFile';
import { canReuse, identityOf, type FileIdentity } from './fileIdentity';
import { idFromSessionFileName } from './ids';
import { parseJsonText } from './readJson';

const INDEX_VERSION = 1;

interface IndexEntry extends FileIdentity {
  summary?: SessionSummary;
  problem?: string;
}

const PersistedIndex = z.object({
  version: z.literal(INDEX_VERSION),
  entries: z.record(z.string(), z.any()),
});

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

  constructor(private readonly sessionsDir: string, private readonly indexFile: string) {}

  /** Record a session we just wrote, so the next scan need not read it again. */
  remember(name: string, stat: fs.Stats, session: UnifiedSession): void {
    const file = path.join(this.sessionsDir, name);
    this.entries.set(name, { ...identityOf(stat), summary: summarize(session, file) });
    this.dirty = true;
  }

  forget(name: string): void {
    if (this.entries.delete(name)) this.dirty = true;
  }

  scan(): ScanResult {
    this.loadPersisted();
    let names: string[];
    try {
      names = fs.readdirSync(this.sessionsDir, { withFileTypes: true })
        .filter((d) => d.name.endsWith('.json'))
        .map((d) => d.name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      names = [];
    }
    const firstScan = !this.scanned;
    const changed: string[] = [];
    const present = new Set(names);
    const sessions: SessionSummary[] = [];
    const unreadable: UnreadableFile[] = [];

    for (const name of names) {
      const file = path.join(this.sessionsDir, name);
      const stat = fs.statSync(file, { throwIfNoEntry: false });
      if (!stat) {
        present.delete(name);
        continue;
      }
      const known = this.entries.get(name);
      let entry: IndexEntry;
      if (known && canReuse(known, stat)) {
        entry = known;
      } else {
        entry = this.readEntry(name, file, stat);
        if (!known || !sameContent(known, entry)) changed.push(entry.summary?.id ?? idFromSessionFileName(name) ?? name);
        this.entries.set(name, entry);
        this.dirty = true;
      }
      if (entry.summary) sessions.push(entry.summary);
      else unreadable.push({ file, name, reason: entry.problem ?? 'unreadable' });
    }

    const removed: string[] = [];
    for (const name of [...this.entries.keys()]) {
      if (!present.has(name)) {
        const gone = this.entries.get(name);
        this.entries.delete(name);
        this.dirty = true;
        removed.push(gone?.summary?.id ?? idFromSessionFileName(name) ?? name);
      }
    }
    this.scanned = true;
    return { sessions, unreadable, changed: firstScan ? [] : changed, removed: firstScan ? [] : removed };
  }

  private readEntry(name: string, file: string, stat: fs.Stats): IndexEntry {
    const identity = identityOf(stat);
    if (stat.isDirectory()) return { ...identity, problem: 'is a directory, not a session file' };
    try {
      const session = parseJsonText(file, fs.readFileSync(file, 'utf8'), UnifiedSession);
      const expectedId = idFromSessionFileName(name);
      if (expectedId !== session.id) {
        return { ...identity, problem: `its id "${session.id}" does not match the file name` };
      }
      return { ...identity, summary: summarize(session, file) };
    } catch (err) {
      const problem = err instanceof CorruptFileError ? err.reason : errorMessage(err);
      return { ...identity, problem };
    }
  }

  private loadPersisted(): void {
    if (this.loaded) return;
    this.loaded = true;
    try {
      const parsed = PersistedIndex.safeParse(JSON.parse(fs.readFileSync(this.indexFile, 'utf8')));
      if (!parsed.success) return;
      for (const [name, entry] of Object.entries(parsed.data.entries)) {
        // Paths are recomputed so a moved home never points at another folder.
        const e = entry as IndexEntry;
        if (e.summary) e.summary.file = path.join(this.sessionsDir, name);
        this.entries.set(name, e);
      }
    } catch {
      // A missing or damaged cache only costs one full read.
    }
  }

  /** Write the cache if it changed. Only a cache: any complete version of it is valid. */
  persist(): void {
    if (!this.dirty) return;
    // Never bring back a home that was deleted or moved meanwhile.
    if (!fs.existsSync(this.sessionsDir)) return;
    const entries: Record<string, IndexEntry> = {};
    for (const [name, e] of this.entries) entries[name] = e;
    try {
      fs.mkdirSync(path.dirname(this.indexFile), { recursive: false });
    } catch {
      // Already there (or the home is read-only: the write below fails quietly too).
    }
    try {
      writeFileAtomicSync(this.indexFile, JSON.stringify({ version: INDEX_VERSION, entries }));
      this.dirty = false;
    } catch {
      // A read-only home still lists; it just starts cold next time.
    }
  }
}

/** A re-read that found the same summary (or the same problem) is not a change. */
function sameContent(a: IndexEntry, b: IndexEntry): boolean {
  if (a.problem !== undefined || b.problem !== undefined) return a.problem === b.problem;
  return a.summary?.updated_at === b.summary?.updated_at && a.summary?.status === b.summary?.status && a.size === b.size && a.ino === b.ino;
}
