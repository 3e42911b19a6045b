// What changed in a working tree or between commits, and the few writes that go with it.
import { ProdigyError } from '../errors';
import { runGit } from './run';

/** NUL-separated git output (`-z`) to its fields. */
function splitZ(stdout: string): string[] {
  const parts = stdout.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

export interface StatusEntry {
  /** Index (staged) and working-tree columns of `git status --porcelain`. */
  index: string;
  worktree: string;
  path: string;
  /** The source of a rename or copy. */
  oldPath?: string;
}

/** `git status --porcelain=v1 -z --untracked-files=no`, parsed. */
export async function trackedStatus(dir: string): Promise<StatusEntry[]> {
  const fields = splitZ((await runGit(dir, ['status', '--porcelain=v1', '-z', '--untracked-files=no'])).stdout);
  const entries: StatusEntry[] = [];
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    const entry: StatusEntry = { index: f[0], worktree: f[1], path: f.slice(3) };
    // A rename/copy is followed by its source path as a field of its own.
    if (/[RC]/.test(f[0]) || /[RC]/.test(f[1])) entry.oldPath = fields[++i];
    entries.push(entry);
  }
  return entries;
}

/** Tracked files with uncommitted changes, staged or not (both sides of a rename). */
export async function trackedChanges(dir: string): Promise<string[]> {
  return (await trackedStatus(dir)).flatMap((e) => (e.oldPath ? [e.path, e.oldPath] : [e.path]));
}

export async function untrackedFiles(dir: string): Promise<string[]> {
  return splitZ((await runGit(dir, ['ls-files', '--others', '--exclude-standard', '-z'])).stdout);
}

/** Tracked changes and untracked files: everything `git worktree remove --force` would lose. */
export async function uncommittedFiles(dir: string): Promise<string[]> {
  const [tracked, untracked] = await Promise.all([trackedChanges(dir), untrackedFiles(dir)]);
  return [...new Set([...tracked, ...untracked])];
}

/**
 * Saves uncommitted tracked changes as a stash entry without touching the working tree
 * (`git stash create` + `git stash store`). Returns the stash commit, or null when clean.
 */
export async function saveUncommittedChanges(dir: string, message: string): Promise<string | null> {
  const sha = (await runGit(dir, ['stash', 'create', message])).stdout.trim();
  if (!sha) return null;
  await runGit(dir, ['stash', 'store', '-m', message, sha]);
  return sha;
}

/** Every path (relative to the top level) in `commit`'s tree. */
export async function filesInCommit(dir: string, commit: string): Promise<Set<string>> {
  return new Set(
    splitZ((await runGit(dir, ['ls-tree', '-r', '-z', '--full-tree', '--name-only', commit, '--'])).stdout),
  );
}

export interface ChangedFile {
  /** A, M, D, R, C, T, U (similarity scores dropped). */
  status: string;
  path: string;
  /** The source of a rename or copy. */
  oldPath?: string;
}

/** Files that differ between `from` and `to` (or the working tree when `to` is omitted), with renames. */
export async function changedFiles(dir: string, from: string, to?: string): Promise<ChangedFile[]> {
  const args = ['diff', '--name-status', '-z', '-M', '--no-ext-diff', from, ...(to ? [to] : []), '--'];
  return parseNameStatus((await runGit(dir, args)).stdout);
}

export function parseNameStatus(stdout: string): ChangedFile[] {
  const fields = splitZ(stdout);
  const out: ChangedFile[] = [];
  for (let i = 0; i < fields.length;) {
    const status = fields[i++][0];
    if (status === 'R' || status === 'C') {
      const oldPath = fields[i++];
      out.push({ status, path: fields[i++], oldPath });
    } else {
      out.push({ status, path: fields[i++] });
    }
  }
  return out;
}

/** Keeps `commit` reachable (safe from gc) under `ref`, so a restore can be undone later. */
export async function keepCommit(dir: string, ref: string, commit: string): Promise<void> {
  // Anything outside refs/ would land as a loose file in .git itself (like HEAD).
  if (!ref.startsWith('refs/'))
    throw new ProdigyError(`Cannot keep ${commit} in ${dir}: ref "${ref}" must start with refs/`);
  await runGit(dir, ['update-ref', ref, commit]);
}

export async function resetHard(dir: string, commit: string): Promise<void> {
  await runGit(dir, ['reset', '--hard', '--quiet', commit, '--']);
}
