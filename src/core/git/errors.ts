// Errors of the git layer. Each message is one line naming the repository or worktree.
import { ProdigyError } from '../errors';

/** A git command failed (or git could not be started). `stderr` keeps git's full text. */
export class GitError extends ProdigyError {
  constructor(
    readonly args: string[],
    readonly cwd: string,
    readonly stderr: string,
    readonly code: number | null,
    reason = gitReason(stderr) || `exit code ${code}`,
  ) {
    super(`git ${commandName(args)} failed in ${cwd}: ${reason}`);
  }
}

/** `worktree add`, `merge`: the subcommand, without paths or options. */
function commandName(args: string[]): string {
  return args
    .slice(0, 2)
    .filter((a, i) => i === 0 || /^[a-z][a-z-]*$/.test(a))
    .join(' ');
}

/** The line of git's stderr that says what went wrong, without its "fatal:"/"error:" prefix. */
export function gitReason(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const main = lines.find((l) => /^(fatal|error):/.test(l)) ?? lines[0] ?? '';
  return main.replace(/^(fatal|error):\s*/, '');
}

export class NotAGitRepositoryError extends ProdigyError {
  constructor(readonly dir: string) {
    super(`Not a git repository: ${dir}`);
  }
}

export class WorktreeExistsError extends ProdigyError {
  constructor(
    readonly sessionId: string,
    readonly what: string,
  ) {
    super(`Cannot create the worktree for session ${sessionId}: ${what} already exists`);
  }
}

export class WorktreeNotFoundError extends ProdigyError {
  constructor(readonly file: string) {
    super(`Worktree metadata not found: ${file}`);
  }
}

/** A merge we would not start: the user's checkout is not in a state where it is safe. */
export class MergeRefusedError extends ProdigyError {
  constructor(
    readonly repo: string,
    readonly branch: string,
    readonly target: string,
    readonly reason: string,
  ) {
    super(`Cannot merge ${branch} into ${target} in ${repo}: ${reason}`);
  }
}
