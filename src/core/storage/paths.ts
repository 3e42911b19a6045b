// Where everything lives under the Prodigy home `H` (prodigy-formats.md §1).
import * as os from 'node:os';
import * as path from 'node:path';
import { assertSafeId } from './ids';

export interface HomeOptions {
  /** Explicit root (the `--home` flag or the `prodigy.home` setting). */
  home?: string;
  env?: NodeJS.ProcessEnv;
}

/** Explicit option, else `PRODIGY_HOME`, else `~/.prodigy`. */
export function resolveHome(options: HomeOptions = {}): string {
  const env = options.env ?? process.env;
  const chosen = options.home?.trim() || env.PRODIGY_HOME?.trim() || path.join(os.homedir(), '.prodigy');
  return path.resolve(expandTilde(chosen));
}

function expandTilde(p: string): string {
  if (p === '~') return os.homedir();
  if (p.startsWith('~/')) return path.join(os.homedir(), p.slice(2));
  return p;
}

/** Our own files live in one folder beside Prodigy's, never as `*.json` in `H/sessions`. */
export const OWN_DIR = 'vscode';

export class HomePaths {
  readonly sessionsDir: string;
  readonly stateDir: string;
  readonly ownDir: string;
  readonly locksDir: string;
  readonly indexFile: string;
  /** Whether the sessions folder's timestamps can be trusted, measured once (storage/fileIdentity.ts). */
  readonly timestampsFile: string;
  /** The last `sessions list --json` as printed, with the files it came from (sessions/renderedListing.ts). */
  readonly renderedListingFile: string;
  readonly quarantineDir: string;
  readonly trashDir: string;
  readonly resumeLocksDir: string;
  readonly logsDir: string;
  /** Room a run sets aside to record where it stopped when the disk fills up (runs/spaceReserve.ts). */
  readonly spaceReserveDir: string;
  /** Every Claude call's stream, kept verbatim: `H/logs/claude-streaming/<YYYYmmdd_HHMMSS>-<uuid>.jsonl` (Prodigy's place). */
  readonly claudeStreamDir: string;
  /** Session worktrees: `H/worktrees/{repo}/{id}` (where `prodigy resume` looks for them). */
  readonly worktreesDir: string;

  constructor(readonly home: string) {
    this.sessionsDir = path.join(home, 'sessions');
    this.stateDir = path.join(home, 'state');
    this.ownDir = path.join(home, OWN_DIR);
    this.locksDir = path.join(this.ownDir, 'locks');
    this.indexFile = path.join(this.ownDir, 'session-index.json');
    this.renderedListingFile = path.join(this.ownDir, 'sessions-list.cache');
    this.timestampsFile = path.join(this.ownDir, 'timestamps.json');
    this.quarantineDir = path.join(home, 'quarantine');
    this.trashDir = path.join(this.ownDir, 'deleted');
    this.resumeLocksDir = path.join(home, 'resume_locks');
    this.logsDir = path.join(this.ownDir, 'logs');
    this.spaceReserveDir = path.join(this.ownDir, 'reserve');
    this.worktreesDir = path.join(home, 'worktrees');
    this.claudeStreamDir = path.join(home, 'logs', 'claude-streaming');
  }

  sessionFile(id: string): string {
    return path.join(this.sessionsDir, `${assertSafeId(id, 'session id')}.json`);
  }

  /** Everything a session's steps printed, kept so its log can be reopened later. */
  sessionLogFile(id: string): string {
    return path.join(this.logsDir, `${assertSafeId(id, 'session id')}.log`);
  }

  /** One MapReduce agent's log: H/vscode/logs/{id}/{item_id}.log. */
  agentLogFile(id: string, itemId: string): string {
    return path.join(this.logsDir, assertSafeId(id, 'session id'), `${assertSafeId(itemId, 'item id')}.log`);
  }

  sessionLock(id: string): string {
    return path.join(this.locksDir, `${assertSafeId(id, 'session id')}.lock`);
  }

  /** `H/state/{id}`: Prodigy's per-session state folder. */
  sessionStateDir(id: string): string {
    return path.join(this.stateDir, assertSafeId(id, 'session id'));
  }

  /** Prodigy's workflow checkpoint files for a session (§5). */
  workflowCheckpointsDir(id: string): string {
    return path.join(this.sessionStateDir(id), 'checkpoints');
  }

  /** Our checkpoint snapshots: a suffix Prodigy's `*.checkpoint.json` glob never matches. */
  snapshotsDir(id: string): string {
    return path.join(this.sessionStateDir(id), 'snapshots');
  }

  snapshotFile(id: string, checkpointId: string): string {
    return path.join(this.snapshotsDir(id), `${assertSafeId(checkpointId, 'checkpoint id')}.snapshot.json`);
  }

  /** The session's checkpoint journal (one line per step checkpoint). */
  journalFile(id: string): string {
    return path.join(this.snapshotsDir(id), 'journal.jsonl');
  }

  snapshotLock(id: string): string {
    return path.join(this.locksDir, `${assertSafeId(id, 'session id')}.state.lock`);
  }
}

/** A UTC time for folder names (`20261206-045255`): sortable, no characters a file system refuses. */
export function fileStamp(date = new Date()): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
}
