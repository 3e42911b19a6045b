// `prodigy-vscode`: a thin command line over the session core.
import { parseArgs } from 'node:util';
import { ProdigyError, SessionManager, errorMessage } from '../core';
import { checkpointsList } from './commands/checkpoints';
import { dlqInspect, dlqList, dlqRetry } from './commands/dlq';
import { migrateCommand } from './commands/migrate';
import { restoreCommand } from './commands/restore';
import { mergeCommand, resumeCommand, runCommand } from './commands/run';
import { validateCommand } from './commands/validate';
import { worktreeClean, worktreeList } from './commands/worktree';
import { logsCommand } from './commands/logs';
import { sessionsClean, sessionsDelete, sessionsList, sessionsQuarantine, sessionsShow } from './commands/sessions';
import { processIo, UsageError, type Io } from './io';

const USAGE = `Usage: prodigy-vscode [--home DIR] <command>

Sessions live in the Prodigy home: --home DIR, else $PRODIGY_HOME, else ~/.prodigy.

Commands:
  run <workflow> [-p DIR] [-y] [--no-worktree] [--args V]… [--dry-run] [--json]
      [-n N] [--map GLOB]…                          Run a workflow file as a new session: -n repeats it
                                                    (up to N times, until an iteration changes nothing);
                                                    --map and several --args run it once per input
  run <workflow> --resume <id>                      Prodigy's spelling of resume <id>
  resume <id> [-y] [--json]                         Continue a Paused or Failed session where it stopped
  restore <id> <checkpoint-id> [--force] [--json]   Take a session and its worktree back to a checkpoint
  merge <id> [--json]                               Merge a completed session's branch back
  validate <workflow> [--json]                      Check a workflow file and print what it contains
  dlq list <id> [--json]                            A MapReduce session's failed items
  dlq inspect <id> <item-id> [--json]               One failed item in full, as JSON
  dlq retry <id> [-y] [--json]                      Run a MapReduce session's failed items again
  sessions list [--json] [--status S] [--limit N]   List sessions, newest first
  sessions show <id> [--json]                       Show one session
  sessions delete <id> [--force]                    Move a session's files aside
  sessions quarantine [--json]                      Move unreadable session files aside
  sessions clean [--older-than DAYS] [-a] [--dry-run] [-f] [--json]
                                                    Move Completed/Cancelled sessions (-a: also Failed) last
                                                    updated more than DAYS (7) ago to H/vscode/deleted; their
                                                    worktrees stay unless -f (never with uncommitted changes;
                                                    unmerged branches stay). Running/Paused never go
  logs <session-id> [-F] [--lines N]                Print a session's log (the last N lines); -F/--follow
                                                    prints new lines as they come, until the run ends
  checkpoints list <session-id> [--json]            List a session's checkpoints
  worktree ls [--json]                              Session worktrees, with their sessions' status
  worktree clean [<id>] [-a] [-f] [--dry-run]       Remove the worktrees of Completed/Cancelled sessions (-a: also
                                                    Failed and record-less ones), or the one named; records and
                                                    unmerged branches stay. -f: despite uncommitted changes, and
                                                    for a named Running/Paused session
  migrate [--path DIR] [--dry-run] [--json]         Import legacy and record-less sessions
  help                                              Show this help

Claude steps run \`claude --print --dangerously-skip-permissions <prompt>\`; --claude-command CMD
or PRODIGY_CLAUDE_COMMAND uses another program. -y merges without asking.`;

const OPTIONS = {
  home: { type: 'string' },
  json: { type: 'boolean', default: false },
  status: { type: 'string' },
  limit: { type: 'string' },
  path: { type: 'string', short: 'p' },
  resume: { type: 'string' },
  force: { type: 'boolean', short: 'f', default: false },
  all: { type: 'boolean', short: 'a', default: false },
  'dry-run': { type: 'boolean', default: false },
  yes: { type: 'boolean', short: 'y', default: false },
  'no-worktree': { type: 'boolean', default: false },
  args: { type: 'string', multiple: true },
  'max-iterations': { type: 'string', short: 'n' },
  map: { type: 'string', multiple: true },
  'claude-command': { type: 'string' },
  'older-than': { type: 'string' },
  follow: { type: 'boolean', short: 'F', default: false },
  lines: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
  version: { type: 'boolean', default: false },
} as const;

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    io.err(`prodigy-vscode: ${errorMessage(err)}\nRun \`prodigy-vscode help\` for usage.`);
    return 2;
  }
  const {
    values: v,
    positionals: [cmd, sub, arg, ...extra],
  } = parsed;
  if (v.version) {
    io.out(VERSION);
    return 0;
  }
  if (v.help || !cmd || cmd === 'help') {
    io.out(USAGE);
    return 0;
  }
  const manager = new SessionManager({ home: v.home });
  try {
    const key = `${cmd} ${sub ?? ''}`.trim();
    const positionalsAfter = (n: number) => [cmd, sub, arg, ...extra].slice(n).filter((p) => p !== undefined);
    const expect = (count: number) => {
      const rest = positionalsAfter(count);
      if (rest.length) throw new UsageError(`Unexpected argument "${rest[0]}" for \`${key}\``);
    };
    switch (key) {
      case 'sessions list':
      case 'sessions ls':
        expect(2);
        await sessionsList(manager, io, { json: v.json, status: v.status, limit: v.limit });
        return 0;
      case 'sessions show':
        expect(3);
        await sessionsShow(manager, io, arg, { json: v.json });
        return 0;
      case 'sessions delete':
        expect(3);
        await sessionsDelete(manager, io, arg, { force: v.force });
        return 0;
      case 'sessions quarantine':
        expect(2);
        await sessionsQuarantine(manager, io, { json: v.json });
        return 0;
      case 'sessions clean':
        expect(2);
        return await sessionsClean(manager, io, {
          olderThan: v['older-than'],
          all: v.all,
          dryRun: v['dry-run'],
          force: v.force,
          json: v.json,
        });
      case 'dlq list':
      case 'dlq ls':
        expect(3);
        return await dlqList(manager, io, arg, { json: v.json });
      case 'dlq inspect':
        expect(4);
        return await dlqInspect(manager, io, arg, extra[0]);
      case 'dlq retry':
        expect(3);
        return await dlqRetry(manager, io, arg, { yes: v.yes, json: v.json, claudeCommand: v['claude-command'] });
      case 'worktree ls':
      case 'worktree list':
        expect(2);
        return await worktreeList(manager, io, { json: v.json });
      case 'worktree clean':
        expect(3);
        return await worktreeClean(manager, io, arg, {
          all: v.all,
          force: v.force,
          dryRun: v['dry-run'],
          json: v.json,
        });
      case 'checkpoints list':
      case 'checkpoints ls':
        expect(3);
        await checkpointsList(manager, io, arg, { json: v.json });
        return 0;
      default:
        if (cmd === 'run') {
          // `prodigy run <wf> --resume <id>` goes straight to the resume; the workflow comes from the session.
          if (v.resume !== undefined) {
            expect(2);
            return await resumeCommand(manager, io, v.resume, {
              yes: v.yes,
              json: v.json,
              claudeCommand: v['claude-command'],
            });
          }
          expect(2);
          return await runCommand(manager, io, sub, {
            path: v.path,
            yes: v.yes,
            noWorktree: v['no-worktree'],
            args: v.args ?? [],
            maxIterations: v['max-iterations'],
            map: v.map ?? [],
            dryRun: v['dry-run'],
            json: v.json,
            claudeCommand: v['claude-command'],
          });
        }
        if (cmd === 'resume') {
          expect(2);
          return await resumeCommand(manager, io, sub, {
            yes: v.yes,
            json: v.json,
            claudeCommand: v['claude-command'],
          });
        }
        if (cmd === 'merge') {
          expect(2);
          return await mergeCommand(manager, io, sub, { json: v.json, claudeCommand: v['claude-command'] });
        }
        if (cmd === 'restore') {
          expect(3);
          return await restoreCommand(manager, io, sub, arg, { force: v.force, json: v.json });
        }
        if (cmd === 'validate') {
          expect(2);
          return await validateCommand(io, sub, { json: v.json });
        }
        if (cmd === 'logs' || cmd === 'log') {
          expect(2);
          return await logsCommand(manager, io, sub, { follow: v.follow, lines: v.lines });
        }
        if (cmd === 'migrate') {
          expect(1);
          return await migrateCommand(manager, io, { json: v.json, path: v.path, dryRun: v['dry-run'] });
        }
        throw new UsageError(`Unknown command \`${key}\``);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`prodigy-vscode: ${err.message}\nRun \`prodigy-vscode help\` for usage.`);
      return 2;
    }
    // Known problems are one line; anything else too, with the stack only on request.
    io.err(`prodigy-vscode: ${errorMessage(err)}`);
    if (!(err instanceof ProdigyError) && process.env.PRODIGY_DEBUG) io.err(String((err as Error).stack));
    return 1;
  } finally {
    manager.close();
  }
}

declare const __VERSION__: string | undefined;
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0-dev';

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`prodigy-vscode: ${errorMessage(err)}\n`);
      process.exit(1);
    },
  );
}
