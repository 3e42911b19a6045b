// Every command of `prodigy-vscode`: its words, what it is for, its positionals and options, and the
// body it calls. The parser and the help both read this table; each family of commands is defined in table/.
import type { Command, Group } from './spec';
import { dlqCommands } from './table/dlq';
import { eventCommands } from './table/events';
import { runCommands } from './table/runs';
import { sessionCommands } from './table/sessions';
import type { CommandBodies } from './table/shared';
import { worktreeCleanCommands } from './table/worktreeClean';

/**
 * The command bodies, each loaded when its command runs: `help` and a refused argument load none, and `sessions list`
 * loads no workflow engine (esbuild turns import() into a lazy module wrapper; see esbuild.mjs).
 * They stay in this file: esbuild.mjs picks them out by their `./commands/…` import from commandTable.ts.
 */
const body: CommandBodies = {
  checkpoints: () => import('./commands/checkpoints'),
  clean: () => import('./commands/clean'),
  dlq: () => import('./commands/dlq'),
  dlqAnalyze: () => import('./commands/dlqAnalyze'),
  dlqQueue: () => import('./commands/dlqQueue'),
  exec: () => import('./commands/exec'),
  init: () => import('./commands/init'),
  resumeJob: () => import('./commands/resumeJob'),
  logs: () => import('./commands/logs'),
  migrate: () => import('./commands/migrate'),
  restore: () => import('./commands/restore'),
  run: () => import('./commands/run'),
  sessions: () => import('./commands/sessions'),
  sessionsList: () => import('./commands/sessionsList'),
  validate: () => import('./commands/validate'),
  worktree: () => import('./commands/worktree'),
  events: () => import('./commands/events'),
  eventsQuery: () => import('./commands/eventsQuery'),
  eventsClean: () => import('./commands/eventsClean'),
};

const { run, resume, exec, batch, resumeJob, init, merge, validate } = runCommands(body);
const { restore, logs, migrate, sessionsGroup, checkpointsGroup } = sessionCommands(body);
const { reduce, dlqGroup } = dlqCommands(body);
const { cleanGroup, worktreeGroup } = worktreeCleanCommands(body);
const eventsGroup = eventCommands(body);

/** In the order the overview lists them. */
export const COMMAND_TABLE: (Command | Group)[] = [
  run,
  exec,
  batch,
  resume,
  resumeJob,
  restore,
  merge,
  reduce,
  validate,
  dlqGroup,
  cleanGroup,
  sessionsGroup,
  logs,
  checkpointsGroup,
  worktreeGroup,
  eventsGroup,
  migrate,
  init,
];

export function isGroup(entry: Command | Group): entry is Group {
  return 'subcommands' in entry;
}
