// Session records on disk: the per-session lock, fresh reads (from a cache only when the file is provably
// unchanged), validated atomic writes, and the change events every write emits. The façade and its sibling
// modules (checkpoints, listing) share one instance.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import { CorruptFileError, SessionExistsError, SessionNotFoundError } from '../errors';
import { toPrettyJson } from '../model/serde';
import { UnifiedSession } from '../model/session';
import { writeFileAtomicSync } from '../storage/atomicFile';
import { createExclusiveSync } from '../storage/exclusiveFile';
import { withFileLock } from '../storage/fileLock';
import { canReuse, identityOf, racyWindowFor, type FileIdentity } from '../storage/fileIdentity';
import type { HomePaths } from '../storage/paths';
import { parseSessionText } from '../storage/readJson';
import { notRegularReason, readRegularTextSync } from '../storage/readRegularFile';
import type { SessionIndex } from './sessionIndex';
import { summarize, type SessionSummary } from './summary';

export type SessionChange =
  | { kind: 'upsert'; id: string; summary: SessionSummary; external: boolean }
  | { kind: 'delete'; id: string; external: boolean };

/** The text last read or written: parsing it gives every caller its own copy, already valid. */
interface CachedSession extends FileIdentity {
  text: string;
}

const CACHE_LIMIT = 256;

export class RecordStore {
  private readonly cache = new Map<string, CachedSession>();
  private readonly events = new EventEmitter();

  constructor(
    readonly paths: HomePaths,
    readonly index: SessionIndex,
  ) {
    this.events.setMaxListeners(50);
  }

  onDidChange(listener: (change: SessionChange) => void): () => void {
    this.events.on('change', listener);
    return () => this.events.off('change', listener);
  }

  emit(change: SessionChange): void {
    if (this.events.listenerCount('change') > 0) this.events.emit('change', change);
  }

  /** Runs `fn` under the session's cross-process lock. */
  withLock<T>(id: string, fn: () => T | Promise<T>): Promise<T> {
    return withFileLock(this.paths.sessionLock(id), fn);
  }

  /** The current record, from cache only when the file is provably unchanged. */
  readFresh(id: string): UnifiedSession {
    const file = this.paths.sessionFile(id);
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (!stat) throw new SessionNotFoundError(id, file);
    const problem = notRegularReason(stat);
    if (problem) throw new CorruptFileError(file, problem);
    const cached = this.cache.get(id);
    if (cached && canReuse(cached, stat, racyWindowFor(this.paths.sessionsDir, this.paths.timestampsFile)))
      return JSON.parse(cached.text) as UnifiedSession;
    const text = readRegularTextSync(file, 'session file');
    if (cached?.text === text) {
      // Unchanged, only too recent to trust its mtime (our own write a moment ago, usually): the
      // text was validated when it was cached.
      this.remember(id, stat, text);
      return JSON.parse(text) as UnifiedSession;
    }
    const session = parseSessionText(file, text, id);
    this.remember(id, stat, text);
    return session;
  }

  /** Writes a record (temp file, fsync, rename); the caller holds the session's lock. */
  write(next: UnifiedSession, options: { validated?: boolean } = {}): UnifiedSession {
    return this.store(next, options.validated === true, (file, text) => writeFileAtomicSync(file, text));
  }

  /**
   * Writes a new record, or throws SessionExistsError: temp file, fsync, then link(), which fails if the name
   * exists, so of several processes creating one id exactly one succeeds, without a lock.
   */
  create(next: UnifiedSession): UnifiedSession {
    return this.store(next, false, (file, text) => {
      const stat = createExclusiveSync(file, text, { durable: true });
      if (!stat) throw new SessionExistsError(next.id);
      return stat;
    });
  }

  private store(
    next: UnifiedSession,
    validated: boolean,
    put: (file: string, text: string) => fs.Stats,
  ): UnifiedSession {
    // Validating what we write keeps every key Prodigy needs and serde's key order.
    const session = validated ? next : UnifiedSession.parse(next);
    const file = this.paths.sessionFile(session.id);
    const text = toPrettyJson(session);
    const stat = put(file, text);
    this.remember(session.id, stat, text);
    const summary = summarize(session, file);
    this.index.remember(`${session.id}.json`, stat, summary);
    this.emit({ kind: 'upsert', id: session.id, summary, external: false });
    // The cache keeps text, not this object, so the caller may change it freely.
    return session;
  }

  /** Drops what is known of a record that was moved away. */
  forget(id: string): void {
    this.cache.delete(id);
    this.index.forget(`${id}.json`);
  }

  private remember(id: string, stat: fs.Stats, text: string): void {
    this.cache.delete(id);
    this.cache.set(id, { ...identityOf(stat), text });
    if (this.cache.size > CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value as string);
  }
}
