// The messages of cleaning up the session worktrees left behind (those no session in the Sessions view owns).
import { show } from './notify';
import { plural } from './words';

export function showNoWorktreesLeft(): void {
  void show({
    level: 'info',
    text: 'no worktree is left behind: every session worktree belongs to a session in the Sessions view.',
  });
}

/** Before removing worktrees with uncommitted files: they are lost (committed work stays on the branches). */
export async function askRemoveDirtyWorktrees(names: readonly string[]): Promise<boolean> {
  const answer = await show({
    level: 'warning',
    text: `Remove ${plural(names.length, 'worktree')} with uncommitted changes?`,
    modal: {
      detail: `${names.join('\n')}\n\nTheir uncommitted changes are lost; their commits stay on their branches.`,
    },
    actions: [{ title: 'Remove' }],
  });
  return answer === 'Remove';
}

export function showWorktreesCleaned(removed: number, branchesKept: number): void {
  const kept = branchesKept
    ? `; ${plural(branchesKept, 'unmerged branch', 'unmerged branches')} kept, with ${branchesKept === 1 ? 'its' : 'their'} commits`
    : '';
  void show({ level: 'info', text: `removed ${plural(removed, 'worktree')}${kept}.` });
}
