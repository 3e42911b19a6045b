// The messages of cleaning up the session worktrees left behind (those no session in the Sessions view owns).
import { show } from './notify';

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
    text: `Remove ${names.length} worktree(s) with uncommitted changes?`,
    modal: {
      detail: `${names.join('\n')}\n\nTheir uncommitted changes are lost; their commits stay on their branches.`,
    },
    actions: [{ title: 'Remove' }],
  });
  return answer === 'Remove';
}

export function showWorktreesCleaned(removed: number, branchesKept: number): void {
  const kept = branchesKept ? `; ${branchesKept} unmerged branch(es) kept, with their commits` : '';
  void show({ level: 'info', text: `removed ${removed} worktree(s)${kept}.` });
}
