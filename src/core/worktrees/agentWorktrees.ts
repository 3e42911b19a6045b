// MapReduce agent worktrees a crash left behind (`worktree clean-orphaned`, `worktree clean --mapreduce`): the
// folders named mapreduce-agent-… under the worktree roots, those in Prodigy's orphaned registry
// (H/orphaned_worktrees/{repo}/{job_id}.json, formats §9.5; Prodigy itself reads ~/.prodigy), and those git still
// lists. A run removes its own agent slots when its map phase ends, so any of these whose job is not running is
// left over. The rules are worktree clean's: never one in use, never uncommitted changes without force, never a
// branch whose commits are on no other branch.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { errorMessage } from '../errors';
import { branchExists, mainWorktreeRoot, runGit, uncommittedFiles, withWorktreeAdmin } from '../git';
import type { SessionStatus } from '../model/session';
import { writeFileAtomicSync } from '../storage/atomicFile';
import { liveLockHolder } from '../sessions/resumeLock';
import { plural } from '../sessions/describe';
import type { SessionManager } from '../sessions/sessionManager';
import { fileList } from './sessionWorktrees';
import { worktreeRoots } from './sessionFolder';

const PREFIX = 'mapreduce-agent-';

export interface AgentWorktreeDecision {
  path: string;
  /** Still on disk (a registry entry or git's list may name a folder already gone). */
  exists: boolean;
  jobId: string | null;
  sessionId: string | null;
  status: SessionStatus | null;
  branch: string | null;
  /** The orphaned-registry file that names it, if any. */
  registry: string | null;
  /** Why it stays; absent when it goes (or would). `refused`: against what was asked (uncommitted changes). */
  kept?: { reason: 'running' | 'uncommitted' | 'other-home'; message: string; refused: boolean };
  /** What happened to its branch: deleted (its commits are on another branch), or kept and why. */
  branchResult?: { deleted: boolean; message: string };
  error?: string;
}

export interface AgentCleanOptions {
  /** Only this job's (a job id, or the session id whose job it is). */
  jobId?: string;
  /** Only those last changed more than this long ago. */
  olderThanMs?: number;
  /** Remove despite uncommitted changes. */
  force?: boolean;
  dryRun?: boolean;
}

export interface AgentCleanReport {
  dryRun: boolean;
  decisions: AgentWorktreeDecision[];
  /** Left out by --older-than. */
  newer: number;
}

interface Candidate {
  path: string;
  parent: string | null;
  jobId: string | null;
  branch: string | null;
  repo: string | null;
  registry: string | null;
}

interface RegistryEntry {
  path?: unknown;
  [key: string]: unknown;
}

/** Where Prodigy keeps the orphaned-worktree registry: under the home, and under ~/.prodigy (where Prodigy looks). */
function registryRoots(manager: SessionManager): string[] {
  return [
    ...new Set([
      path.join(manager.home, 'orphaned_worktrees'),
      path.join(os.homedir(), '.prodigy', 'orphaned_worktrees'),
    ]),
  ];
}

/** `{job}_slot3` (ours) or `{job}_agent_3…` (Prodigy's agent ids): the job id in an agent worktree's name. */
function jobOfName(name: string): string | null {
  const m = /^(.+?)_(slot\d+|agent_\d+.*)$/.exec(name.slice(PREFIX.length));
  return m ? m[1] : null;
}

async function candidates(manager: SessionManager, repos: Set<string>): Promise<Map<string, Candidate>> {
  const found = new Map<string, Candidate>();
  const add = (c: Candidate) => {
    const key = path.resolve(c.path);
    const had = found.get(key);
    found.set(key, {
      path: key,
      parent: had?.parent ?? c.parent,
      jobId: had?.jobId ?? c.jobId,
      branch: had?.branch ?? c.branch,
      repo: had?.repo ?? c.repo,
      registry: had?.registry ?? c.registry,
    });
  };
  for (const root of worktreeRoots(manager))
    for (const parent of names(root))
      for (const name of names(path.join(root, parent)))
        if (name.startsWith(PREFIX))
          add({
            path: path.join(root, parent, name),
            parent,
            jobId: jobOfName(name),
            branch: null,
            repo: null,
            registry: null,
          });
  for (const root of registryRoots(manager))
    for (const repo of names(root))
      for (const file of names(path.join(root, repo)).filter((n) => n.endsWith('.json'))) {
        const registry = path.join(root, repo, file);
        for (const entry of readRegistry(registry))
          if (typeof entry.path === 'string')
            add({
              path: entry.path,
              parent: null,
              jobId: file.slice(0, -'.json'.length),
              branch: null,
              repo: null,
              registry,
            });
      }
  for (const c of found.values()) {
    if (!fs.existsSync(c.path)) continue;
    const repo = await mainWorktreeRoot(c.path).catch(() => '');
    if (repo) repos.add(repo);
  }
  // git's own list: an agent worktree whose folder was deleted by hand is still registered there (prunable).
  for (const repo of repos) {
    const list = await runGit(repo, ['worktree', 'list', '--porcelain'], { allowFail: true });
    for (const block of list.stdout.split('\n\n')) {
      const wt = /^worktree (.+)$/m.exec(block)?.[1];
      if (!wt || !path.basename(wt).startsWith(PREFIX)) continue;
      const branch = /^branch refs\/heads\/(.+)$/m.exec(block)?.[1] ?? null;
      add({
        path: wt,
        parent: path.basename(path.dirname(wt)),
        jobId: jobOfName(path.basename(wt)),
        branch,
        repo,
        registry: null,
      });
    }
  }
  return found;
}

/**
 * What `worktree clean-orphaned` / `clean --mapreduce` would do with each agent worktree left behind, and (unless
 * dryRun) does it: removes the worktree, deletes its branch when its commits are on another branch, and drops the
 * registry entries of worktrees that are gone.
 */
export async function cleanAgentWorktrees(
  manager: SessionManager,
  opts: AgentCleanOptions = {},
): Promise<AgentCleanReport> {
  const { sessions } = await manager.listSessions();
  const owners = new Map<string, { id: string; status: SessionStatus }>();
  const repos = new Set<string>();
  for (const s of sessions) {
    if (!s.mapreduce) continue;
    owners.set(s.mapreduce.job_id, { id: s.id, status: s.status });
    owners.set(s.id, { id: s.id, status: s.status });
  }
  const wanted = opts.jobId === undefined ? null : (owners.get(opts.jobId)?.id ?? opts.jobId);
  const ownRoot = path.resolve(manager.paths.worktreesDir);
  const report: AgentCleanReport = { dryRun: Boolean(opts.dryRun), decisions: [], newer: 0 };
  const cutoff = Date.now() - (opts.olderThanMs ?? 0);
  for (const c of (await candidates(manager, repos)).values()) {
    const owner = (c.jobId && owners.get(c.jobId)) || (c.parent && owners.get(c.parent)) || null;
    if (wanted !== null && owner?.id !== wanted && c.jobId !== opts.jobId) continue;
    const stat = fs.statSync(c.path, { throwIfNoEntry: false });
    if (opts.olderThanMs && stat && stat.mtimeMs > cutoff) {
      report.newer++;
      continue;
    }
    const d: AgentWorktreeDecision = {
      path: c.path,
      exists: Boolean(stat),
      jobId: c.jobId,
      sessionId: owner?.id ?? null,
      status: owner?.status ?? null,
      branch: c.branch,
      registry: c.registry,
    };
    report.decisions.push(d);
    const pid = owner ? liveLockHolder(manager.paths.resumeLocksDir, owner.id) : null;
    if (pid !== null) {
      d.kept = { reason: 'running', message: `its job is running (session ${owner!.id}, PID ${pid})`, refused: false };
      continue;
    }
    // Another home's job may be running: the shared ~/.prodigy/worktrees holds every home's. Named, it goes.
    if (!owner && !c.registry && !c.path.startsWith(ownRoot + path.sep) && wanted === null) {
      d.kept = {
        reason: 'other-home',
        message: `no session of this home ran job ${c.jobId ?? '?'} (name the job to remove it)`,
        refused: false,
      };
      continue;
    }
    if (d.exists) {
      if (!d.branch) d.branch = await currentBranch(c.path);
      let files: string[];
      try {
        files = await uncommittedFiles(c.path);
      } catch (err) {
        files = [];
        d.error = `cannot tell whether it has uncommitted changes: ${errorMessage(err)}`;
        continue;
      }
      if (files.length && !opts.force) {
        d.kept = {
          reason: 'uncommitted',
          message: `${plural(files.length, 'uncommitted file')}: ${fileList(files)}; pass --force to remove it anyway`,
          refused: true,
        };
        continue;
      }
    }
    const repo = c.repo || (d.exists ? await mainWorktreeRoot(c.path).catch(() => '') : ([...repos][0] ?? ''));
    d.branchResult = repo && d.branch ? await branchFate(repo, d.branch) : undefined;
    if (opts.dryRun) continue;
    try {
      if (repo)
        await withWorktreeAdmin(repo, () =>
          d.exists
            ? runGit(repo, ['worktree', 'remove', '--force', c.path])
            : runGit(repo, ['worktree', 'prune'], { allowFail: true }),
        );
      else if (d.exists) throw new Error('git does not know it as a worktree of any repository');
      if (repo && d.branch && d.branchResult?.deleted) await runGit(repo, ['branch', '-D', d.branch]);
    } catch (err) {
      d.error = errorMessage(err);
    }
  }
  if (!opts.dryRun) pruneRegistries(report.decisions);
  return report;
}

/** A branch may go when its tip is on another branch too (merged into the session's, or the original's): no commit is lost. */
async function branchFate(repo: string, branch: string): Promise<{ deleted: boolean; message: string }> {
  if (!(await branchExists(repo, branch))) return { deleted: false, message: `branch ${branch} was already gone` };
  const r = await runGit(repo, ['for-each-ref', '--format=%(refname:short)', '--contains', branch, 'refs/heads'], {
    allowFail: true,
  });
  const others = r.stdout.split('\n').filter((b) => b && b !== branch && !b.startsWith(`prodigy-${PREFIX}`));
  if (r.code === 0 && others.length)
    return { deleted: true, message: `deleted branch ${branch} (its commits are on ${others[0]})` };
  return {
    deleted: false,
    message: `kept branch ${branch}: its commits are on no other branch (git branch -D ${branch} drops them)`,
  };
}

async function currentBranch(dir: string): Promise<string | null> {
  const r = await runGit(dir, ['symbolic-ref', '--short', '-q', 'HEAD'], { allowFail: true });
  return r.code === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

/** Drops the registry entries whose worktree is gone now; a registry left empty is removed. */
function pruneRegistries(decisions: AgentWorktreeDecision[]): void {
  for (const file of new Set(decisions.map((d) => d.registry).filter((r): r is string => r !== null))) {
    const left = readRegistry(file).filter((e) => typeof e.path !== 'string' || fs.existsSync(e.path));
    if (left.length === 0) fs.rmSync(file, { force: true });
    else writeFileAtomicSync(file, `${JSON.stringify(left, null, 2)}\n`);
  }
}

function readRegistry(file: string): RegistryEntry[] {
  try {
    const value = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    return Array.isArray(value) ? (value.filter((e) => e && typeof e === 'object') as RegistryEntry[]) : [];
  } catch {
    return [];
  }
}

function names(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
}
