// Git's lock files that a killed git leaves behind. Git removes its own `….lock` files on any exit it lives
// through (a signal included), but not after kill -9 or a power cut: then every later command that needs the
// same lock fails with "Unable to create '….lock': File exists", and a resume could not commit again. Only the
// locks of one worktree (its index, its HEAD, its branch) are looked at, and only from before `since`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runGit } from './run';

/**
 * Removes the lock files of `worktree`'s index, HEAD and checked-out branch that are older than `since` (ms since
 * the epoch); returns the files removed. For a session's own worktree after its run was interrupted: nothing
 * else works there, so such a lock can only be the interrupted run's.
 */
export async function removeLeftGitLocks(worktree: string, since: number): Promise<string[]> {
  const r = await runGit(
    worktree,
    ['rev-parse', '--absolute-git-dir', '--git-common-dir', '--symbolic-full-name', 'HEAD'],
    {
      allowFail: true,
    },
  );
  if (r.code !== 0) return [];
  const [gitDir, commonDir, head] = r.stdout.split('\n');
  if (!gitDir || !commonDir) return [];
  const common = path.resolve(worktree, commonDir);
  const candidates = ['index.lock', 'HEAD.lock', 'ORIG_HEAD.lock', 'MERGE_HEAD.lock'].map((n) => path.join(gitDir, n));
  if (head?.startsWith('refs/heads/')) candidates.push(path.join(common, `${head}.lock`));
  const removed: string[] = [];
  for (const file of candidates) {
    try {
      if (fs.statSync(file).mtimeMs >= since) continue;
      fs.rmSync(file);
      removed.push(file);
    } catch {
      // None there (the usual case), or gone meanwhile.
    }
  }
  return removed;
}
