// Removing what runs leave under the home: the clean group (old logs, job state, events, dead-letter queues) and
// the worktree group (list, clean, merge, clean-orphaned).
import { OLDER_THAN_DURATION, OPTIONS as O, RUN_VERBOSE } from '../options';
import { defineCommand, type Command, type Group } from '../spec';
import { safeId } from '../values';
import { sessionId, type CommandBodies } from './shared';

export function worktreeCleanCommands(body: Pick<CommandBodies, 'clean' | 'worktree'>) {
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

  const cleanGroup: Group = {
    name: 'clean',
    summary: 'Remove old logs, job state, events and dead-letter queues',
    description:
      "Prodigy's clean family: old files under the home that no running or resumable session needs. sessions " +
      'clean moves whole finished sessions aside; worktree clean removes worktrees.',
    subcommands: CLEAN_COMMANDS,
  };

  const worktreeGroup: Group = {
    name: 'worktree',
    summary: 'The session worktrees under the home',
    description: 'The git worktrees sessions run in, under the home.',
    subcommands: [worktreeLsCmd, worktreeCleanCmd, worktreeMergeCmd, worktreeCleanOrphanedCmd],
  };

  return { cleanGroup, worktreeGroup };
}
