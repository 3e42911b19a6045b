// Every command of `prodigy-vscode`: its words, what it is for, its positionals and options, and the
// body it calls. The parser and the help both read this table.
import { OLDER_THAN_DURATION, OPTIONS as O, RUN_VERBOSE } from './options';
import { defineCommand, flag, type Command, type Group, type PositionalSpec } from './spec';
import { eventExportFormat, safeId } from './values';

/**
 * The command bodies, each loaded when its command runs: `help` and a refused argument load none, and `sessions list`
 * loads no workflow engine (esbuild turns import() into a lazy module wrapper; see esbuild.mjs).
 */
const body = {
  checkpoints: () => import('./commands/checkpoints'),
  clean: () => import('./commands/clean'),
  dlq: () => import('./commands/dlq'),
  dlqAnalyze: () => import('./commands/dlqAnalyze'),
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
};

/** A session id, or a MapReduce job id (resolved to its session before the command runs). */
const sessionId = (help = 'The session (or a MapReduce job id)'): PositionalSpec => ({
  name: 'session-id',
  help,
  parse: safeId('session id'),
  session: true,
});
const workflowFile: PositionalSpec = { name: 'workflow', help: 'The workflow file (YAML or JSON)' };

/** What run and resume say about Claude steps. */
const CLAUDE_NOTE =
  'Claude steps stream: what Claude does is printed as it happens, one line each (🔧 Bash: cargo test, the ' +
  "first line of what it says) under the step, then the call's usage (✓ 6 turns · 41.2k tokens · $0.38 · 2m " +
  '14s); each stream is kept in H/logs/claude-streaming (logs <id> --claude prints it). ' +
  'PRODIGY_CLAUDE_STREAMING=false runs Claude in print mode instead.';

/** What every command that runs the engine takes (run, exec, batch, resume, resume-job, dlq retry, reduce). */
const ENGINE_OPTIONS = {
  claudeCommand: O.claudeCommand,
  maxCost: O.maxCost,
  mergeConflicts: O.mergeConflicts,
  verbose: RUN_VERBOSE,
  events: O.events,
  claudeArgs: O.claudeArgs,
} as const;

const run = defineCommand({
  path: ['run'],
  summary: 'Run a workflow file as a new session',
  description:
    'Runs a workflow file as a new session; its id is printed first. In a git repository it runs in its own ' +
    'worktree H/worktrees/<repo>/<id> on branch prodigy-<id>, and at the end asks before merging back (-y: merge; ' +
    'with no terminal to ask on, or with --json, the branch is kept and the way to merge later printed; Ctrl-C ' +
    'at the question keeps it too, exit 3). Ctrl-C stops the running step and leaves the session Paused, to ' +
    'resume later.\n' +
    CLAUDE_NOTE +
    '\nExit codes: 0 completed, 1 failed, 3 completed but the merge did not happen, 130 stopped (Ctrl-C, or ' +
    'Paused at --max-cost; 129 terminal closed, 143 SIGTERM).',
  positionals: [workflowFile],
  options: {
    path: O.path,
    yes: O.yes,
    noWorktree: O.noWorktree,
    args: O.args,
    maxIterations: O.maxIterations,
    map: O.map,
    profile: O.profile,
    param: O.param,
    paramFile: O.paramFile,
    dryRun: {
      ...O.dryRun,
      help: 'Print the steps that would run, interpolated (a MapReduce file: its work items, stage by stage); run nothing',
    },
    json: { ...O.json, help: 'Print the outcome as JSON at the end (no step output, no merge question)' },
    resume: O.resume,
    failFast: O.failFast,
    ...ENGINE_OPTIONS,
  },
  run: async ({ io, manager, args: [file], opts }) => (await body.run()).runCommand(manager(), io, file, opts),
});

const resume = defineCommand({
  path: ['resume'],
  summary: 'Continue a Paused, Failed or interrupted session where it stopped',
  description:
    'Continues a Paused, Failed or interrupted session at its first step not done, with its variables. ' +
    'Completed and Cancelled sessions, and a session another process is running, are refused. A MapReduce job id ' +
    'names its session. --from-checkpoint CP first restores that checkpoint, as restore does, then resumes from it.\n' +
    CLAUDE_NOTE +
    '\nExit codes: 0 completed, 1 failed, 3 completed but the merge did not happen, 130 stopped (Ctrl-C, or ' +
    'Paused at --max-cost; 129 terminal closed, 143 SIGTERM).',
  positionals: [sessionId()],
  options: {
    yes: O.yes,
    profile: O.profile,
    json: { ...O.json, help: 'Print the outcome as JSON at the end (no step output, no merge question)' },
    ...ENGINE_OPTIONS,
    fromCheckpoint: O.fromCheckpoint,
    force: {
      ...O.force,
      help: 'With --from-checkpoint: restore despite uncommitted changes (saved as a stash entry first)',
    },
  },
  run: async ({ io, manager, args: [id], opts }) => (await body.run()).resumeCommand(manager(), io, id, opts),
});

/** What exec and batch take besides their own options: a run's, as `run` has them. */
const ONE_COMMAND_RUN_OPTIONS = {
  path: O.path,
  yes: O.yes,
  json: { ...O.json, help: 'Print the outcome as JSON at the end (no step output, no merge question)' },
  ...ENGINE_OPTIONS,
} as const;

const exec = defineCommand({
  path: ['exec'],
  summary: 'Run one command as a session: "claude: /cmd …" or "shell: …"',
  description:
    'Runs one command as a one-step workflow, exactly as run runs a file: a new session named "exec: <command>" ' +
    '(its id printed first), in its own worktree, with the merge question at the end (-y merges), Ctrl-C leaving ' +
    'it Paused and resume <id> going on. The workflow is kept in H/vscode/workflows/ for that resume.\n' +
    'Exit codes as run: 0 completed, 1 failed, 3 not merged, 130 stopped.',
  positionals: [{ name: 'command', help: 'The command: "claude: /refactor main.rs" or "shell: npm test"' }],
  options: {
    retry: O.retry,
    timeout: O.timeout,
    ...ONE_COMMAND_RUN_OPTIONS,
  },
  run: async ({ io, manager, args: [command], opts }) => (await body.exec()).execCommand(manager(), io, command, opts),
});

const batch = defineCommand({
  path: ['batch'],
  summary: 'Run one command on every file matching a glob, N at a time (a MapReduce job)',
  description:
    'Runs --command once per file matching the glob, as a MapReduce job: one work item per file (${item} is its ' +
    'path in the repository; a command without ${item} gets the path appended), --parallel agents at a time, ' +
    'each in its own worktree, failures into the dead letter queue (dlq list/retry), resumable like any job. A ' +
    "glob without / matches that file name in every folder (*.py), as Prodigy's find -name does; dot folders " +
    'and node_modules are left out. The agents see the files as committed.\n' +
    'Exit codes as run: 0 completed, 1 failed, 3 not merged, 130 stopped.',
  positionals: [{ name: 'pattern', help: 'The files: "*.py", "src/**/*.ts"' }],
  options: {
    command: { ...O.command, help: 'The command for each file: "claude: /add-types" or "shell: wc -l ${item}"' },
    parallel: { ...O.parallel, help: 'Files worked on at a time (default 5)' },
    retry: { ...O.retry, help: 'Run the command up to N times in all on a file while it fails (default once)' },
    timeout: { ...O.timeout, help: "Stop the command on a file after SECS seconds; that file's item fails" },
    ...ONE_COMMAND_RUN_OPTIONS,
  },
  run: async ({ io, manager, args: [pattern], opts }) => (await body.exec()).batchCommand(manager(), io, pattern, opts),
});

const resumeJob = defineCommand({
  path: ['resume-job'],
  summary: 'Resume a MapReduce job by its job id, then run its failed items again',
  description:
    'Continues the session of a MapReduce job (mapreduce-…, as sessions show prints it; a session id works too) as ' +
    'resume does: the items without a result, then the reduce steps not done. Then the items that failed run again, ' +
    'up to --max-retries more times, as dlq retry runs them. A completed job is refused unless --force, which runs ' +
    'its failed items again.\n' +
    'Exit codes: 0 completed with no failed item, 1 failed or items still failing, 3 not merged, 130 stopped.',
  positionals: [{ ...sessionId('The MapReduce job id (or its session id)'), name: 'job-id', parse: safeId('job id') }],
  options: {
    force: { ...O.force, help: 'A completed job too: its failed items run again' },
    maxRetries: { ...O.maxRetries, help: 'Run the failed items again up to N more times (default 2; 0: not again)' },
    path: { ...O.path, help: "Accepted for Prodigy; the job's session knows its repository" },
    yes: O.yes,
    json: { ...O.json, help: 'Print { job_id, session_id, resume, retries } at the end (no step output)' },
    ...ENGINE_OPTIONS,
  },
  run: async ({ io, manager, args: [id], opts }) => (await body.resumeJob()).resumeJobCommand(manager(), io, id, opts),
});

const init = defineCommand({
  path: ['init'],
  summary: "Write the Claude slash commands this tool's features use into .claude/commands/",
  description:
    "Writes the Claude Code slash commands the features call into the project's .claude/commands/: " +
    'prodigy-resolve-conflicts (what --merge-conflicts claude runs when the project has it) and ' +
    'prodigy-merge-worktree (for merge workflows: /prodigy-merge-worktree ${merge.source_branch} ' +
    '${merge.target_branch}). Edit them as you like: a file that exists is kept unless --force.',
  positionals: [],
  options: {
    force: { ...O.force, help: 'Replace files that exist' },
    commands: O.commands,
    path: { ...O.path, help: 'The project to write into; default: the current folder' },
    json: { ...O.json, help: 'Print { dir, written, kept }' },
  },
  run: async ({ io, opts }) => (await body.init()).initCommand(io, opts),
});

const restore = defineCommand({
  path: ['restore'],
  summary: 'Take a session and its worktree back to a checkpoint',
  description:
    'Records a safety checkpoint of the present, takes the worktree and the session back to the checkpoint ' +
    '(Paused, ready to resume), then prints the files that changed and how to undo it. A session another ' +
    'process is running is refused before anything is printed or changed. Untracked files are never deleted.',
  positionals: [
    sessionId(),
    { name: 'checkpoint-id', help: 'The checkpoint (checkpoints list shows them)', parse: safeId('checkpoint id') },
  ],
  options: {
    force: { ...O.force, help: 'Restore despite uncommitted changes: they are saved as a stash entry first' },
    json: O.json,
  },
  run: async ({ io, manager, args: [id, checkpoint], opts }) =>
    (await body.restore()).restoreCommand(manager(), io, id, checkpoint, opts),
});

const merge = defineCommand({
  path: ['merge'],
  summary: "Merge a completed session's branch back",
  description:
    "Merges a completed session's branch back into the branch it started from: after the run kept it, or after " +
    'a conflict was resolved (--merge-conflicts claude: a Claude call resolves a conflict). Exit code 3 when the ' +
    'merge did not happen (a conflict, a failing merge step).',
  positionals: [sessionId()],
  options: { json: O.json, claudeCommand: O.claudeCommand, mergeConflicts: O.mergeConflicts, verbose: RUN_VERBOSE },
  run: async ({ io, manager, args: [id], opts }) => (await body.run()).mergeCommand(manager(), io, id, opts),
});

const validate = defineCommand({
  path: ['validate'],
  summary: 'Check a workflow file and print what it contains',
  description:
    'Loads a workflow file as run would: its shape, step count and warnings, or file:line:col: what is wrong. ' +
    'A composable workflow is composed with the --param values given, as run would; without any, the required ' +
    'parameters it still needs are listed. Exit code 1 when it cannot be run.',
  positionals: [workflowFile],
  options: { json: O.json, param: O.param, paramFile: O.paramFile },
  run: async ({ io, args: [file], opts }) => (await body.validate()).validateCommand(io, file, opts),
});

const logs = defineCommand({
  path: ['logs'],
  aliases: ['log'],
  summary: "Print a session's log (the last N lines), its Claude calls, or the newest Claude stream",
  description:
    "Prints a session's log (H/vscode/logs/<id>.log, what Show Session Log shows in VS Code). With --follow it " +
    'prints new lines as the run writes them and ends by itself when the run does, with its final status; ' +
    'Ctrl-C stops following (exit 0) and the run goes on. Sessions run by the prodigy CLI have no log.\n' +
    "--claude prints the session's last Claude call (--step N: step N's) as a readable transcript, from the " +
    'stream kept in H/logs/claude-streaming. Without a session id, --latest prints the newest stream kept there; ' +
    '--tail prints what Claude does as that stream grows, one line each, and goes on to each newer stream (the ' +
    "run's next call) until Ctrl-C, like tail -f.",
  positionals: [{ ...sessionId('The session (none with --latest)'), optional: true }],
  options: {
    follow: O.follow,
    lines: O.lines,
    claude: O.claude,
    step: O.step,
    latest: O.latest,
    tail: O.tail,
  },
  run: async ({ io, manager, args: [id], opts }) => (await body.logs()).logsCommand(manager(), io, id, opts),
});

const migrate = defineCommand({
  path: ['migrate'],
  summary: 'Import legacy and record-less sessions',
  description:
    "Imports a project's legacy .prodigy/session_state.json, and runs in the home that have checkpoint files but " +
    'no session record. The original files stay where they are.',
  positionals: [],
  options: {
    path: { ...O.path, help: 'The project whose .prodigy/ to look in; default: the current folder' },
    dryRun: O.dryRun,
    json: O.json,
  },
  run: async ({ io, manager, opts }) => (await body.migrate()).migrateCommand(manager(), io, opts),
});

const sessionsListCmd = defineCommand({
  path: ['sessions', 'list'],
  aliases: ['ls'],
  summary: 'List sessions, newest first',
  description:
    'Lists the sessions of the home, newest first, then the session files that cannot be read, with the reason ' +
    '(nothing is changed; sessions quarantine moves them aside).',
  positionals: [],
  options: {
    json: { ...O.json, help: 'Print { "sessions": […], "total": n, "unreadable": […] }' },
    status: O.status,
    outcome: O.outcome,
    notMerged: O.notMerged,
    limit: O.limit,
  },
  runner: 'read',
  run: async ({ io, manager, opts }) => {
    await (await body.sessionsList()).sessionsList(manager(), io, opts);
    return 0;
  },
});

const sessionsShowCmd = defineCommand({
  path: ['sessions', 'show'],
  summary: 'Show one session',
  description: 'Shows one session: its workflow, status, how it ended, steps, timings and checkpoints.',
  positionals: [sessionId()],
  options: { json: { ...O.json, help: 'Print the session record as stored' } },
  run: async ({ io, manager, args: [id], opts }) => {
    await (await body.sessions()).sessionsShow(manager(), io, id, opts);
    return 0;
  },
});

const sessionsDeleteCmd = defineCommand({
  path: ['sessions', 'delete'],
  summary: "Move a session's files aside",
  description: 'Moves the session record and its state to H/vscode/deleted/ (undo by moving them back).',
  positionals: [sessionId()],
  options: { force: { ...O.force, help: 'Delete a Running or Initializing session too' } },
  run: async ({ io, manager, args: [id], opts }) => {
    await (await body.sessions()).sessionsDelete(manager(), io, id, opts);
    return 0;
  },
});

const sessionsQuarantineCmd = defineCommand({
  path: ['sessions', 'quarantine'],
  summary: 'Move unreadable session files aside',
  description:
    'Moves unreadable session files to H/quarantine/<time>/sessions/, except one still being written, and ' +
    'removes temp files left by writers that died mid-write.',
  positionals: [],
  options: { json: O.json },
  run: async ({ io, manager, opts }) => {
    await (await body.sessions()).sessionsQuarantine(manager(), io, opts);
    return 0;
  },
});

const sessionsCleanCmd = defineCommand({
  path: ['sessions', 'clean'],
  summary: 'Move old Completed and Cancelled sessions aside',
  description:
    'Moves Completed and Cancelled sessions (-a: also Failed) last updated more than DAYS ago to ' +
    'H/vscode/deleted/ (undo by moving back). Running, Paused and Initializing sessions are never touched. ' +
    'Their worktrees stay (worktree clean <id> removes one) unless -f. Exit code 1 when a session was kept ' +
    'because of its worktree. (clean logs|state|events|dlq removes old files of runs instead, keeping the records.)',
  positionals: [],
  options: {
    olderThan: O.olderThan,
    all: O.all,
    dryRun: { ...O.dryRun, help: 'List what would go; change nothing' },
    force: {
      ...O.force,
      help: 'Also remove their worktrees, except one with uncommitted changes (that session is kept); a branch goes only if merged',
    },
    json: O.json,
  },
  run: async ({ io, manager, opts }) => (await body.sessions()).sessionsClean(manager(), io, opts),
});

const dlqListCmd = defineCommand({
  path: ['dlq', 'list'],
  aliases: ['ls'],
  summary: "A MapReduce session's failed items (no id: every session's)",
  description:
    "Lists a MapReduce session's failed items (its dead letter queue): error, attempts, the agent's log. Without " +
    "a session or --job-id: every MapReduce session's.",
  positionals: [{ ...sessionId('The MapReduce session, or its job id (none: every session)'), optional: true }],
  options: {
    jobId: O.jobId,
    filter: O.filter,
    eligible: O.eligible,
    limit: { ...O.limit, help: 'At most N items' },
    json: O.json,
  },
  run: async ({ io, manager, args: [id], opts }) => (await body.dlq()).dlqList(manager(), io, id, opts),
});

const dlqInspectCmd = defineCommand({
  path: ['dlq', 'inspect'],
  summary: 'One failed item in full, as JSON',
  description:
    "Prints one failed item in full as JSON: its input, every attempt's error, the agent's log. Prodigy's form, " +
    "dlq inspect <item-id> [--job-id J], finds the item in every job's dead-letter queue (or J's).",
  positionals: [
    sessionId('The MapReduce session, or its job id (alone: the item, as Prodigy writes it)'),
    { name: 'item-id', help: 'The item (dlq list shows them)', optional: true },
  ],
  options: { jobId: O.jobId, json: flag('Accepted; the item is always printed as JSON') },
  run: async ({ io, manager, args: [id, item], opts }) => (await body.dlq()).dlqInspect(manager(), io, id, item, opts),
});

/** What runs part of a MapReduce session again (dlq retry, reduce) takes: a run's options. */
const RUN_AGAIN_OPTIONS = {
  yes: O.yes,
  json: O.json,
  ...ENGINE_OPTIONS,
} as const;

const dlqRetryCmd = defineCommand({
  path: ['dlq', 'retry'],
  summary: "Run a MapReduce session's failed items again",
  description:
    "Runs a MapReduce session's failed items again (after you fixed the cause); those that succeed leave the " +
    'queue. --filter picks items, --parallel N runs N agents at once, --max-retries N runs those still failing ' +
    'again, up to N rounds in all. Exit code 1 while some still fail.',
  positionals: [{ ...sessionId('The MapReduce session, or its job id (or --job-id)'), optional: true }],
  options: {
    item: O.item,
    jobId: O.jobId,
    filter: O.filter,
    parallel: { ...O.parallel, help: 'Run at most N agents at once (default 10, as Prodigy)' },
    maxRetries: {
      ...O.maxRetries,
      help: 'Run the items still failing again, up to N rounds in all (default 3, as Prodigy; 1: once)',
    },
    ...RUN_AGAIN_OPTIONS,
  },
  run: async ({ io, manager, args: [id], opts }) => (await body.dlq()).dlqRetry(manager(), io, id, opts),
});

const dlqExportCmd = defineCommand({
  path: ['dlq', 'export'],
  summary: 'Write failed items out as JSON or CSV',
  description:
    "Writes a MapReduce session's failed items (every session's when none is named) as JSON (an array of the " +
    'items as stored, each with session_id and job_id) or CSV (one row per item, its last error), to stdout or ' +
    "atomically to --output FILE. Prodigy's form works too: dlq export FILE [--job-id J] (the format from " +
    "FILE's extension unless --format).",
  positionals: [
    {
      name: 'session-id',
      help: 'The MapReduce session or job (none: every session), or the output FILE',
      optional: true,
    },
  ],
  options: { jobId: O.jobId, output: O.output, format: O.format, filter: O.filter },
  run: async ({ io, manager, args: [id], opts }) => (await body.dlq()).dlqExport(manager(), io, id, opts),
});

const dlqPurgeCmd = defineCommand({
  path: ['dlq', 'purge'],
  summary: 'Remove failed items last tried more than D ago',
  description:
    "Removes failed items from a MapReduce session's dead-letter queue (every session's when none is named): " +
    'those last tried more than --older-than D ago (default: any age) and matching --filter. They are removed ' +
    "through the queue's own index, while holding the session's lock (a session being run or retried is refused). " +
    'Asks first on a terminal; without one, -f is needed.',
  positionals: [{ ...sessionId('The MapReduce session, or its job id (none: every session)'), optional: true }],
  options: {
    jobId: O.jobId,
    olderThan: OLDER_THAN_DURATION,
    olderThanDays: O.olderThanDays,
    filter: O.filter,
    dryRun: { ...O.dryRun, help: 'List what would be removed; remove nothing' },
    force: { ...O.force, help: 'Do not ask' },
    yes: { ...O.yes, help: "Prodigy's spelling of -f" },
    json: O.json,
  },
  run: async ({ io, manager, args: [id], opts }) => (await body.dlq()).dlqPurge(manager(), io, id, opts),
});

const dlqStatsCmd = defineCommand({
  path: ['dlq', 'stats'],
  summary: 'Failed items counted by error type and attempts',
  description:
    "Counts a MapReduce session's failed items (every session with failed items when none is named): by error " +
    'type, by attempts, retry-eligible and needing manual review, the oldest first attempt and newest last attempt.',
  positionals: [{ ...sessionId('The MapReduce session, or its job id (none: every session)'), optional: true }],
  options: {
    jobId: O.jobId,
    workflowId: O.workflowId,
    json: O.json,
  },
  run: async ({ io, manager, args: [id], opts }) => (await body.dlq()).dlqStats(manager(), io, id, opts),
});

const dlqAnalyzeCmd = defineCommand({
  path: ['dlq', 'analyze'],
  summary: 'Failed items grouped into patterns, by error type and over time',
  description:
    "Groups a MapReduce session's failed items (every session's when none is named) into patterns: the same " +
    'error type with the same first line once what differs from item to item (numbers, ids, paths, quoted ' +
    'values) is set aside, most frequent first, with their items. Then the counts by error type, and by the hour ' +
    '(or day) of the last attempt. --export FILE writes it as JSON (pattern_groups, error_distribution, ' +
    'temporal_distribution), as Prodigy documents.',
  positionals: [{ ...sessionId('The MapReduce session, or its job id (none: every session)'), optional: true }],
  options: {
    jobId: O.jobId,
    export: { ...O.export, help: 'Write the analysis to FILE as JSON (atomically)' },
    json: O.json,
  },
  run: async ({ io, manager, args: [id], opts }) => (await body.dlqAnalyze()).dlqAnalyze(manager(), io, id, opts),
});

const dlqClearCmd = defineCommand({
  path: ['dlq', 'clear'],
  summary: "Remove every failed item of one session's queue",
  description:
    "Removes every item from one MapReduce session's dead-letter queue (dlq purge of that session, at any " +
    "age): through the queue's own index, holding the session's lock. Asks first on a terminal; without one, -y " +
    'is needed.',
  positionals: [{ ...sessionId('The MapReduce session, or its job id (or --job-id)'), optional: true }],
  options: {
    jobId: O.jobId,
    dryRun: { ...O.dryRun, help: 'List what would be removed; remove nothing' },
    yes: { ...O.yes, help: 'Do not ask' },
    force: { ...O.force, help: 'The same as -y' },
    json: O.json,
  },
  run: async ({ io, manager, args: [id], opts }) => (await body.dlq()).dlqClear(manager(), io, id, opts),
});

const reduce = defineCommand({
  path: ['reduce'],
  summary: "Run a MapReduce session's reduce phase again",
  description:
    "Runs a MapReduce session's reduce phase again from its first step, with every item's result as it is now " +
    '(after dlq retry made failed items succeed, the reduce that ran before them left them out); then the run ' +
    'ends as usual, merge included.',
  positionals: [sessionId('The MapReduce session, or its job id')],
  options: RUN_AGAIN_OPTIONS,
  run: async ({ io, manager, args: [id], opts }) => (await body.dlq()).reduceAgain(manager(), io, id, opts),
});

/** `clean <kind>`: Prodigy's clean family, one command per kind with the same options. */
function cleanCmd(kind: 'logs' | 'state' | 'events' | 'dlq' | 'all', summary: string, where: string): Command {
  return defineCommand({
    path: ['clean', kind],
    summary,
    description:
      `Removes ${where}, for the sessions of the repository of the current folder (--all-repos: every ` +
      "repository's, and files that name no session, such as Claude streams). Nothing belonging to a session " +
      'that is running or resumable (Paused, Failed, interrupted) is removed: each kept file is named with why. ' +
      '--dry-run lists what would go with its size. Asks first on a terminal; without one, -f is needed. ' +
      'Session records stay: sessions clean moves whole finished sessions aside (undoably).',
    positionals: [],
    options: {
      olderThan: OLDER_THAN_DURATION,
      dryRun: { ...O.dryRun, help: 'List what would go, with sizes; remove nothing' },
      force: { ...O.force, help: 'Do not ask' },
      allRepos: O.allRepos,
      json: O.json,
    },
    run: async ({ io, manager, opts }) => (await body.clean()).cleanCommand(manager(), io, kind, opts),
  });
}

const CLEAN_COMMANDS = [
  cleanCmd(
    'logs',
    'Remove old session logs and Claude streams',
    'session logs (H/vscode/logs) and Claude logs (H/logs)',
  ),
  cleanCmd(
    'state',
    "Remove old MapReduce jobs' state",
    "MapReduce jobs' state (H/state/<repo>/mapreduce; a finished job without it can no longer dlq retry or reduce)",
  ),
  cleanCmd('events', 'Remove old event logs', 'event logs (H/events/<repo>/<job>)'),
  cleanCmd('dlq', 'Remove old dead-letter queues', "MapReduce jobs' dead-letter queues (H/dlq/<repo>/<job>), whole"),
  cleanCmd(
    'all',
    'Remove old logs, state, events and dead-letter queues',
    'logs, MapReduce state, event logs and dead-letter queues',
  ),
];

const worktreeLsCmd = defineCommand({
  path: ['worktree', 'ls'],
  aliases: ['list'],
  summary: "Session worktrees, with their sessions' status",
  description: "Lists the session worktrees under the home, with their sessions' status.",
  positionals: [],
  options: { json: O.json },
  run: async ({ io, manager, opts }) => (await body.worktree()).worktreeList(manager(), io, opts),
});

const worktreeCleanCmd = defineCommand({
  path: ['worktree', 'clean'],
  summary: 'Remove the worktrees of finished sessions, or the one named',
  description:
    'Removes the worktrees of Completed and Cancelled sessions, or the one named. Session records stay, and a ' +
    "branch goes only if it is merged. A Paused session's worktree stays unless named with -f; uncommitted " +
    "changes refuse without -f. --mapreduce: MapReduce agents' worktrees instead (as clean-orphaned does), " +
    'filtered by --job-id and --older-than.',
  positionals: [{ ...sessionId('Only this session'), optional: true }],
  options: {
    all: { ...O.all, help: 'Also Failed sessions and worktrees without a session record' },
    force: {
      ...O.force,
      help: 'Despite uncommitted changes, and for a named Running or Paused session',
    },
    dryRun: { ...O.dryRun, help: 'Say what would be removed; remove nothing' },
    json: O.json,
    mapreduce: O.mapreduce,
    olderThan: {
      ...OLDER_THAN_DURATION,
      help: 'With --mapreduce: only agent worktrees unchanged for D (7d, 24h, 30m)',
    },
    jobId: { ...O.jobId, help: "With --mapreduce: only this job's agent worktrees (a job or session id)" },
  },
  run: async ({ io, manager, args: [id], opts }) => (await body.worktree()).worktreeClean(manager(), io, id, opts),
});

const worktreeCleanOrphanedCmd = defineCommand({
  path: ['worktree', 'clean-orphaned'],
  summary: 'Remove the MapReduce agent worktrees a crash left behind',
  description:
    'Removes MapReduce agent worktrees (mapreduce-agent-…) left behind by a run that was killed or crashed, or ' +
    "listed in Prodigy's orphaned registry (H/orphaned_worktrees/<repo>/<job>.json, also under ~/.prodigy), or " +
    'still in git worktree list with their folder gone; their registry entries go with them. One whose job is ' +
    'running stays; uncommitted changes refuse without -f; an agent branch goes only when its commits are on ' +
    'another branch. Exit code 1 when one was kept for its uncommitted changes.',
  positionals: [
    { name: 'job-id', help: 'Only this job (its job id or session id)', parse: safeId('job id'), optional: true },
  ],
  options: {
    dryRun: { ...O.dryRun, help: 'Say what would be removed; remove nothing' },
    force: { ...O.force, help: 'Also worktrees with uncommitted changes' },
    json: O.json,
  },
  run: async ({ io, manager, args: [job], opts }) =>
    (await body.worktree()).worktreeCleanOrphaned(manager(), io, job, opts),
});

const worktreeMergeCmd = defineCommand({
  path: ['worktree', 'merge'],
  summary: "Merge a completed session's branch back (--all: every one)",
  description:
    "Prodigy's spelling of merge <id>: merges a completed session's branch back into the branch it started from. " +
    '--all merges every Completed session whose work is still on its branch (kept, a conflict, a failed merge), ' +
    'oldest first, one line each, going on past a conflict. Exit code 3 when any did not merge.',
  positionals: [{ ...sessionId('The session (none with --all)'), optional: true }],
  options: {
    all: { ...O.all, help: 'Every completed session whose branch is not merged yet' },
    json: O.json,
    claudeCommand: O.claudeCommand,
    mergeConflicts: O.mergeConflicts,
    verbose: RUN_VERBOSE,
  },
  run: async ({ io, manager, args: [id], opts }) => (await body.worktree()).worktreeMerge(manager(), io, id, opts),
});

const checkpointsListCmd = defineCommand({
  path: ['checkpoints', 'list'],
  aliases: ['ls'],
  summary: "List a session's checkpoints",
  description: "Lists a session's embedded checkpoints and Prodigy's workflow checkpoint files.",
  positionals: [sessionId()],
  options: { json: O.json },
  run: async ({ io, manager, args: [id], opts }) => {
    await (await body.checkpoints()).checkpointsList(manager(), io, id, opts);
    return 0;
  },
});

/** What events ls, follow and export select by (Prodigy's flags: --event-type, --agent-id, --file; ours: --type). */
const EVENT_SELECTION = {
  jobId: { ...O.jobId, help: 'Only this job: a MapReduce job id (mapreduce-…), or the session id of a run' },
  type: O.type,
  eventType: O.eventType,
  agentId: O.agentId,
  file: O.file,
} as const;

const eventsLsCmd = defineCommand({
  path: ['events', 'ls'],
  aliases: ['list'],
  summary: 'List events: one line each',
  description:
    "Lists the events runs wrote to H/events/<repo>/<job>/events-*.jsonl (Prodigy's event log), oldest first, one " +
    'line each: time, type, job, agent and item, and the numbers that matter (duration, counts, tokens, cost). ' +
    "A standard run's job is its session id; a MapReduce run's is its job id. Lines that are not events are " +
    'skipped and counted.',
  positionals: [],
  options: {
    ...EVENT_SELECTION,
    since: O.since,
    limit: { ...O.limit, help: 'At most N events, the newest (default 100)' },
    json: { ...O.json, help: 'Print { "events": [records as written], "total": n, "unreadable_lines": n }' },
    outputFormat: O.outputFormat,
  },
  run: async ({ io, manager, opts }) => (await body.events()).eventsList(manager(), io, opts),
});

const eventsFollowCmd = defineCommand({
  path: ['events', 'follow'],
  summary: 'Print events as runs write them, until Ctrl-C',
  description:
    'Prints the events there are, then each new one as a run appends it (a new run or resume of the job too), ' +
    'until Ctrl-C, like tail -f.',
  positionals: [],
  options: { ...EVENT_SELECTION, since: O.since },
  run: async ({ io, manager, opts }) => (await body.events()).eventsFollow(manager(), io, opts),
});

const eventsExportCmd = defineCommand({
  path: ['events', 'export'],
  summary: 'Write events out as JSON, JSONL, CSV or Markdown',
  description:
    'Writes the events (oldest first) as a JSON array (default), JSONL (one record per line, as stored), CSV or a ' +
    'Markdown table, to stdout or --output FILE (written whole or not at all; its extension picks the format ' +
    'when --format is not given).',
  positionals: [],
  options: {
    ...EVENT_SELECTION,
    since: O.since,
    format: { ...O.format, help: 'json (default), jsonl, csv or markdown', parse: eventExportFormat },
    output: O.output,
  },
  run: async ({ io, manager, opts }) => (await body.events()).eventsExport(manager(), io, opts),
});

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
  {
    name: 'dlq',
    summary: "A MapReduce session's failed items",
    description:
      "A MapReduce session's dead letter queue: the items that failed, their failure patterns (analyze), running " +
      'them again, writing them out (export), counting them (stats) and removing them (clear, purge).',
    subcommands: [
      dlqListCmd,
      dlqInspectCmd,
      dlqAnalyzeCmd,
      dlqRetryCmd,
      dlqExportCmd,
      dlqClearCmd,
      dlqPurgeCmd,
      dlqStatsCmd,
    ],
  },
  {
    name: 'clean',
    summary: 'Remove old logs, job state, events and dead-letter queues',
    description:
      "Prodigy's clean family: old files under the home that no running or resumable session needs. sessions " +
      'clean moves whole finished sessions aside; worktree clean removes worktrees.',
    subcommands: CLEAN_COMMANDS,
  },
  {
    name: 'sessions',
    summary: 'The sessions in the Prodigy home',
    description: 'The sessions in the Prodigy home: list, show, delete, and tidy them.',
    subcommands: [sessionsListCmd, sessionsShowCmd, sessionsDeleteCmd, sessionsQuarantineCmd, sessionsCleanCmd],
  },
  logs,
  {
    name: 'checkpoints',
    summary: "A session's checkpoints",
    description: "A session's checkpoints (restore <id> <checkpoint-id> goes back to one).",
    subcommands: [checkpointsListCmd],
  },
  {
    name: 'worktree',
    summary: 'The session worktrees under the home',
    description: 'The git worktrees sessions run in, under the home.',
    subcommands: [worktreeLsCmd, worktreeCleanCmd, worktreeMergeCmd, worktreeCleanOrphanedCmd],
  },
  {
    name: 'events',
    summary: "Prodigy's event log: jobs, agents, checkpoints, Claude usage",
    description:
      "The events every run, resume and dlq retry writes to H/events/<repo>/<job>/ in Prodigy's format: jobs " +
      'started, completed, failed and paused; MapReduce agents; items sent to the dead-letter queue; checkpoints; ' +
      'the usage of every Claude call.',
    subcommands: [eventsLsCmd, eventsFollowCmd, eventsExportCmd],
  },
  migrate,
  init,
];

export function isGroup(entry: Command | Group): entry is Group {
  return 'subcommands' in entry;
}
