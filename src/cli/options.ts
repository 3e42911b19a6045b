// The options commands share, so that one spelling means one thing everywhere (-f is always --force,
// -p always --path). A command picks the ones it uses and may say in its own words what they do there.
import { count, flag, parsed, text, texts } from './spec';
import {
  byteSize,
  days,
  duration,
  eventGroup,
  eventOutputFormat,
  exportFormat,
  fieldList,
  filterExpression,
  jsonStrings,
  mergeConflictMode,
  outcome,
  positiveWhole,
  safeId,
  since,
  status,
  usd,
  whole,
} from './values';

/** Accepted by every command, before or after its name. */
export const GLOBAL_OPTIONS = {
  home: text('DIR', 'The Prodigy home (else $PRODIGY_HOME, else ~/.prodigy)'),
  verbose: count(
    'Accepted as Prodigy accepts it (repeatable); here -vvv prints a stack trace with an unexpected error',
    'v',
  ),
  help: flag('Show this help', 'h'),
};

/** -v on the commands that run steps: what each level adds to the output. */
export const RUN_VERBOSE = count(
  "More detail, repeatable. -v: each step's time and checkpoint, the variables it captured, MapReduce " +
    "agents' results; -vv: also the environment given to steps (names only) and the Claude command; " +
    '-vvv: also a stack trace with an unexpected error',
  'v',
);

export const OPTIONS = {
  json: flag('Print the result as JSON'),
  yes: flag('Merge the session branch back at the end without asking', 'y'),
  force: flag('Go ahead where the command would otherwise refuse', 'f'),
  all: flag('Also Failed sessions', 'a'),
  dryRun: flag('Say what would happen; change nothing'),
  item: texts('ITEM_ID', 'Only this failed item (dlq list shows them); repeatable'),
  path: text('DIR', 'The project (git repository) to work in; default: the current folder', 'p'),
  claudeCommand: text(
    'CMD',
    'The program Claude steps run (else $PRODIGY_CLAUDE_COMMAND, else claude), as `CMD -p --output-format ' +
      'stream-json --verbose --dangerously-skip-permissions <prompt>`; PRODIGY_CLAUDE_STREAMING=false runs ' +
      '`CMD --print --dangerously-skip-permissions <prompt>` instead (no activity, no usage)',
  ),
  maxCost: parsed(
    'USD',
    "Start no new Claude call once the session's Claude calls have cost USD in all (the call in flight " +
      'finishes); the session is then Paused with the amount spent, and resume --max-cost with more goes on',
    usd,
  ),
  mergeConflicts: parsed(
    'MODE',
    "A conflict while merging the session's branch back: abort (undo the merge, keep the branch) or claude " +
      '(a Claude call resolves it); else $PRODIGY_MERGE_CONFLICTS, else abort',
    mergeConflictMode,
  ),
  noWorktree: flag("Run in the project itself instead of the session's own worktree"),
  args: texts('VALUE', '${ARG} for the steps; given more than once, the steps run once per value'),
  maxIterations: parsed(
    'N',
    'Repeat the steps up to N times (${ITERATION}), ending after a round that commits nothing',
    positiveWhole,
    'n',
  ),
  // One of the workflow's `profiles:` (docs: environment/environment-profiles.md), on run and resume.
  profile: text(
    'NAME',
    "Run with this one of the workflow's profiles: (its variables over env:); default the file's active_profile:. " +
      'A resume keeps the profile the run started with unless given another',
  ),
  map: texts('GLOB', 'Run the steps once per file matching GLOB (${ARG}: its name up to the first -); repeatable'),
  param: texts(
    'NAME=VALUE',
    "A value for one of the workflow's parameters: (a composable workflow); repeatable. Read by the parameter's " +
      'type: a String takes the text as it is, Number and Boolean parse it, Array and Object read JSON; an ' +
      'undeclared one infers a number or true/false. Wins over --param-file',
  ),
  paramFile: text('FILE', "Values for the workflow's parameters: from a JSON or YAML file holding a map (types kept)"),
  // Checked by the parser like every session id on the command line: a malformed one is a usage error (exit 2).
  resume: parsed(
    'ID',
    "Prodigy's spelling of `resume ID`: continue that session (the workflow comes from it)",
    safeId('session id'),
  ),
  failFast: flag(
    'Accepted for Prodigy; no further effect: a run already stops at its first failing step (also with ' +
      'several inputs) unless that step has on_failure',
  ),
  status: parsed('S', 'Only sessions with this status (Running, Paused, Failed, …; any case)', status),
  outcome: parsed(
    'KIND',
    'Only sessions that ended so: merged, kept, discarded, conflict, merge-failed, completed, ' +
      'completed-with-failures, failed, stopped, abandoned, running',
    outcome,
  ),
  notMerged: flag('Only sessions whose work is still on their branch: kept, merge conflict or merge failed'),
  limit: parsed('N', 'At most N sessions, the newest', positiveWhole),
  olderThan: parsed('DAYS', 'Only sessions last updated more than DAYS days ago (default 7; 0: any age)', days),
  // Prodigy's job ids (mapreduce-…) on dlq and worktree clean; a session id is accepted where a job's is.
  jobId: parsed('J', 'The MapReduce job (its job id mapreduce-…, or its session id)', safeId('job id')),
  filter: parsed(
    'EXPR',
    "Only the items for which EXPR holds (the work-item filter language): item.* is the item's input, and " +
      'error_type, error_message, attempts, exit_code, eligible, item_id can be tested, e.g. ' +
      "'error_type == \"Timeout\"', 'attempts >= 2', 'item.priority >= 5'",
    filterExpression,
  ),
  output: text('FILE', 'Write to FILE (atomically) instead of printing', 'o'),
  format: parsed('FORMAT', 'json (default) or csv', exportFormat),
  export: text('FILE', 'Write the result to FILE as JSON (atomically)'),
  olderThanDays: parsed('N', "Prodigy's spelling of --older-than Nd", days),
  allRepos: flag("Every repository in the home, not only the current folder's"),
  mapreduce: flag("MapReduce agents' worktrees (mapreduce-agent-…) instead of sessions'"),
  eligible: flag('Only items eligible for retry (reprocess_eligible)'),
  workflowId: parsed('ID', "Prodigy's spelling of the session (or job) to use", safeId('workflow id')),
  // events ls|follow|export (Prodigy's flags of those commands, and ours: --type, --since as a duration or time).
  type: text('TYPE', 'Only events of this type: job_started, agent_failed, d_l_q_item_added … (AgentFailed too)'),
  eventType: text('TYPE', "Prodigy's spelling of --type"),
  since: parsed(
    'WHEN',
    'Only events since WHEN: a time back from now (30m, 2h, 1d; a bare number is minutes) or an ISO time',
    since,
  ),
  agentId: text('AGENT', 'Only the events of this MapReduce agent (its agent id)'),
  file: text('FILE', "Read this events file instead of the home's H/events"),
  groupBy: parsed('FIELD', 'Count by event_type (default), job_id or agent_id', eventGroup),
  fields: parsed(
    'A,B',
    'Search only these fields of the event (e.g. error,item_id); default the whole record',
    fieldList,
  ),
  outputFormat: parsed('FORMAT', 'human (default), table (the same lines) or json (as --json)', eventOutputFormat),
  // events clean (Prodigy's flags): what goes from inside events files, and where it is kept.
  maxEvents: parsed('N', 'Per events file, keep only the newest N events', positiveWhole),
  maxSize: parsed(
    'SIZE',
    'Per events file, remove the oldest events until the file is at most SIZE: 100MB, 1GB, 500KB or bytes',
    byteSize,
  ),
  archive: flag('Write the removed events to a gzip archive first (H/events/archive unless --archive-path)'),
  archivePath: text('DIR', 'Archive the removed events in DIR (implies --archive)'),
  allJobs: flag("Every repository's jobs, not only the current folder's"),
  follow: flag('Print new lines as the run writes them, until it ends (Ctrl-C stops following)', 'F'),
  lines: parsed('N', 'Only the last N lines', whole),
  claude: flag("Print the session's last Claude call as a readable transcript (--step N: that step's call)"),
  step: parsed('N', 'With --claude: the call of step N (its number as sessions show prints it)', positiveWhole),
  latest: flag('Print the newest Claude stream of the home (H/logs/claude-streaming) as a readable transcript'),
  // Internal: the VS Code extension runs the engine in a detached `run`/`resume`/`dlq retry` and follows it
  // through this file (src/extension/runs/detachedRun.ts). Hidden from the help.
  events: {
    ...text(
      'FILE',
      'Append every engine event to FILE as a JSON line, then the outcome; once the session id is known the file ' +
        'is renamed to <id>.jsonl in its folder, so a reloaded window finds it by the session',
    ),
    hidden: true,
  },
  claudeArgs: {
    ...parsed('JSON', "Claude's arguments as a JSON array of strings (the prodigy.claude.args setting)", jsonStrings),
    hidden: true,
  },
  tail: flag(
    "With --latest: print what Claude does as the stream grows, going on to each newer call's stream, until Ctrl-C",
  ),
  // exec, batch, resume-job, resume --from-checkpoint and init: Prodigy's flags of those commands (its CLI reference).
  retry: parsed('N', 'Run the command up to N times in all while it fails (default 1: once)', positiveWhole),
  timeout: parsed('SECS', 'Stop the command after SECS seconds; it then fails', positiveWhole),
  command: text('CMD', 'The command to run: "claude: /cmd …" or "shell: …"'),
  parallel: parsed('N', 'Run up to N at a time', positiveWhole),
  maxRetries: parsed('N', 'Run failed items again up to N more times', whole),
  fromCheckpoint: parsed(
    'CP',
    'Restore this checkpoint first (as restore does: checkpoints list shows them), then resume from it',
    safeId('checkpoint id'),
  ),
  commands: texts('NAME[,NAME…]', 'Only these (comma-separated, repeatable)', 'c'),
};

/** --older-than on the commands that take Prodigy's durations (clean, worktree clean --mapreduce, dlq purge). */
export const OLDER_THAN_DURATION = parsed(
  'D',
  'Only what was last changed more than D ago: 7d, 24h, 30m (a bare number is days); default any age',
  duration,
);
