// `git worktree add/remove/prune` change the repository's `.git/worktrees/*` with no lock of their own: two at
// once (two runs of one repository, or one job's agents) can read each other's half-made entries and fail
// ("failed to read .git/worktrees/x/commondir"). Every such change takes one lock per repository, across processes.
import * as path from 'node:path';
import { withFileLock } from '../storage/fileLock';
import { gitCommonDir } from './head';

/**
 * Runs `fn` (the worktree add/remove/prune of the repository `dir` belongs to) holding the repository's
 * worktree lock. The lock lives in the common git dir, the one place every process and every Prodigy home
 * working on the repository agrees on (git keeps its own locks there too); a holder that died is taken over.
 */
export async function withWorktreeAdmin<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const common = await gitCommonDir(dir);
  return withFileLock(path.join(common, 'prodigy-worktrees.lock'), fn);
}
