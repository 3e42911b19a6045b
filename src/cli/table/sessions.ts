// The commands on the sessions of the home and their checkpoints: restore, logs, migrate, the sessions group
// (list, show, delete, quarantine, clean) and the checkpoints group.
import { isKeptListing, printKeptListing } from '../listingCache';
import { OPTIONS as O } from '../options';
import { defineCommand, type Group } from '../spec';
import { safeId } from '../values';
import { sessionId, type CommandBodies } from './shared';

export function sessionCommands(
  body: Pick<CommandBodies, 'restore' | 'logs' | 'migrate' | 'sessions' | 'sessionsList' | 'checkpoints'>,
) {
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
    fromCache: (io, opts, home) => isKeptListing(opts) && printKeptListing(io, home),
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

  const sessionsGroup: Group = {
    name: 'sessions',
    summary: 'The sessions in the Prodigy home',
    description: 'The sessions in the Prodigy home: list, show, delete, and tidy them.',
    subcommands: [sessionsListCmd, sessionsShowCmd, sessionsDeleteCmd, sessionsQuarantineCmd, sessionsCleanCmd],
  };

  const checkpointsGroup: Group = {
    name: 'checkpoints',
    summary: "A session's checkpoints",
    description: "A session's checkpoints (restore <id> <checkpoint-id> goes back to one).",
    subcommands: [checkpointsListCmd],
  };

  return { restore, logs, migrate, sessionsGroup, checkpointsGroup };
}
