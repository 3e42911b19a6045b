// Where a repository is and what it has checked out.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GitError, NotAGitRepositoryError } from './errors';
import { runGit } from './run';

export async function isGitRepo(dir: string): Promise<boolean> {
  if (!isDirectory(dir)) return false;
  const r = await runGit(dir, ['rev-parse', '--is-inside-work-tree'], { allowFail: true });
  return r.code === 0 && r.stdout.trim() === 'true';
}

/** Top level of the main working tree, also when `dir` is inside a linked worktree. */
export async function mainWorktreeRoot(dir: string): Promise<string> {
  const commonDir = (await revParse(dir, ['--path-format=absolute', '--git-common-dir'])).trim();
  if (path.basename(commonDir) === '.git') return path.dirname(commonDir);
  // A bare repository, or one made with --separate-git-dir: no `<root>/.git` to go up from.
  if ((await revParse(dir, ['--is-bare-repository'])).trim() === 'true') {
    throw new NotAGitRepositoryError(`${dir} (a bare repository has no working tree)`);
  }
  return (await revParse(dir, ['--show-toplevel'])).trim();
}

async function revParse(dir: string, args: string[]): Promise<string> {
  try {
    return (await runGit(dir, ['rev-parse', ...args])).stdout;
  } catch (err) {
    if (err instanceof GitError && /not a git repository|does not exist/.test(err.message))
      throw new NotAGitRepositoryError(dir);
    throw err;
  }
}

/** The checked-out branch's short name, or null when HEAD is detached. */
export async function currentBranch(dir: string): Promise<string | null> {
  const r = await runGit(dir, ['symbolic-ref', '--quiet', 'HEAD'], { allowFail: true });
  if (r.code === 1) return null;
  if (r.code !== 0) throw new GitError(['symbolic-ref', 'HEAD'], dir, r.stderr, r.code);
  return r.stdout.trim().replace(/^refs\/heads\//, '');
}

export async function branchExists(dir: string, branch: string): Promise<boolean> {
  const r = await runGit(dir, ['show-ref', '--verify', '--quiet', `refs/heads/${branch}`], { allowFail: true });
  return r.code === 0;
}

/** main, else master, else the current branch (Prodigy's choice for a detached HEAD). */
export async function defaultBranch(dir: string): Promise<string> {
  for (const name of ['main', 'master']) if (await branchExists(dir, name)) return name;
  // Detached with neither: 'main' at least makes a later merge fail with a clear message.
  return (await currentBranch(dir)) ?? 'main';
}

const OBJECT_ID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/**
 * HEAD's commit read straight from the files (no process: this runs after every step).
 * Null whenever anything is unusual (unborn branch, reftable, odd layout); then use headCommit.
 */
export function readHeadSync(dir: string): string | null {
  try {
    const dirs = gitDirsOf(dir);
    if (!dirs) return null;
    const { gitDir, commonDir } = dirs;
    let content = (readSmallFile(path.join(gitDir, 'HEAD')) ?? '').trim();
    // Follow symbolic refs (HEAD → refs/heads/x → maybe another symref), a few hops at most.
    for (let hop = 0; hop < 5; hop++) {
      if (OBJECT_ID.test(content)) return content;
      const m = /^ref:\s*(refs\/\S+)$/.exec(content);
      if (!m) return null;
      const next = readRef(gitDir, commonDir, m[1]);
      if (next === null) return null;
      content = next;
    }
  } catch {
    // Unreadable or racing with git: let the caller ask git.
  }
  return null;
}

interface GitDirs {
  gitDir: string;
  commonDir: string;
}

// The engine reads HEAD after every step: where a folder's git dirs are is worked out once per
// `.git` entry (its inode and, for a `gitdir:` file, its mtime and size say it is the same one).
const gitDirsCache = new Map<string, { key: string; dirs: GitDirs }>();

/** `<dir>/.git` as a directory, or the target of a `gitdir:` file (linked worktrees, submodules), and its common dir. */
function gitDirsOf(dir: string): GitDirs | null {
  const dotGit = path.join(dir, '.git');
  const stat = fs.statSync(dotGit, { throwIfNoEntry: false });
  if (!stat) return null;
  const key = stat.isDirectory() ? `d${stat.ino}` : `f${stat.ino}:${stat.mtimeMs}:${stat.size}`;
  const cached = gitDirsCache.get(dir);
  if (cached?.key === key) return cached.dirs;
  let gitDir = dotGit;
  if (!stat.isDirectory()) {
    const m = /^gitdir:\s*(.+)$/m.exec(fs.readFileSync(dotGit, 'utf8'));
    if (!m) return null;
    gitDir = path.resolve(dir, m[1].trim());
  }
  const common = readSmallFile(path.join(gitDir, 'commondir'));
  const dirs = { gitDir, commonDir: common !== null ? path.resolve(gitDir, common.trim()) : gitDir };
  if (gitDirsCache.size > 256) gitDirsCache.clear();
  gitDirsCache.set(dir, { key, dirs });
  return dirs;
}

/** A loose ref (per-worktree refs in the worktree's git dir, the rest in the common dir), else packed-refs. */
function readRef(gitDir: string, commonDir: string, ref: string): string | null {
  const perWorktree = /^refs\/(bisect|worktree|rewritten)\//.test(ref);
  const loose = readSmallFile(path.join(perWorktree ? gitDir : commonDir, ref));
  if (loose !== null) return loose.trim();
  const packed = readIfExists(path.join(commonDir, 'packed-refs'));
  if (packed === null) return null;
  for (const line of packed.split('\n')) {
    // "<sha> <ref>"; '#' header and '^' peeled-tag lines never end in a ref name.
    const space = line.indexOf(' ');
    if (space > 0 && line.slice(space + 1).trimEnd() === ref) return line.slice(0, space);
  }
  return null;
}

function readIfExists(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (isMissing(err)) return null;
    throw err;
  }
}

const smallFileBuffer = Buffer.alloc(4096);

/** A ref-sized file's text in one read (open, read, close), or null when it does not exist. */
function readSmallFile(file: string): string | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    if (isMissing(err)) return null;
    throw err;
  }
  try {
    const n = fs.readSync(fd, smallFileBuffer, 0, smallFileBuffer.length, 0);
    if (n < smallFileBuffer.length) return smallFileBuffer.toString('utf8', 0, n);
  } finally {
    fs.closeSync(fd);
  }
  return fs.readFileSync(file, 'utf8');
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** The repository's common git dir (the one its worktrees share): from the files when it can, else from git. */
export async function gitCommonDir(dir: string): Promise<string> {
  return gitDirsOf(dir)?.commonDir ?? (await revParse(dir, ['--path-format=absolute', '--git-common-dir'])).trim();
}

export async function headCommit(dir: string): Promise<string> {
  return readHeadSync(dir) ?? (await runGit(dir, ['rev-parse', '--verify', 'HEAD'])).stdout.trim();
}

export async function commitExists(dir: string, commit: string): Promise<boolean> {
  const r = await runGit(dir, ['cat-file', '-e', `${commit}^{commit}`], { allowFail: true });
  return r.code === 0;
}

/** Commits reachable from `to` but not from `from` (`git rev-list --count from..to`). */
export async function countCommits(dir: string, from: string, to: string): Promise<number> {
  return Number((await runGit(dir, ['rev-list', '--count', `${from}..${to}`])).stdout.trim());
}

function isDirectory(dir: string): boolean {
  return fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory() ?? false;
}
