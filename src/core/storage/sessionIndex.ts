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
import { idFromSessionFileName } from './ids';
import { parseJsonText } from './readJson';

const INDEX_VERSION = 1;

interface FileIdentity {
  ino: number;
  size: number;
  mtimeMs: number;
}

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

function sameIdentity(a: FileIdentity, b: fs.Stats): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
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
    this.entries.set(name, { ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs, summary: summarize(session, file) });
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
        .filter((d) => (d.isFile() || d.isSymbolicLink()) && d.name.endsWith('.json'))
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
      let entry = this.entries.get(name);
      if (!entry || !sameIdentity(entry, stat)) {
        entry = this.readEntry(name, file, stat);
        this.entries.set(name, entry);
        this.dirty = true;
        changed.push(entry.summary?.id ?? idFromSessionFileName(name) ?? name);
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
    const identity = { ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs };
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
    const entries: Record<string, IndexEntry> = {};
    for (const [name, e] of this.entries) entries[name] = e;
    try {
      fs.mkdirSync(path.dirname(this.indexFile), { recursive: true });
      writeFileAtomicSync(this.indexFile, JSON.stringify({ version: INDEX_VERSION, entries }));
      this.dirty = false;
    } catch {
      // A read-only home still lists; it just starts cold next time.
    }
  }
}
