// Running the real `git`: one place for the environment, identity fallback and error shape.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { GitError } from './errors';

export interface GitResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface RunGitOptions {
  /** Resolve with a non-zero `code` instead of rejecting. */
  allowFail?: boolean;
  /** Extra environment for this call (on top of process.env). */
  env?: NodeJS.ProcessEnv;
}

// Inherited from a hook or a parent git: they would point every call at one repository
// regardless of `cwd`. A caller can still set them through `opts.env`.
const REPO_LOCATING_VARS = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR', 'GIT_PREFIX'];

// Subcommands that make commits and so need an author/committer identity.
const COMMITTING = new Set(['commit', 'merge', 'stash', 'cherry-pick', 'revert', 'rebase', 'am']);

/** Runs git in `cwd`; rejects with GitError on a non-zero exit unless `allowFail`. */
export async function runGit(cwd: string, args: string[], opts: RunGitOptions = {}): Promise<GitResult> {
  const env = baseEnv(opts.env);
  if (COMMITTING.has(args[0])) Object.assign(env, await identityFallback(cwd, env));
  const result = await spawnGit(cwd, args, env);
  if (result.code !== 0 && !opts.allowFail) throw new GitError(args, cwd, result.stderr, result.code);
  return result;
}

function baseEnv(extra: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of REPO_LOCATING_VARS) delete env[name];
  // No credential prompts (nobody can answer them); C locale so messages can be matched.
  return { ...env, ...extra, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
}

function spawnGit(cwd: string, args: string[], env: NodeJS.ProcessEnv): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e: NodeJS.ErrnoException) => {
      // spawn reports a missing cwd as ENOENT too; say which one it was.
      const reason =
        e.code === 'ENOENT' && !fs.existsSync(cwd)
          ? 'the folder does not exist'
          : e.code === 'ENOENT'
            ? 'git is not installed or not on PATH'
            : e.message;
      reject(new GitError(args, cwd, '', null, reason));
    });
    child.on('close', (code, signal) => {
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === null) reject(new GitError(args, cwd, stderr, null, `killed by ${signal}`));
      else resolve({ stdout, stderr, code });
    });
  });
}

// Whether an identity is configured depends on the repository (local config, includeIf) and
// on the config-locating environment, so the answer is cached per both, once per process.
const identityCache = new Map<string, Promise<NodeJS.ProcessEnv>>();

/**
 * GIT_AUTHOR_* / GIT_COMMITTER_* fallbacks ("Prodigy <prodigy@localhost>") for exactly the parts
 * of the identity the user has not configured, so merges work on a machine with no git identity
 * while a configured identity is never overridden.
 */
function identityFallback(cwd: string, env: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv> {
  const key = [
    cwd,
    env.HOME,
    env.XDG_CONFIG_HOME,
    env.GIT_CONFIG_GLOBAL,
    env.GIT_CONFIG_SYSTEM,
    env.GIT_CONFIG_NOSYSTEM,
  ].join('\0');
  let cached = identityCache.get(key);
  if (!cached) {
    cached = spawnGit(cwd, ['config', '--get-regexp', '^(user|author|committer)\\.(name|email)$'], env).then(
      (r) => {
        const set = new Set(r.stdout.split('\n').map((line) => line.split(' ')[0]));
        const has = (role: string, field: string) => set.has(`${role}.${field}`) || set.has(`user.${field}`);
        const fallback: NodeJS.ProcessEnv = {};
        if (!has('author', 'name')) fallback.GIT_AUTHOR_NAME = 'Prodigy';
        if (!has('committer', 'name')) fallback.GIT_COMMITTER_NAME = 'Prodigy';
        // git uses $EMAIL before guessing one, so it counts as configured.
        if (!has('author', 'email') && !env.EMAIL) fallback.GIT_AUTHOR_EMAIL = 'prodigy@localhost';
        if (!has('committer', 'email') && !env.EMAIL) fallback.GIT_COMMITTER_EMAIL = 'prodigy@localhost';
        return fallback;
      },
      () => ({}),
    );
    identityCache.set(key, cached);
  }
  // Never override an identity the caller's environment already gives.
  return cached.then((fallback) => Object.fromEntries(Object.entries(fallback).filter(([name]) => !env[name])));
}
