// `clean logs|state|events|dlq|all`: Prodigy's clean family. What goes and what stays (a running or resumable
// session's files) is the core's rule (homeCleanup.ts); here: the scope (this repository or --all-repos), the
// question before deleting, and the report: each path with its size, each kept one with why.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CLEAN_KINDS,
  planHomeCleanup,
  removeCleanEntries,
  type CleanEntry,
  type CleanKind,
  type SessionManager,
} from '../../core';
import { plural } from '../format';
import { printJson, type Io } from '../io';
import { confirmDeletion, formatAge, formatBytes } from './confirm';

export interface CleanFlags {
  olderThan?: number;
  dryRun: boolean;
  force: boolean;
  allRepos: boolean;
  json: boolean;
}

/** Prodigy's {repo} for the current folder: its base name (`events clean` scopes by it too). */
export function currentRepo(): string {
  let dir = process.cwd();
  try {
    dir = fs.realpathSync(dir);
  } catch {
    // a folder removed under us: its name as given
  }
  return path.basename(dir);
}

export async function cleanCommand(
  manager: SessionManager,
  io: Io,
  kind: CleanKind | 'all',
  flags: CleanFlags,
): Promise<number> {
  const kinds = kind === 'all' ? CLEAN_KINDS : [kind];
  const repo = flags.allRepos ? null : currentRepo();
  const plan = await planHomeCleanup(manager, { kinds, olderThanMs: flags.olderThan ?? 0, repo });
  const going = plan.entries.filter((e) => !e.kept);
  const bytes = going.reduce((n, e) => n + e.bytes, 0);
  const what = kind === 'all' ? 'logs, state, events and dlq' : kind;
  if (!flags.dryRun && going.length) {
    const question = `Remove ${plural(going.length, 'item')} of ${what} (${formatBytes(bytes)}) from ${manager.home}?`;
    if (!(await confirmDeletion(io, question, flags.force))) return 1;
  }
  const removed = flags.dryRun ? going : removeCleanEntries(manager, plan);
  const failed = plan.entries.filter((e) => e.error);
  const kept = plan.entries.filter((e) => e.kept);
  if (flags.json) {
    const row = (e: CleanEntry) => ({ kind: e.kind, path: e.path, bytes: e.bytes, session_id: e.sessionId });
    printJson(io, {
      dry_run: flags.dryRun,
      repo,
      removed: removed.map(row),
      bytes: removed.reduce((n, e) => n + e.bytes, 0),
      kept: kept.map((e) => ({ ...row(e), reason: e.kept!.reason, message: e.kept!.message })),
      errors: failed.map((e) => ({ ...row(e), error: e.error })),
      skipped: { newer: plan.newer, other_repos: plan.otherRepos },
    });
    return failed.length ? 1 : 0;
  }
  const verb = flags.dryRun ? 'Would remove' : 'Removed';
  for (const e of removed) io.out(`${verb} ${formatBytes(e.bytes).padStart(8)}  ${e.path}${ownerText(e)}`);
  for (const e of kept) io.out(`Kept ${e.path}: ${e.kept!.message}`);
  for (const e of failed) io.err(`prodigy-vscode: could not remove ${e.path}: ${e.error}`);
  const total = removed.reduce((n, e) => n + e.bytes, 0);
  const parts = [
    removed.length
      ? `${verb} ${plural(removed.length, 'item')} of ${what}, ${formatBytes(total)}`
      : `No ${what} to remove`,
  ];
  if (kept.length) parts.push(`kept ${kept.length} of running or resumable sessions`);
  if (plan.newer) parts.push(`left ${plan.newer} changed within ${formatAge(flags.olderThan ?? 0)}`);
  if (plan.otherRepos)
    parts.push(`left ${plan.otherRepos} of other repositories or of no session (--all-repos includes them)`);
  const scope = repo === null ? 'every repository' : `repository ${repo}`;
  io.out(`${parts.join('; ')} (${scope}).${flags.dryRun ? ' Dry run: nothing was removed.' : ''}`);
  return failed.length ? 1 : 0;
}

function ownerText(e: CleanEntry): string {
  if (!e.sessionId) return '';
  return `  (session ${e.sessionId}${e.status ? `, ${e.status}` : ''})`;
}
