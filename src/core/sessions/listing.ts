// Listing sessions, newest first, from the session index: a full check of every file's identity, or for a
// new process's first page, the persisted index with only the shown rows checked. Changes other processes
// made are reported as external change events; the index is persisted at most every two seconds.
import { ACTIVE_STATUSES } from '../lifecycle/transitions';
import { matchesFilter, type SessionFilter } from './filter';
import type { RecordStore } from './recordStore';
import { sortNewestFirst, type SessionSummary, type UnreadableFile } from './summary';

export interface SessionListing {
  sessions: SessionSummary[];
  /** Sessions matching the filter before `limit`/`offset` were applied. */
  total: number;
  unreadable: UnreadableFile[];
}

const INDEX_PERSIST_INTERVAL_MS = 2_000;

export class SessionLister {
  private persistTimer: NodeJS.Timeout | undefined;
  private lastPersist = 0;
  private sorted: { generation: number; sessions: SessionSummary[] } | undefined;

  constructor(private readonly records: RecordStore) {}

  private get index() {
    return this.records.index;
  }

  list(filter: SessionFilter = {}): SessionListing {
    const page = filter.limit !== undefined && isUnfiltered(filter) ? this.coldFirstPage(filter) : null;
    if (page) return page;
    const scan = this.index.scan();
    this.emitExternalChanges(scan.changed, scan.removed, scan.sessions);
    this.schedulePersist();
    const matching = this.sortedAll(scan.sessions).filter((s) => matchesFilter(s, filter));
    const offset = filter.offset ?? 0;
    const end = filter.limit !== undefined ? offset + filter.limit : undefined;
    return { sessions: matching.slice(offset, end), total: matching.length, unreadable: scan.unreadable };
  }

  /**
   * Re-checks just these sessions' files (another process writes them: a detached run) and reports each change as
   * an event, without listing the whole folder.
   */
  refresh(ids: string[]): void {
    for (const id of ids) {
      if (!this.index.verify([id])) continue;
      const summary = this.index.summaryOf(id);
      if (summary) this.records.emit({ kind: 'upsert', id, summary, external: true });
    }
  }

  active(): SessionSummary[] {
    return this.list({ status: ACTIVE_STATUSES }).sessions;
  }

  /** Persists the listing cache now (the CLI calls this before it exits). */
  close(): void {
    if (this.persistTimer) clearTimeout(this.persistTimer);
    this.persistTimer = undefined;
    this.index.persist();
  }

  /**
   * A new process's first page (a window opening on 10,000 sessions): built from the persisted
   * index, with only the rows shown checked against their files; the full check runs right after
   * and reports anything else that changed as events (the tree updates those rows).
   */
  private coldFirstPage(filter: SessionFilter): SessionListing | null {
    const quick = this.index.quickScan();
    if (!quick) return null;
    const offset = filter.offset ?? 0;
    const end = offset + (filter.limit ?? 0);
    let sorted = sortNewestFirst(quick.sessions);
    if (this.index.verify(sorted.slice(offset, end).map((s) => s.id))) {
      // A shown row changed (or went): fall back to the full check, which is always right.
      return null;
    }
    setImmediate(() => {
      try {
        const scan = this.index.scan();
        this.emitExternalChanges(scan.changed, scan.removed, scan.sessions);
        this.schedulePersist();
      } catch {
        // the next listing scans again
      }
    });
    sorted = sorted.slice(offset, end);
    return { sessions: sorted, total: quick.sessions.length, unreadable: quick.unreadable };
  }

  /** Every readable session, newest first; sorted again only after an entry of the index changed. */
  private sortedAll(sessions: SessionSummary[]): SessionSummary[] {
    const generation = this.index.generation;
    if (this.sorted?.generation !== generation || this.sorted.sessions.length !== sessions.length) {
      this.sorted = { generation, sessions: sortNewestFirst(sessions) };
    }
    return this.sorted.sessions;
  }

  private emitExternalChanges(changed: string[], removed: string[], sessions: SessionSummary[]): void {
    if (changed.length === 0 && removed.length === 0) return;
    const byId = new Map(sessions.map((s) => [s.id, s]));
    for (const id of changed) {
      const summary = byId.get(id);
      if (summary) this.records.emit({ kind: 'upsert', id, summary, external: true });
    }
    for (const id of removed) this.records.emit({ kind: 'delete', id, external: true });
  }

  private schedulePersist(): void {
    if (this.persistTimer) return;
    const wait = Math.max(0, this.lastPersist + INDEX_PERSIST_INTERVAL_MS - Date.now());
    this.persistTimer = setTimeout(() => {
      this.persistTimer = undefined;
      this.lastPersist = Date.now();
      this.index.persist();
    }, wait);
    this.persistTimer.unref();
  }
}

function isUnfiltered(f: SessionFilter): boolean {
  return f.status === undefined && !f.type && !f.after && !f.before && !f.worktree && !f.text;
}
