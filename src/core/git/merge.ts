// Merging a session's branch back (prodigy-workflows.md §6.9): a plain `git merge --no-ff` in the
// main working tree, refused up front whenever it could disturb the user's checkout.
import { GitError, MergeRefusedError } from './errors';
import { branchExists, commitExists, countCommits, currentBranch, headCommit, mainWorktreeRoot } from './head';
import { changedFiles, trackedStatus, untrackedFiles } from './changes';
import { runGit } from './run';

export type MergeResult =
  | { status: 'up-to-date' }
  | { status: 'merged'; commits: number; mergeCommit: string; resolved?: string[] }
  | { status: 'conflict'; conflicts: string[] };

/**
 * Given a merge stopped on conflicts (in progress in `dir`, the files listed), tries to resolve and commit it
 * (Claude, with `--merge-conflicts claude`). Whatever it does, the merge counts only if `resolvedMerge` says so.
 */
export type ConflictResolver = (a: {
  dir: string;
  conflicts: string[];
  branch: string;
  target: string;
}) => Promise<void>;

/**
 * Whether a conflicted merge of `branch` was resolved and committed: no merge in progress, no unmerged file,
 * HEAD moved from `before` to a commit that has `branch` in its history, and no conflict marker left in the
 * files that conflicted. If not, everything the resolver did is undone (`git merge --abort`, or back to `before`
 * keeping local changes), so the checkout is exactly as if the merge had been aborted at once.
 */
export async function settleResolution(
  dir: string,
  a: { branch: string; before: string; conflicts: string[] },
): Promise<boolean> {
  const inProgress = await commitExists(dir, 'MERGE_HEAD');
  const unmerged = (await runGit(dir, ['diff', '--name-only', '--diff-filter=U', '-z'], { allowFail: true })).stdout;
  const head = await headCommit(dir).catch(() => a.before);
  let ok = !inProgress && !unmerged && head !== a.before;
  if (ok) ok = (await runGit(dir, ['merge-base', '--is-ancestor', a.branch, 'HEAD'], { allowFail: true })).code === 0;
  if (ok && a.conflicts.length) {
    // `git grep` exits 1 when nothing matches: markers left behind mean the resolution is not one.
    const markers = await runGit(dir, ['grep', '-l', '-E', '^(<<<<<<< |>>>>>>> )', 'HEAD', '--', ...a.conflicts], {
      allowFail: true,
    });
    ok = markers.code === 1;
  }
  if (ok) return true;
  if (await commitExists(dir, 'MERGE_HEAD')) await runGit(dir, ['merge', '--abort'], { allowFail: true });
  if ((await headCommit(dir).catch(() => a.before)) !== a.before)
    await runGit(dir, ['reset', '--merge', a.before], { allowFail: true });
  return false;
}

/** A short list of paths for a one-line message. */
function names(paths: string[], max = 5): string {
  const more = paths.length > max ? ` and ${paths.length - max} more` : '';
  return paths.slice(0, max).join(', ') + more;
}

/**
 * Merges `branch` into `target`, which must be checked out in the main working tree. On a conflict
 * the merge is aborted (the checkout is exactly as before; branch and worktree untouched).
 */
export async function mergeBranch(opts: {
  repo: string;
  branch: string;
  target: string;
  message?: string;
  /** On a conflict, before the merge is aborted: a chance to resolve it (`--merge-conflicts claude`). */
  resolve?: ConflictResolver;
}): Promise<MergeResult> {
  const { branch, target } = opts;
  const root = await mainWorktreeRoot(opts.repo);
  const refuse = (reason: string) => new MergeRefusedError(root, branch, target, reason);

  if (!(await branchExists(root, branch))) throw refuse(`branch ${branch} does not exist`);
  const checkedOut = await currentBranch(root);
  if (checkedOut !== target) {
    const has = checkedOut ? `${checkedOut} is checked out` : 'HEAD is detached';
    throw refuse(`${has}. Check out ${target} in ${root} to merge, or merge ${branch} yourself`);
  }
  // Our conflict handling runs `git merge --abort`: it must never abort a merge of the user's.
  if (await commitExists(root, 'MERGE_HEAD'))
    throw refuse('a merge is already in progress there; finish or abort it first');

  const commits = await countCommits(root, target, branch);
  if (commits === 0) return { status: 'up-to-date' };

  // git merges only when the index matches HEAD, and never over local edits to files it touches.
  const status = await trackedStatus(root);
  const staged = status.filter((e) => e.index !== ' ').map((e) => e.path);
  if (staged.length) throw refuse(`staged changes in ${names(staged)}; commit or unstage them first`);
  const touched = new Set(
    (await changedFiles(root, `${target}...${branch}`)).flatMap((c) => (c.oldPath ? [c.path, c.oldPath] : [c.path])),
  );
  const dirty = status.map((e) => e.path).filter((p) => touched.has(p));
  if (dirty.length)
    throw refuse(`uncommitted changes to ${names(dirty)}, which the merge changes; commit or stash them first`);
  const inTheWay = (await untrackedFiles(root)).filter((p) => touched.has(p));
  if (inTheWay.length) throw refuse(`untracked ${names(inTheWay)} would be overwritten; move them away first`);

  const message = opts.message ?? `Merge branch '${branch}' into ${target}`;
  const args = ['merge', '--no-ff', '--no-edit', '-m', message, branch];
  const merge = await runGit(root, args, { allowFail: true });
  if (merge.code === 0) return { status: 'merged', commits, mergeCommit: await headCommit(root) };

  const before = await headCommit(root);
  const inProgress = await commitExists(root, 'MERGE_HEAD');
  const unmerged = await runGit(root, ['diff', '--name-only', '--diff-filter=U', '-z']);
  const conflicts = unmerged.stdout.split('\0').filter(Boolean);
  if (inProgress && conflicts.length && opts.resolve) {
    await opts.resolve({ dir: root, conflicts, branch, target });
    if (await settleResolution(root, { branch, before, conflicts }))
      return { status: 'merged', commits, mergeCommit: await headCommit(root), resolved: conflicts };
    return { status: 'conflict', conflicts };
  }
  // Put the checkout back exactly as it was; the branch and its worktree are not touched.
  if (inProgress) await runGit(root, ['merge', '--abort']);
  // Anything but a conflict (a hook, a lock, git refusing to start) is git's own error.
  if (!conflicts.length) throw new GitError(args, root, merge.stderr || merge.stdout, merge.code);
  return { status: 'conflict', conflicts };
}
