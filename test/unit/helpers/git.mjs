// Real git repositories in temp folders for the git-layer tests. Not a test file.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Makes git in this process (our calls and the core's) independent of the machine: no system or
 * global config, a throwaway HOME, no identity from the environment. Restored after the suite.
 */
export function hermeticGit({ before, after }) {
  const saved = {};
  const names = [
    'HOME',
    'GIT_CONFIG_GLOBAL',
    'GIT_CONFIG_NOSYSTEM',
    'XDG_CONFIG_HOME',
    'EMAIL',
    'GIT_AUTHOR_NAME',
    'GIT_AUTHOR_EMAIL',
    'GIT_COMMITTER_NAME',
    'GIT_COMMITTER_EMAIL',
    'GIT_DIR',
    'GIT_WORK_TREE',
  ];
  let home;
  before(() => {
    home = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'prodigy-git-home-')));
    for (const n of names) saved[n] = process.env[n];
    for (const n of names) delete process.env[n];
    fs.writeFileSync(path.join(home, '.gitconfig'), '');
    Object.assign(process.env, {
      HOME: home,
      GIT_CONFIG_GLOBAL: path.join(home, '.gitconfig'),
      GIT_CONFIG_NOSYSTEM: '1',
    });
  });
  after(() => {
    for (const n of names) {
      if (saved[n] === undefined) delete process.env[n];
      else process.env[n] = saved[n];
    }
    fs.rmSync(home, { recursive: true, force: true });
  });
}

/** Runs git synchronously; returns stdout without its trailing newline. */
export function git(cwd, ...args) {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).replace(/\n$/, '');
}

// For commits in repos deliberately left without an identity.
const ID = ['-c', 'user.name=Test User', '-c', 'user.email=test@example.com'];

/**
 * A fresh repo `<tmp>/<name>` on `main` with one commit (README.md), removed after the test.
 * `identity: false` leaves user.name/user.email unset in its config.
 */
export function makeRepo(t, { name = 'repo', identity = true, branch = 'main' } = {}) {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'prodigy-git-')));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const repo = path.join(root, name);
  git(root, 'init', '-q', '-b', branch, repo);
  if (identity) {
    git(repo, 'config', 'user.name', 'Test User');
    git(repo, 'config', 'user.email', 'test@example.com');
  }
  commitFile(repo, 'README.md', 'hello\n', 'initial');
  return { root, repo, worktrees: path.join(root, 'worktrees') };
}

export function write(dir, file, content) {
  fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  fs.writeFileSync(path.join(dir, file), content);
}

export function read(dir, file) {
  return fs.readFileSync(path.join(dir, file), 'utf8');
}

/** Writes `file` and commits it; returns the new commit. */
export function commitFile(dir, file, content, message = `change ${file}`) {
  write(dir, file, content);
  git(dir, 'add', '--', file);
  git(dir, ...ID, 'commit', '-q', '-m', message);
  return git(dir, 'rev-parse', 'HEAD');
}

/** The error a call throws (assert.rejects does not hand it back); fails when nothing is thrown. */
export async function caught(promiseOrFn) {
  try {
    await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (err) {
    return err;
  }
  throw new Error('expected an error, none was thrown');
}
