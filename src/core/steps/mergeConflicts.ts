// `--merge-conflicts claude`: a merge that stops on conflicts (a session's merge back, an agent's merge into
// the session) goes to a Claude call in the folder where the merge is in progress, as Prodigy's default merge
// hands it to Claude. The call is recorded like any other; whether the merge counts is decided afterwards by
// git alone (settleResolution): resolved and committed, or aborted exactly as without Claude.
import type { ConflictResolver } from '../git';
import { errorMessage } from '../errors';
import { projectConflictCommand } from '../claude/projectCommands';
import { runClaudeCall } from './claudeCall';
import type { RunContext } from './runContext';

export type MergeConflictMode = 'abort' | 'claude';

/** The prompt Claude gets when no slash command is configured and the project has none (`init` writes one). */
export function conflictPrompt(a: { conflicts: string[]; branch: string; target: string }): string {
  return [
    `A git merge of branch ${a.branch} into ${a.target} is in progress in this repository and stopped on conflicts in:`,
    ...a.conflicts.map((f) => `- ${f}`),
    '',
    'Resolve every conflict so that both sides keep their intent, remove all conflict markers, `git add` the files',
    'and finish the merge with `git commit --no-edit`. Do not abort the merge, do not change anything else.',
  ].join('\n');
}

/** The resolver for a run's merges: undefined unless the run's mode is `claude`. */
export function conflictResolver(ctx: RunContext): ConflictResolver | undefined {
  if (ctx.mergeConflicts.mode !== 'claude') return undefined;
  const configured = ctx.mergeConflicts.command?.trim();
  return async ({ dir, conflicts, branch, target }) => {
    ctx.log.message('progress', `Merge conflict in ${conflicts.join(', ')}: asking Claude to resolve it`);
    // The configured command, else the project's own (written by `init`, maybe edited since), else the built-in prompt.
    const command = configured || projectConflictCommand(dir);
    const prompt = command
      ? `${command} ${branch} ${target} ${conflicts.join(' ')}`
      : conflictPrompt({ conflicts, branch, target });
    try {
      const r = await runClaudeCall(
        prompt,
        { step: `resolve merge of ${branch}`, display: `resolve merge conflict (${branch} → ${target})` },
        { cwd: dir, env: { ...ctx.env }, signal: ctx.signal, groups: ctx.groups },
        ctx,
      );
      if (r.error) ctx.log.message('warning', `Claude did not resolve the conflict: ${r.error}`);
    } catch (err) {
      // Not found, or the budget is spent: the merge is aborted as without Claude.
      ctx.log.message('warning', `Claude could not resolve the conflict: ${errorMessage(err)}`);
    }
  };
}
