// The dead letter queue of MapReduce sessions: the dlq group (list, inspect, analyze, retry, export, clear, purge,
// stats), and reduce, which runs the reduce phase again once failed items succeeded.
import { OLDER_THAN_DURATION, OPTIONS as O } from '../options';
import { defineCommand, flag, type Group } from '../spec';
import { ENGINE_OPTIONS, sessionId, type CommandBodies } from './shared';

/** What runs part of a MapReduce session again (dlq retry, reduce) takes: a run's options. */
const RUN_AGAIN_OPTIONS = {
  yes: O.yes,
  json: O.json,
  ...ENGINE_OPTIONS,
} as const;

export function dlqCommands(body: Pick<CommandBodies, 'dlq' | 'dlqAnalyze' | 'dlqQueue'>) {
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
    run: async ({ io, manager, args: [id, item], opts }) =>
      (await body.dlq()).dlqInspect(manager(), io, id, item, opts),
  });

  const dlqRetryCmd = defineCommand({
    path: ['dlq', 'retry'],
    summary: "Run a MapReduce session's failed items again",
    description:
      "Runs a MapReduce session's failed items again (after you fixed the cause); those that succeed leave the " +
      'queue. --filter picks items, --parallel N runs N agents at once, --max-retries N runs those still failing ' +
      'again, up to N rounds in all. Items marked not eligible for retry (reprocess_eligible: false) are left ' +
      'out unless --force. Exit code 1 while some still fail.',
    positionals: [{ ...sessionId('The MapReduce session, or its job id (or --job-id)'), optional: true }],
    options: {
      item: O.item,
      jobId: O.jobId,
      filter: O.filter,
      force: { ...O.force, help: 'Run items marked not eligible for retry too (reprocess_eligible: false)' },
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
    run: async ({ io, manager, args: [id], opts }) => (await body.dlqQueue()).dlqExport(manager(), io, id, opts),
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
    run: async ({ io, manager, args: [id], opts }) => (await body.dlqQueue()).dlqPurge(manager(), io, id, opts),
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
    run: async ({ io, manager, args: [id], opts }) => (await body.dlqQueue()).dlqStats(manager(), io, id, opts),
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
    run: async ({ io, manager, args: [id], opts }) => (await body.dlqQueue()).dlqClear(manager(), io, id, opts),
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

  const dlqGroup: Group = {
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
  };

  return { reduce, dlqGroup };
}
