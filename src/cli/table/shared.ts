// What the command families of the table share: the type of the command bodies commandTable.ts loads, the
// session-id and workflow positionals, the note on Claude steps, and the options of every command that runs the engine.
import { OPTIONS as O, RUN_VERBOSE } from '../options';
import type { PositionalSpec } from '../spec';
import { safeId } from '../values';

/** Loads a command body's module. */
type Load<M> = () => Promise<M>;

/**
 * The command bodies, each loaded when its command runs. The import()s themselves stay in commandTable.ts: esbuild.mjs
 * stubs or leaves out a body by its `./commands/…` import from there (cli-entry-only, READ_BODIES); the families get
 * the map from it.
 */
export interface CommandBodies {
  checkpoints: Load<typeof import('../commands/checkpoints')>;
  clean: Load<typeof import('../commands/clean')>;
  dlq: Load<typeof import('../commands/dlq')>;
  dlqAnalyze: Load<typeof import('../commands/dlqAnalyze')>;
  dlqQueue: Load<typeof import('../commands/dlqQueue')>;
  exec: Load<typeof import('../commands/exec')>;
  init: Load<typeof import('../commands/init')>;
  resumeJob: Load<typeof import('../commands/resumeJob')>;
  logs: Load<typeof import('../commands/logs')>;
  migrate: Load<typeof import('../commands/migrate')>;
  restore: Load<typeof import('../commands/restore')>;
  run: Load<typeof import('../commands/run')>;
  sessions: Load<typeof import('../commands/sessions')>;
  sessionsList: Load<typeof import('../commands/sessionsList')>;
  validate: Load<typeof import('../commands/validate')>;
  worktree: Load<typeof import('../commands/worktree')>;
  events: Load<typeof import('../commands/events')>;
  eventsQuery: Load<typeof import('../commands/eventsQuery')>;
  eventsClean: Load<typeof import('../commands/eventsClean')>;
}

/** A session id, or a MapReduce job id (resolved to its session before the command runs). */
export const sessionId = (help = 'The session (or a MapReduce job id)'): PositionalSpec => ({
  name: 'session-id',
  help,
  parse: safeId('session id'),
  session: true,
});
export const workflowFile: PositionalSpec = { name: 'workflow', help: 'The workflow file (YAML or JSON)' };

/** What run and resume say about Claude steps. */
export const CLAUDE_NOTE =
  'Claude steps stream: what Claude does is printed as it happens, one line each (🔧 Bash: cargo test, the ' +
  "first line of what it says) under the step, then the call's usage (✓ 6 turns · 41.2k tokens · $0.38 · 2m " +
  '14s); each stream is kept in H/logs/claude-streaming (logs <id> --claude prints it). ' +
  'PRODIGY_CLAUDE_STREAMING=false runs Claude in print mode instead.';

/** What every command that runs the engine takes (run, exec, batch, resume, resume-job, dlq retry, reduce). */
export const ENGINE_OPTIONS = {
  claudeCommand: O.claudeCommand,
  maxCost: O.maxCost,
  mergeConflicts: O.mergeConflicts,
  verbose: RUN_VERBOSE,
  events: O.events,
  claudeArgs: O.claudeArgs,
} as const;
