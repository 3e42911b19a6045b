// `clean logs|state|events|dlq|all`: Prodigy's clean family over the home's per-run folders (prodigy-formats §10:
// H/events/{repo}/{job}/, H/dlq/{repo}/{job}/, H/state/{repo}/mapreduce/, logs). Each file or folder is traced to
// the session it belongs to (a path part that is a session id or a MapReduce job id), and nothing of a session
// that is running or resumable (Paused, Failed, interrupted) is removed. Records themselves are never touched:
// `sessions clean` moves whole sessions aside.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { errorMessage } from '../errors';
import { isResumable } from '../lifecycle/transitions';
import type { SessionStatus } from '../model/session';
import { liveLockHolder } from './resumeLock';
import type { SessionManager } from './sessionManager';

export const CLEAN_KINDS = ['logs', 'state', 'events', 'dlq'] as const;
export type CleanKind = (typeof CLEAN_KINDS)[number];

export interface CleanEntry {
  kind: CleanKind;
  /** A file or a folder, removed whole. */
  path: string;
  bytes: number;
  /** The newest change inside it. */
  mtimeMs: number;
  /** The session it belongs to; null when no path part names one. */
  sessionId: string | null;
  status: SessionStatus | null;
  /** Why it stays; absent when it goes (or would). */
  kept?: { reason: 'running' | 'resumable' | 'maybe-active'; message: string };
  error?: string;
}

export interface CleanPlan {
  entries: CleanEntry[];
  /** Left out without a word each: newer than --older-than, or another repository's (or no session's, without --all-repos). */
  newer: number;
  otherRepos: number;
}

export interface CleanOptions {
  kinds: readonly CleanKind[];
  /** Only what last changed more than this long ago; 0: any age. */
  olderThanMs: number;
  /** The repository name (a folder's base name, as Prodigy's {repo}) to keep to; null: every repository. */
  repo: string | null;
}

interface Owner {
  id: string;
  status: SessionStatus;
  startedMs: number;
}

/** What `clean` would remove and what it keeps, and why. Nothing is changed. */
export async function planHomeCleanup(manager: SessionManager, opts: CleanOptions): Promise<CleanPlan> {
  const { sessions } = await manager.listSessions();
  const byName = new Map<string, Owner>();
  for (const s of sessions) {
    const owner = { id: s.id, status: s.status, startedMs: Date.parse(s.started_at) };
    byName.set(s.id, owner);
    if (s.mapreduce?.job_id) byName.set(s.mapreduce.job_id, owner);
  }
  const active = (o: Owner) => liveLockHolder(manager.paths.resumeLocksDir, o.id) !== null;
  const protectedOwners = sessions
    .map((s) => byName.get(s.id)!)
    .filter((o) => active(o) || isResumable(o.status))
    .sort((a, b) => a.startedMs - b.startedMs);
  const repoOf = repoNames(manager);
  const cutoff = Date.now() - opts.olderThanMs;
  const plan: CleanPlan = { entries: [], newer: 0, otherRepos: 0 };
  for (const unit of units(manager, opts.kinds)) {
    const owner = unit.names.map((n) => byName.get(n)).find((o) => o !== undefined) ?? null;
    if (opts.repo !== null) {
      const inRepo = owner ? (await repoOf(owner.id)) === opts.repo : unit.names.includes(opts.repo);
      if (!inRepo) {
        plan.otherRepos++;
        continue;
      }
    }
    const { bytes, mtimeMs } = measure(unit.path);
    if (opts.olderThanMs > 0 && mtimeMs > cutoff) {
      plan.newer++;
      continue;
    }
    const entry: CleanEntry = {
      kind: unit.kind,
      path: unit.path,
      bytes,
      mtimeMs,
      sessionId: owner?.id ?? null,
      status: owner?.status ?? null,
    };
    if (owner && active(owner)) entry.kept = { reason: 'running', message: `session ${owner.id} is running` };
    else if (owner && isResumable(owner.status))
      entry.kept = { reason: 'resumable', message: `session ${owner.id} is ${owner.status} and can be resumed` };
    else if (!owner) {
      // Nothing in its path names a session (a Claude stream): it may be a running or resumable session's if
      // it was written after that session started. Keeping one too many is the safe mistake.
      const maybe = protectedOwners.find((o) => o.startedMs <= mtimeMs);
      if (maybe)
        entry.kept = {
          reason: 'maybe-active',
          message: `written since session ${maybe.id} (${maybe.status}) started, and may be its`,
        };
    }
    plan.entries.push(entry);
  }
  return plan;
}

/** Removes the entries a plan lets go (checking again that their session is not running now). */
export function removeCleanEntries(manager: SessionManager, plan: CleanPlan): CleanEntry[] {
  const removed: CleanEntry[] = [];
  for (const e of plan.entries) {
    if (e.kept) continue;
    if (e.sessionId && liveLockHolder(manager.paths.resumeLocksDir, e.sessionId) !== null) {
      e.kept = { reason: 'running', message: `session ${e.sessionId} started running meanwhile` };
      continue;
    }
    try {
      fs.rmSync(e.path, { recursive: true, force: true });
      removed.push(e);
      pruneEmptyParents(path.dirname(e.path), kindRoot(manager, e.kind, e.path));
    } catch (err) {
      e.error = errorMessage(err);
    }
  }
  return removed;
}

interface Unit {
  kind: CleanKind;
  path: string;
  /** The path's parts below the kind's folder: any may be a session id or a job id. */
  names: string[];
}

function* units(manager: SessionManager, kinds: readonly CleanKind[]): Generator<Unit> {
  const h = manager.home;
  for (const kind of kinds) {
    if (kind === 'events') {
      // H/events/{repo}/{job}/events-*.jsonl: each file (a job's files age one by one).
      for (const repo of dirs(path.join(h, 'events')))
        for (const job of dirs(path.join(h, 'events', repo)))
          for (const f of files(path.join(h, 'events', repo, job)))
            yield { kind, path: path.join(h, 'events', repo, job, f), names: [repo, job] };
    } else if (kind === 'dlq') {
      // H/dlq/{repo}/{job}/…: a job's queue, whole (items and index.json go together).
      for (const repo of dirs(path.join(h, 'dlq')))
        for (const job of dirs(path.join(h, 'dlq', repo)))
          yield { kind, path: path.join(h, 'dlq', repo, job), names: [repo, job] };
    } else if (kind === 'state') {
      // H/state/{repo}/mapreduce: each job's state folder (checkpoint-v*.json + metadata.json), whole. A session's own
      // H/state/{id}/checkpoints and snapshots are its restore points: sessions clean moves them with the session.
      for (const repo of dirs(path.join(h, 'state'))) {
        const mr = path.join(h, 'state', repo, 'mapreduce');
        for (const job of dirs(path.join(mr, 'jobs')))
          yield { kind, path: path.join(mr, 'jobs', job), names: [repo, job] };
        for (const other of entries(mr))
          if (other !== 'jobs') yield { kind, path: path.join(mr, other), names: [repo] };
      }
    } else {
      // Our session logs H/vscode/logs/{id}.log and {id}/ (agents'), then Prodigy's H/logs/{repo}/… and the kept
      // Claude streams H/logs/claude-streaming/*.jsonl, file by file.
      for (const name of entries(manager.paths.logsDir))
        yield { kind, path: path.join(manager.paths.logsDir, name), names: [name.replace(/\.log$/, '')] };
      for (const repo of dirs(path.join(h, 'logs')))
        for (const f of files(path.join(h, 'logs', repo), true))
          yield { kind, path: path.join(h, 'logs', repo, f), names: [repo, ...f.split(path.sep)] };
    }
  }
}

function kindRoot(manager: SessionManager, kind: CleanKind, p: string): string {
  if (kind === 'logs')
    return p.startsWith(manager.paths.logsDir) ? manager.paths.logsDir : path.join(manager.home, 'logs');
  return path.join(manager.home, kind);
}

/** Removes folders left empty, up to (not including) `root`. */
function pruneEmptyParents(dir: string, root: string): void {
  for (let d = dir; d.startsWith(root + path.sep); d = path.dirname(d)) {
    try {
      fs.rmdirSync(d);
    } catch {
      return; // not empty (or gone): the folders above are not empty either
    }
  }
}

/** The repository each session ran in, as Prodigy names it: its project folder's base name (read once each). */
function repoNames(manager: SessionManager): (id: string) => Promise<string | null> {
  const cache = new Map<string, string | null>();
  return async (id) => {
    if (!cache.has(id)) {
      const project = await manager
        .getSession(id)
        .then((s) => s.metadata.project_dir)
        .catch(() => null);
      cache.set(id, typeof project === 'string' ? path.basename(path.resolve(project)) : null);
    }
    return cache.get(id)!;
  };
}

function entries(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function dirs(dir: string): string[] {
  return entries(dir).filter((n) => fs.statSync(path.join(dir, n), { throwIfNoEntry: false })?.isDirectory());
}

/** Files in `dir` (with `deep`, also in its subfolders, as relative paths). */
function files(dir: string, deep = false): string[] {
  const out: string[] = [];
  for (const n of entries(dir)) {
    const st = fs.lstatSync(path.join(dir, n), { throwIfNoEntry: false });
    if (st?.isFile()) out.push(n);
    else if (deep && st?.isDirectory()) for (const f of files(path.join(dir, n), true)) out.push(path.join(n, f));
  }
  return out;
}

/** Total size and newest change of a file or a folder's files. */
function measure(p: string): { bytes: number; mtimeMs: number } {
  const st = fs.lstatSync(p, { throwIfNoEntry: false });
  if (!st) return { bytes: 0, mtimeMs: 0 };
  if (!st.isDirectory()) return { bytes: st.size, mtimeMs: st.mtimeMs };
  let bytes = 0;
  let mtimeMs = st.mtimeMs;
  for (const n of entries(p)) {
    const inner = measure(path.join(p, n));
    bytes += inner.bytes;
    mtimeMs = Math.max(mtimeMs, inner.mtimeMs);
  }
  return { bytes, mtimeMs };
}
