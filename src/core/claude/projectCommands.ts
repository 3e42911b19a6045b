// The Claude Code slash commands this project's features call, as `init` writes them into a project's
// .claude/commands/ (Prodigy's `init` installs its own there). The texts are ours and live here as strings, so the
// bundled CLI carries them: esbuild bundles code, not loose files. A project's copy may be edited; `init` never
// overwrites one without --force.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomicSync } from '../storage/atomicFile';
import { createExclusiveSync } from '../storage/exclusiveFile';

/** What `--merge-conflicts claude` calls when the project has it (`/prodigy-resolve-conflicts <branch> <target> <files…>`). */
export const RESOLVE_CONFLICTS_COMMAND = 'prodigy-resolve-conflicts';

export interface ProjectCommand {
  name: string;
  /** One line for `init`'s output. */
  purpose: string;
  text: string;
}

export const PROJECT_COMMANDS: readonly ProjectCommand[] = [
  {
    name: RESOLVE_CONFLICTS_COMMAND,
    purpose: 'resolves a merge stopped on conflicts (--merge-conflicts claude)',
    text: `---
description: Finish a git merge that stopped on conflicts, keeping what both sides meant
argument-hint: <branch> <target> <conflicted files…>
---
A \`git merge\` is in progress in the current repository and has stopped on conflicts.
Arguments: $ARGUMENTS
The first argument is the branch being merged, the second the branch it is merged into, and the rest are the
files git reported as conflicted.

1. Run \`git status\` and \`git diff --name-only --diff-filter=U\` to confirm which files are still unmerged.
2. For each one, read both sides of every conflict (\`git diff\` on the file, \`git log --oneline -5\` on each
   branch if the intent is unclear) and edit the file so that both changes are kept where they are compatible.
   Where they truly contradict, prefer the branch being merged for the lines it changed on purpose, and keep
   the target's version of everything else.
3. Remove every conflict marker (\`<<<<<<<\`, \`=======\`, \`>>>>>>>\`). Check with
   \`git diff --check\` and a search for the markers in each file.
4. If the project has a quick build or test command, run it on the touched files and fix what the merge broke.
5. \`git add\` each resolved file and conclude with \`git commit --no-edit\`.

Rules: do not run \`git merge --abort\`, \`git reset\` or \`git checkout\` of a branch; do not change files that
were not part of the conflict; do not push. If a conflict cannot be resolved sensibly, leave the merge in
progress and say why: it is then aborted and the branch kept, as if nothing had been tried.
`,
  },
  {
    name: 'prodigy-merge-worktree',
    purpose: "merges a session's branch into a target (merge workflows: /prodigy-merge-worktree SOURCE TARGET)",
    text: `---
description: Merge a session's worktree branch into a target branch, resolving conflicts
argument-hint: <source-branch> <target-branch>
---
Merge a branch made by a Prodigy session into its target branch.
Arguments: $ARGUMENTS
The first argument is the source branch (the session's, such as prodigy-workflow-1712345678901); the second is the
branch to merge it into. If the second is missing, use the branch currently checked out.

1. Make sure the working tree is clean (\`git status --porcelain\`); if it is not, stop and say which files are
   changed: never commit or discard someone's uncommitted work.
2. Check out the target branch if it is not checked out already.
3. Run \`git merge --no-ff <source-branch> -m "Merge <source-branch> into <target-branch>"\`.
4. If it stops on conflicts, resolve each one keeping what both sides meant, remove every conflict marker,
   \`git add\` the files and run \`git commit --no-edit\`. Run the project's quick checks if it has any.
5. Finish by printing the merge commit (\`git log --oneline -1\`) and the files it changed.

Do not push, do not delete the source branch, and do not rewrite history (no rebase, reset or force).
`,
  },
];

export interface InstallResult {
  dir: string;
  written: string[];
  /** Files that existed and were left as they were (no --force). */
  kept: string[];
}

/**
 * Writes the commands into `{projectDir}/.claude/commands/{name}.md`. A file that exists is kept unless `force`:
 * without it a new file is linked into place, which fails if the name appeared meanwhile, so a user's file is never
 * replaced; with it the file is replaced atomically.
 */
export function installProjectCommands(
  projectDir: string,
  commands: readonly ProjectCommand[],
  options: { force: boolean },
): InstallResult {
  const dir = path.join(projectDir, '.claude', 'commands');
  fs.mkdirSync(dir, { recursive: true });
  const result: InstallResult = { dir, written: [], kept: [] };
  for (const c of commands) {
    const file = path.join(dir, `${c.name}.md`);
    if (options.force) {
      writeFileAtomicSync(file, c.text);
      result.written.push(file);
    } else if (createExclusiveSync(file, c.text, { durable: true })) result.written.push(file);
    else result.kept.push(file);
  }
  return result;
}

/** The project's own conflict command in `dir` (or a folder above it, as Claude Code looks), if `init` wrote one. */
export function projectConflictCommand(dir: string): string | undefined {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, '.claude', 'commands', `${RESOLVE_CONFLICTS_COMMAND}.md`)))
      return `/${RESOLVE_CONFLICTS_COMMAND}`;
    if (fs.existsSync(path.join(d, '.git')) || path.dirname(d) === d) return undefined;
  }
}
