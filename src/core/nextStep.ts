// What a message tells the user to do next (resume, merge, retry…), worded for whoever reads it: the CLI names
// its own commands (`prodigy-vscode resume <id>`), VS Code names its commands and the Sessions view's actions.
// The wording follows the user, not the process writing the line: a run started in VS Code runs in a detached
// CLI process, and its session log is read in VS Code. So each process chooses once, at its composition root:
// the CLI keeps the default; the extension's activation chooses VS Code; the extension tells a detached runner
// through WORDING_ENV. This is the only core file that may name a `prodigy-vscode` command in a message
// (test/unit/next-step.test.mjs keeps it so).

/** Something the user can do next. `lead` words the start of the clause where a sentence needs it ("resume it"). */
export type NextStep =
  | { kind: 'resume'; sessionId: string; lead?: string }
  /** The session stopped at its Claude budget: resume with a higher one. */
  | { kind: 'resume-with-higher-budget'; sessionId: string }
  /** A kept branch, merged later. */
  | { kind: 'merge'; sessionId: string }
  /** A MapReduce session's dead-lettered items, run again. */
  | { kind: 'retry-failed-items'; sessionId: string; lead?: string }
  /** Prodigy left checkpoint files (or legacy state) with no session record. */
  | { kind: 'migrate' }
  /** A worktree was kept because it has uncommitted files. */
  | { kind: 'force-remove-worktree'; sessionId: string }
  | { kind: 'list-checkpoints'; sessionId: string };

export type Wording = 'cli' | 'vscode';

/** Set to `vscode` by the extension in a detached runner's environment; read once where the CLI starts. */
export const WORDING_ENV = 'PRODIGY_MESSAGE_WORDING';

let current: Wording = 'cli';

/** Chooses this process's wording; called once, by a composition root (and by tests, which restore it). */
export function setWording(wording: Wording): void {
  current = wording;
}

export function currentWording(): Wording {
  return current;
}

/** The wording an environment asks for (WORDING_ENV=vscode), or the CLI's. */
export function wordingFromEnv(env: NodeJS.ProcessEnv): Wording {
  return env[WORDING_ENV] === 'vscode' ? 'vscode' : 'cli';
}

const SESSIONS_VIEW = 'in the Sessions view';
/** Command palette titles, as package.json's contributes.commands has them (category "Prodigy"). */
const RESUME_COMMAND = '"Prodigy: Resume Session…"';
const RETRY_COMMAND = '"Prodigy: Retry Failed Items"';
const MIGRATE_COMMAND = '"Prodigy: Migrate Legacy Sessions"';
const RESTORE_COMMAND = '"Prodigy: Restore Checkpoint…"';
const BUDGET_SETTING = 'prodigy.claude.maxCostPerSession';

/** The step as a clause in lower case, to follow a `;` or `,` ("resume with: prodigy-vscode resume X"). */
export function nextStep(step: NextStep, wording: Wording = current): string {
  return wording === 'vscode' ? vscodeWords(step) : cliWords(step);
}

/** The step as a sentence of its own ("Resume with: prodigy-vscode resume X"). */
export function nextStepSentence(step: NextStep, wording: Wording = current): string {
  const clause = nextStep(step, wording);
  return clause.charAt(0).toUpperCase() + clause.slice(1);
}

function cliWords(step: NextStep): string {
  switch (step.kind) {
    case 'resume':
      return `${step.lead ?? 'resume'} with: prodigy-vscode resume ${step.sessionId}`;
    case 'resume-with-higher-budget':
      return `resume with: prodigy-vscode resume ${step.sessionId} --max-cost <USD>`;
    case 'merge':
      return `merge later with: prodigy-vscode merge ${step.sessionId}`;
    case 'retry-failed-items':
      return `${step.lead ?? 'retry'} with: prodigy-vscode dlq retry ${step.sessionId}`;
    case 'migrate':
      return 'import it first: prodigy-vscode migrate';
    case 'force-remove-worktree':
      return `\`prodigy-vscode worktree clean ${step.sessionId} -f\` removes it anyway`;
    case 'list-checkpoints':
      return `list them with: prodigy-vscode checkpoints list ${step.sessionId}`;
  }
}

// The Sessions view's row actions are named as their menus show them; a palette command where there is one
// (Merge Session Branch is not in the palette, so a merge names the row action only).
function vscodeWords(step: NextStep): string {
  const resume = `${RESUME_COMMAND} or Resume on its row ${SESSIONS_VIEW}`;
  switch (step.kind) {
    case 'resume':
      return `${step.lead ?? 'resume it'} with ${resume}`;
    case 'resume-with-higher-budget':
      return `raise the ${BUDGET_SETTING} setting, then resume it with ${resume}`;
    case 'merge':
      return `merge it later with Merge on its row ${SESSIONS_VIEW}`;
    case 'retry-failed-items':
      return `${step.lead ?? 'retry'} with Retry Failed Items on its row ${SESSIONS_VIEW} (or ${RETRY_COMMAND})`;
    case 'migrate':
      return `import it first with ${MIGRATE_COMMAND}`;
    case 'force-remove-worktree':
      return `Delete on its row ${SESSIONS_VIEW}, then "Delete with Worktrees", removes it anyway`;
    case 'list-checkpoints':
      return `they are listed under its row ${SESSIONS_VIEW}, and ${RESTORE_COMMAND} offers them`;
  }
}
