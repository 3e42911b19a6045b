// One git worktree per session, laid out as Prodigy's WorktreeManager does (prodigy-workflows.md §6.1 step 4):
// <root>/<repo>/<session-id> on branch prodigy-<session-id>, metadata in <root>/<repo>/.metadata/.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertSafeId, isSafeId } from '../storage/ids';
import { WorktreeExistsError } from './errors';
import { branchExists, currentBranch, defaultBranch, mainWorktreeRoot } from './head';
import { runGit } from './run';
import { withWorktreeAdmin } from './worktreeAdmin';
import { appendCleanupLog, newWorktreeState, readWorktreeState, writeWorktreeState } from './worktreeState';

export interface SessionWorktree {
  /** The worktree's folder. */
  path: string;
  branch: string;
  /** Where the work merges back to; '' when unknown (no metadata, or pre-spec-110 metadata). */
  originalBranch: string;
  /** Top level of the main working tree; '' when it could not be determined. */
  repoRoot: string;
  repoName: string;
  metadataFile: string;
}

export function sessionBranch(sessionId: string): string {
  return `prodigy-${sessionId}`;
}

function layout(worktreesRoot: string, repoName: string, sessionId: string) {
  // Absolute: git resolves a relative path against its cwd (the repo), not ours.
  const repoDir = path.resolve(worktreesRoot, repoName);
  return {
    repoDir,
    path: path.join(repoDir, sessionId),
    metadataDir: path.join(repoDir, '.metadata'),
    metadataFile: path.join(repoDir, '.metadata', `${sessionId}.json`),
  };
}

/** `git worktree add -b prodigy-<id> <root>/<repo>/<id>` from the repo's HEAD, plus its metadata. */
export async function createSessionWorktree(opts: {
  repo: string;
  sessionId: string;
  worktreesRoot: string;
  /** Check out an existing `prodigy-{id}` branch (a session that never started) instead of refusing. */
  reuseBranch?: boolean;
}): Promise<SessionWorktree> {
  const sessionId = assertSafeId(opts.sessionId, 'session id');
  const repoRoot = await mainWorktreeRoot(opts.repo);
  const repoName = path.basename(repoRoot);
  const where = layout(opts.worktreesRoot, repoName, sessionId);
  const branch = sessionBranch(sessionId);
  if (fs.existsSync(where.path)) throw new WorktreeExistsError(sessionId, `folder ${where.path}`);
  // A start that died after `git worktree add` made the branch (and before the session recorded anything) left
  // the branch at the commit it started from: `reuseBranch` checks it out again instead of refusing.
  const reuse = (await branchExists(opts.repo, branch)) && opts.reuseBranch === true;
  if (!reuse && (await branchExists(opts.repo, branch)))
    throw new WorktreeExistsError(sessionId, `branch ${branch} in ${repoRoot}`);

  const originalBranch = (await currentBranch(opts.repo)) ?? (await defaultBranch(opts.repo));
  await withWorktreeAdmin(repoRoot, async () => {
    if (reuse) await runGit(opts.repo, ['worktree', 'prune']);
    await runGit(opts.repo, ['worktree', 'add', ...(reuse ? [where.path, branch] : ['-b', branch, where.path])]);
  });

  writeWorktreeState(where.metadataFile, newWorktreeState(sessionId, branch, originalBranch));
  const gitignore = path.join(where.repoDir, '.gitignore');
  // 'wx': written once, never replacing what a user or Prodigy put there.
  try {
    fs.writeFileSync(gitignore, '.metadata/\n', { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return { path: where.path, branch, originalBranch, repoRoot, repoName, metadataFile: where.metadataFile };
}

/** `<root>/<any repo>/<sessionId>` as `prodigy resume` looks it up; the first root that has it wins. */
export async function findSessionWorktree(
  worktreesRoots: string[],
  sessionId: string,
): Promise<SessionWorktree | null> {
  if (!isSafeId(sessionId)) return null;
  for (const root of worktreesRoots) {
    for (const repoName of subfolders(root)) {
      const wt = await sessionWorktreeAt(root, repoName, sessionId);
      if (wt) return wt;
    }
  }
  return null;
}

/**
 * Every `<root>/<repo>/<name>` folder that is a git worktree, in root order. MapReduce agent slots
 * (`mapreduce-agent-…`, under a folder named after their session) are the engine's, not sessions'.
 */
export async function listSessionWorktrees(worktreesRoots: string[]): Promise<SessionWorktree[]> {
  const found: SessionWorktree[] = [];
  for (const root of [...new Set(worktreesRoots.map((r) => path.resolve(r)))]) {
    for (const repoName of subfolders(root)) {
      for (const name of subfolders(path.join(root, repoName))) {
        if (name.startsWith('mapreduce-agent-') || !isSafeId(name)) continue;
        // A linked worktree has a `.git` file; anything else here is not ours to list or remove.
        if (!fs.statSync(path.join(root, repoName, name, '.git'), { throwIfNoEntry: false })?.isFile()) continue;
        // A damaged metadata file must not hide the worktree (nor the others) from a listing.
        const wt = await sessionWorktreeAt(root, repoName, name, { badMetadata: 'ignore' });
        if (wt) found.push(wt);
      }
    }
  }
  return found;
}

function subfolders(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && e.name !== '.metadata')
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

async function sessionWorktreeAt(
  root: string,
  repoName: string,
  sessionId: string,
  opts: { badMetadata?: 'throw' | 'ignore' } = {},
): Promise<SessionWorktree | null> {
  const where = layout(root, repoName, sessionId);
  if (!fs.statSync(where.path, { throwIfNoEntry: false })?.isDirectory()) return null;
  let branch = sessionBranch(sessionId);
  let originalBranch = '';
  if (fs.existsSync(where.metadataFile)) {
    try {
      const state = readWorktreeState(where.metadataFile);
      branch = state.branch;
      originalBranch = state.original_branch;
    } catch (err) {
      if (opts.badMetadata !== 'ignore') throw err;
    }
  }
  const repoRoot = await mainWorktreeRoot(where.path).catch(() => '');
  return { path: where.path, branch, originalBranch, repoRoot, repoName, metadataFile: where.metadataFile };
}

/**
 * `git worktree remove [--force]`, then optionally `git branch -D`, then the metadata file goes and a
 * line is appended to `.metadata/cleanup.log`. A worktree folder already deleted by hand is pruned instead.
 */
export async function removeSessionWorktree(
  wt: SessionWorktree,
  opts: { deleteBranch?: boolean; force?: boolean } = {},
): Promise<void> {
  const repoRoot = wt.repoRoot || (await mainWorktreeRoot(wt.path));
  await withWorktreeAdmin(repoRoot, () =>
    fs.existsSync(wt.path)
      ? runGit(repoRoot, ['worktree', 'remove', ...(opts.force ? ['--force'] : []), wt.path])
      : runGit(repoRoot, ['worktree', 'prune']),
  );
  if (opts.deleteBranch && (await branchExists(repoRoot, wt.branch))) {
    await runGit(repoRoot, ['branch', '-D', wt.branch]);
  }
  const name = path.basename(wt.path);
  let merged = false;
  try {
    merged = readWorktreeState(wt.metadataFile).merged;
  } catch {
    // Missing or unreadable metadata: it is being deleted anyway.
  }
  fs.rmSync(wt.metadataFile, { force: true });
  // Prodigy's exact line for merged sessions; anything else must not claim it was merged.
  const what = merged ? 'Cleaned up merged worktree session' : 'Removed worktree session';
  appendCleanupLog(path.dirname(wt.metadataFile), `${what}: ${name} (branch: ${wt.branch})`);
}
