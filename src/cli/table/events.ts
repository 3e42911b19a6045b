// The events group: Prodigy's event log of runs (ls, follow, export, stats, search, clean).
import { OLDER_THAN_DURATION, OPTIONS as O } from '../options';
import { defineCommand, type Group } from '../spec';
import { eventExportFormat } from '../values';
import type { CommandBodies } from './shared';

/** What events ls, follow and export select by (Prodigy's flags: --event-type, --agent-id, --file; ours: --type). */
const EVENT_SELECTION = {
  jobId: { ...O.jobId, help: 'Only this job: a MapReduce job id (mapreduce-…), or the session id of a run' },
  type: O.type,
  eventType: O.eventType,
  agentId: O.agentId,
  file: O.file,
} as const;

export function eventCommands(body: Pick<CommandBodies, 'events' | 'eventsQuery' | 'eventsClean'>): Group {
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

  const eventsStatsCmd = defineCommand({
    path: ['events', 'stats'],
    summary: 'Count events by type, job or agent',
    description:
      'Counts the events (with the same selection as events ls) by event type, or with --group-by by job or by ' +
      'agent, most first, with the first and last time of each.',
    positionals: [],
    options: { ...EVENT_SELECTION, since: O.since, groupBy: O.groupBy, json: O.json },
    run: async ({ io, manager, opts }) => (await body.eventsQuery()).eventsStats(manager(), io, opts),
  });

  const eventsSearchCmd = defineCommand({
    path: ['events', 'search'],
    summary: 'Find events matching a regular expression',
    description:
      'Prints the events (oldest first, with the same selection as events ls) whose record matches PATTERN, a ' +
      'regular expression taken without regard to case: anywhere in the record as written, or with --fields only ' +
      "in those fields of the event, e.g. --fields error,item_id. A correlation id finds a session's events.",
    positionals: [{ name: 'pattern', help: 'A regular expression, e.g. "error|failed" or "timeout"' }],
    options: {
      ...EVENT_SELECTION,
      since: O.since,
      fields: O.fields,
      limit: { ...O.limit, help: 'At most N events, the newest' },
      json: { ...O.json, help: 'Print { "events": [records as written], "total": n, "unreadable_lines": n }' },
    },
    run: async ({ io, manager, args: [pattern], opts }) =>
      (await body.eventsQuery()).eventsSearch(manager(), io, pattern, opts),
  });

  const eventsCleanCmd = defineCommand({
    path: ['events', 'clean'],
    summary: 'Remove old events from inside events files (by age, count or size)',
    description:
      "Prodigy's retention: removes events from inside the events files of the current folder's repository " +
      '(--all-jobs: every repository; --job-id: one job; --file: one file), rotated pieces too (a gzipped one stays ' +
      'gzipped): those older than --older-than, all but the newest --max-events of each file, and the oldest until ' +
      "each file fits --max-size. With none of the three, Prodigy's defaults: older than 30d, the newest 100000 per " +
      'file. Lines that are not events stay as they are; a file whose session is running is left alone; each file ' +
      'is rewritten atomically, and --archive first writes what it removes to a new gzip archive. Asks first on a ' +
      'terminal; without one, -f (or PRODIGY_AUTOMATION=true) is needed. clean events removes whole files instead.',
    positionals: [],
    options: {
      olderThan: { ...OLDER_THAN_DURATION, help: 'Remove events older than D: 30d, 12h, 2w (a bare number is days)' },
      maxEvents: O.maxEvents,
      maxSize: O.maxSize,
      dryRun: { ...O.dryRun, help: 'Say what would be removed from each file; change nothing' },
      archive: O.archive,
      archivePath: O.archivePath,
      allJobs: O.allJobs,
      jobId: { ...O.jobId, help: 'Only this job: a MapReduce job id (mapreduce-…), or the session id of a run' },
      file: { ...O.file, help: 'Only this events file' },
      json: O.json,
      force: { ...O.force, help: 'Do not ask' },
    },
    run: async ({ io, manager, opts }) => (await body.eventsClean()).eventsClean(manager(), io, opts),
  });

  return {
    name: 'events',
    summary: "Prodigy's event log: jobs, agents, checkpoints, Claude usage",
    description:
      "The events every run, resume and dlq retry writes to H/events/<repo>/<job>/ in Prodigy's format: jobs " +
      'started, completed, failed and paused; MapReduce agents; items sent to the dead-letter queue; checkpoints; ' +
      'the usage of every Claude call. events clean removes old ones from inside the files.',
    subcommands: [eventsLsCmd, eventsFollowCmd, eventsExportCmd, eventsStatsCmd, eventsSearchCmd, eventsCleanCmd],
  };
}
