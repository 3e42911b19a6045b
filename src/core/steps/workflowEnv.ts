// The environment a run's steps get from the workflow file: `env_files:`, `env:` (strings, command values,
// conditional values, per-profile values, secret values) and the active profile. Precedence, lowest first:
// the parent process's environment, the env files (a later file over an earlier one), the workflow's `env:`,
// the active profile's variables, `secrets:`, then a step's own `env:` (the docs disagree on the last two; the
// step's explicit value wins). A secret `env:` value is masked like `secrets:`. Values are computed once when a run (or a resume) starts, in the folder its steps run in.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { compileCondition } from '../expressions/condition';
import { ProdigyError } from '../errors';
import type { EnvValue, SourcePosition, Workflow } from '../workflow/model';
import { interpolate, type Variables } from './interpolation';

/** Longest a command value may take (a hung command would hold the run before its first step). */
const COMMAND_TIMEOUT_MS = 60_000;
/** `${NAME}`, `${NAME:-default}` (group 2: has a default) or `$NAME` in a secret's value. */
const REFERENCE = /\$\{([^}:]+)(:-[^}]*)?\}|\$([A-Za-z_]\w*)/g;

/** Every profile name the file knows: `profiles:`, `active_profile:`, and the names of per-profile values. */
export function knownProfiles(workflow: Workflow): string[] {
  const e = workflow.environment;
  if (!e) return [];
  const names = new Set(Object.keys(e.profiles));
  if (e.active_profile) names.add(e.active_profile);
  const visit = (v: EnvValue) => {
    if (v.kind !== 'per_profile') return;
    for (const [k, sub] of Object.entries(v.values)) {
      if (k !== 'default') names.add(k);
      visit(sub);
    }
  };
  Object.values(e.entries).forEach(visit);
  return [...names];
}

/**
 * The profile a run uses: `requested` (`--profile`, the picker, the one a resumed session started with), else
 * the file's `active_profile:`; none when neither. A name the file does not know is an error listing those it does.
 */
export function activeProfile(workflow: Workflow, requested?: string, env?: NodeJS.ProcessEnv): string | undefined {
  // PRODIGY_PROFILE (the docs' environment-profiles page) picks one for a file that has profiles, when --profile
  // does not; a file without profiles ignores it, so an exported value does not break other workflows.
  const fromEnv = !requested?.trim() && knownProfiles(workflow).length > 0 ? env?.[PROFILE_ENV]?.trim() : undefined;
  const name = requested?.trim() || fromEnv || workflow.environment?.active_profile;
  if (!name) return undefined;
  const known = knownProfiles(workflow);
  if (!known.includes(name))
    throw new ProdigyError(
      (known.length
        ? `${workflow.path}: no profile named "${name}"; the file's profiles are ${known.join(', ')}`
        : `${workflow.path}: no profile named "${name}"; the file has no profiles:`) +
        (fromEnv ? ` (${PROFILE_ENV}=${fromEnv} in the environment)` : ''),
    );
  return name;
}

/** The environment variable that picks a profile when no --profile is given. */
export const PROFILE_ENV = 'PRODIGY_PROFILE';

/** The env files' variables, in order (a later file wins). A missing file is skipped unless `required: true`. */
export function envFileValues(
  workflow: Workflow,
  profile: string | undefined,
  env: NodeJS.ProcessEnv,
): Record<string, string> {
  const files = workflow.environment?.files ?? [];
  const out: Record<string, string> = {};
  const scope: Variables = { ...definedEnv(env), active_profile: profile ?? '', profile: profile ?? '' };
  for (const file of files) {
    const written = interpolate(file.path, scope);
    const full = path.resolve(path.dirname(workflow.path), written);
    let text: string;
    try {
      text = fs.readFileSync(full, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && !file.required) continue;
      const why =
        code === 'ENOENT' ? 'which does not exist (required: true)' : `which cannot be read (${code ?? String(err)})`;
      throw new ProdigyError(`${at(workflow, file.position)}env file ${full}, ${why}`);
    }
    Object.assign(out, parseDotenv(text));
  }
  return out;
}

/**
 * The values of the `env:` entries marked secret (and of the profile's), resolved now: the masker needs them
 * before the log opens. `${VAR}` in one reads the env files, then the parent environment; unset is an error.
 */
export function envSecretValues(
  workflow: Workflow,
  env: NodeJS.ProcessEnv,
  profile: string | undefined,
): Record<string, string> {
  const e = workflow.environment;
  if (!e) return {};
  const files = envFileValues(workflow, profile, env);
  const scope: Variables = { ...definedEnv(env), ...files };
  const out: Record<string, string> = {};
  const layers = [e.entries, profile ? (e.profiles[profile]?.env ?? {}) : {}];
  const secretKeys = new Set<string>();
  for (const layer of layers)
    for (const [key, value] of Object.entries(layer)) if (isSecret(value, profile)) secretKeys.add(key);
  for (const key of secretKeys) {
    let chosen: EnvValue | undefined;
    for (const layer of layers) if (layer[key]) chosen = pick(layer[key], profile) ?? chosen;
    if (!chosen || chosen.kind !== 'static') continue;
    const missing = [...chosen.value.matchAll(REFERENCE)]
      .filter((m) => m[2] === undefined)
      .map((m) => m[1] ?? m[3])
      .find((name) => scope[name] === undefined);
    if (missing)
      throw new ProdigyError(
        `${workflow.path}: secret env value ${key} needs \${${missing}}, which is not set (in the environment or an env file)`,
      );
    out[key] = interpolate(chosen.value, scope);
  }
  return out;
}

/**
 * The workflow's variables for a run, in precedence order (env files, `env:`, the profile), each `${...}` read
 * from `vars` (ARG, PROJECT_ROOT...), the earlier entries, the env files, then the parent environment. Command
 * values run in `cwd` (`runCommands: false`, the dry run, shows them as `$(command)` instead).
 */
export function resolveWorkflowEnv(
  workflow: Workflow,
  a: { cwd: string; env: NodeJS.ProcessEnv; vars: Variables; profile?: string; runCommands?: boolean },
): Record<string, string> {
  const e = workflow.environment;
  const out: Record<string, string> = {};
  if (!e) {
    for (const [k, v] of Object.entries(workflow.env)) out[k] = interpolate(v, { ...a.vars, ...out });
    return out;
  }
  const profile = a.profile;
  const files = envFileValues(workflow, profile, a.env);
  Object.assign(out, files);
  const secrets = envSecretValues(workflow, a.env, profile);
  let branch: string | undefined;
  const layers = [e.entries, profile ? (e.profiles[profile]?.env ?? {}) : {}];
  for (const layer of layers)
    for (const [key, written] of Object.entries(layer)) {
      if (key in secrets) {
        out[key] = secrets[key];
        continue;
      }
      const value = pick(written, profile);
      if (!value) continue;
      const scope: Variables = { ...definedEnv(a.env), ...out, ...a.vars };
      if (value.kind === 'static') out[key] = interpolate(value.value, scope);
      else if (value.kind === 'command')
        out[key] = a.runCommands
          ? runCommand(workflow, key, value, a.cwd, { ...a.env, ...out })
          : `$(${value.command})`;
      else if (value.kind === 'condition') {
        branch ??= gitBranch(a.cwd);
        const known: Variables = { ...scope, branch, profile: profile ?? '' };
        const outside = { ...definedEnv(a.env), ...files };
        // `env.X` reads the environment the run started with (and the env files); a bare name the variables first.
        const holds = compileCondition(value.condition).test((p) => {
          if (p.startsWith('env.')) {
            const v = outside[p.slice(4)];
            return v === undefined ? { found: false } : { found: true, value: v };
          }
          return p in known ? { found: true, value: known[p] } : { found: false };
        });
        out[key] = interpolate(holds ? value.when_true : value.when_false, scope);
      }
    }
  return out;
}

function isSecret(value: EnvValue, profile: string | undefined): boolean {
  if (value.kind === 'static') return value.secret === true;
  if (value.kind !== 'per_profile') return false;
  if (value.secret) return true;
  const chosen = pick(value, profile);
  return chosen !== undefined && isSecret(chosen, profile);
}

/** A per-profile value's choice for `profile` (else its `default`); none when neither is there. */
function pick(value: EnvValue, profile: string | undefined): EnvValue | undefined {
  if (value.kind !== 'per_profile') return value;
  const chosen = (profile !== undefined ? value.values[profile] : undefined) ?? value.values.default;
  return chosen && pick(chosen, profile);
}

function runCommand(
  workflow: Workflow,
  key: string,
  value: Extract<EnvValue, { kind: 'command' }>,
  cwd: string,
  env: NodeJS.ProcessEnv,
): string {
  const r = spawnSync('sh', ['-c', value.command], { cwd, env, encoding: 'utf8', timeout: COMMAND_TIMEOUT_MS });
  const where = `${at(workflow, value.position)}env.${key}: the command "${value.command}"`;
  if (r.error) throw new ProdigyError(`${where} could not run: ${r.error.message}`);
  if (r.status !== 0) {
    const stderr = (r.stderr ?? '').trim().split('\n').slice(-3).join(' ');
    throw new ProdigyError(`${where} failed (exit ${r.status ?? r.signal})${stderr ? `: ${stderr}` : ''}`);
  }
  return (r.stdout ?? '').replace(/\r?\n$/, '');
}

/**
 * The branch the project has checked out, for `branch` in a condition: the repository's, not the session
 * worktree's own `prodigy-…` branch. '' outside git or on a detached HEAD.
 */
function gitBranch(cwd: string): string {
  const git = (dir: string, ...args: string[]) =>
    spawnSync('git', ['-C', dir, ...args], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  const common = git(cwd, 'rev-parse', '--path-format=absolute', '--git-common-dir');
  if (common.status !== 0) return '';
  const repo = path.dirname(common.stdout.trim());
  const head = git(repo, 'rev-parse', '--abbrev-ref', 'HEAD');
  const name = head.status === 0 ? head.stdout.trim() : '';
  return name === 'HEAD' ? '' : name;
}

function definedEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

function at(workflow: Workflow, position: SourcePosition | undefined): string {
  return position ? `${workflow.path}:${position.line}:${position.col}: ` : `${workflow.path}: `;
}
