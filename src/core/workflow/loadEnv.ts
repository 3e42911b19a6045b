// `env:` (workflow and step), `secrets:`, `env_files:`, `profiles:` and `active_profile:`. Env is string→string;
// YAML makes `WORKERS: 4` a number and `DEBUG: true` a boolean, which the author meant as text, so scalars are
// stringified. A workflow's `env:` value may also be any form Prodigy's docs show (they call them internal, yet
// ship them in workflows/environment-example.yml): `{command, cache}`, `{condition, when_true, when_false}`,
// `{secret: true, value}`, and per-profile values `{default: ..., <profile>: ...}`. A step's `env:` takes strings.
// What a run does with them is steps/workflowEnv.ts.
import { compileCondition } from '../expressions/condition';
import { ExpressionSyntaxError } from '../expressions/syntaxError';
import { describePath, isPlainMap, show, type LoadContext, type Path, type PlainMap } from './loadContext';
import { SECRET_REF_KEYS, SecretProviderRef } from './loadSchemas';
import type { EnvValue, SecretRef, WorkflowEnvironment } from './model';

const ENV_FORMS =
  'a string, {command, cache}, {condition, when_true, when_false}, {secret: true, value} or per-profile values {default: ..., <profile>: ...}';

/** The step-level `env:`: strings only (a workflow's `env:` is `loadWorkflowEnv`). */
export function loadEnv(ctx: LoadContext, value: unknown, path: Path, base = 0): Record<string, string> {
  const name = describePath(path.slice(base));
  if (value === undefined || value === null) return {};
  if (!isPlainMap(value)) ctx.fail(path, `${name} must be a map of NAME: value, got ${show(value)}`);
  const env: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'string') env[key] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') env[key] = String(v);
    else if (v === null)
      ctx.warn([...path, key], `${name}.${key} has no value, ignored (write ${key}: "" for an empty value)`);
    else
      ctx.warn(
        [...path, key],
        `${name}.${key} must be a string, got ${show(v)}; ${key} ignored` +
          " (a step's env takes strings; command, conditional, secret and per-profile values go in the workflow's env:)",
      );
  }
  return env;
}

/**
 * The environment variable a `secrets:` string names: `ENV_VAR`, or the docs' references to it, `${env:ENV_VAR}`
 * (workflows/environment-example.yml), `${ENV_VAR}` and `$ENV_VAR`.
 */
function secretEnvName(text: string): string {
  const ref = /^\$\{env:([^}]+)\}$|^\$\{([A-Za-z_]\w*)\}$|^\$([A-Za-z_]\w*)$/.exec(text);
  return ref ? (ref[1] ?? ref[2] ?? ref[3]).trim() : text;
}

/**
 * `NAME: "ENV_VAR"` (or `"${env:ENV_VAR}"`) reads the value from that environment variable; `{provider, key}` names
 * another store.
 */
export function loadSecrets(ctx: LoadContext, value: unknown, path: Path): Record<string, SecretRef> {
  if (value === undefined || value === null) return {};
  if (!isPlainMap(value))
    ctx.fail(path, `secrets must be a map of NAME: "ENV_VAR" or NAME: {provider, key}, got ${show(value)}`);
  const secrets: Record<string, SecretRef> = {};
  for (const [key, v] of Object.entries(value)) {
    const at = [...path, key];
    if (typeof v === 'string' && v.trim()) secrets[key] = { provider: 'env', key: secretEnvName(v.trim()) };
    else if (isPlainMap(v)) {
      const ref = ctx.parse(SecretProviderRef, v, at);
      ctx.warnUnknownKeys(v, at, SECRET_REF_KEYS, `secrets.${key}`);
      secrets[key] = { provider: ref.provider, key: ref.key };
    } else
      ctx.fail(at, `secrets.${key} must be the name of an environment variable or {provider, key}, got ${show(v)}`);
  }
  return secrets;
}

/**
 * The workflow's `env:`, `env_files:`, `profiles:` and `active_profile:`. `env` is the static strings (what a
 * reader of the plain map expects); `environment` is everything, in file order, when there is more than that.
 * `env_files:` is also read inside `env:` (one page of Prodigy's docs puts it there).
 */
export function loadWorkflowEnv(
  ctx: LoadContext,
  data: PlainMap,
): { env: Record<string, string>; environment?: WorkflowEnvironment } {
  const env: Record<string, string> = {};
  const environment: WorkflowEnvironment = { entries: {}, files: [], profiles: {} };
  let rich = false;
  const raw = data.env;
  if (raw !== undefined && raw !== null && !isPlainMap(raw))
    ctx.fail(['env'], `env must be a map of NAME: value, got ${show(raw)}`);
  if ('active_profile' in data) {
    const name = data.active_profile;
    if (typeof name !== 'string' || !name.trim())
      ctx.fail(['active_profile'], `active_profile must be the name of a profile, got ${show(name)}`);
    environment.active_profile = name.trim();
    rich = true;
  }
  if (data.profiles !== undefined && data.profiles !== null) {
    environment.profiles = ctx.recover(() => loadProfiles(ctx, data.profiles), {});
    rich = true;
  }
  const profileNames = new Set(Object.keys(environment.profiles));
  if (environment.active_profile) profileNames.add(environment.active_profile);
  for (const [key, v] of Object.entries(isPlainMap(raw) ? raw : {})) {
    const at: Path = ['env', key];
    if (key === 'env_files' && (Array.isArray(v) || isPlainMap(v))) {
      environment.files.push(...ctx.recover(() => loadEnvFiles(ctx, v, at), []));
      rich = true;
      continue;
    }
    if (v === null) {
      ctx.warn(at, `env.${key} has no value, ignored (write ${key}: "" for an empty value)`);
      continue;
    }
    const value = ctx.recover(() => loadEnvValue(ctx, v, at, profileNames), undefined);
    if (!value) continue;
    environment.entries[key] = value;
    if (value.kind === 'static' && !value.secret) env[key] = value.value;
    else rich = true;
  }
  if (data.env_files !== undefined && data.env_files !== null) {
    environment.files.push(...ctx.recover(() => loadEnvFiles(ctx, data.env_files, ['env_files']), []));
    rich = true;
  }
  return rich ? { env, environment } : { env };
}

/** One `env:` value in any documented form; `profileNames` tells a per-profile map from a mistyped form. */
function loadEnvValue(ctx: LoadContext, v: unknown, at: Path, profileNames: ReadonlySet<string>): EnvValue {
  const name = describePath(at);
  if (typeof v === 'string') return { kind: 'static', value: v };
  if (typeof v === 'number' || typeof v === 'boolean') return { kind: 'static', value: String(v) };
  if (!isPlainMap(v)) ctx.fail(at, `${name} must be ${ENV_FORMS}, got ${show(v)}`);
  let secret = false;
  if ('secret' in v) {
    if (typeof v.secret !== 'boolean')
      ctx.fail([...at, 'secret'], `${name}.secret must be true or false, got ${show(v.secret)}`);
    secret = v.secret;
  }
  const rest = Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'secret'));
  if ('command' in rest) {
    if (secret)
      ctx.fail([...at, 'secret'], `${name}: a command value cannot be secret; write {secret: true, value: ...}`, 'key');
    ctx.warnUnknownKeys(rest, at, new Set(['command', 'cache']), name);
    const command = scalarText(ctx, rest.command, [...at, 'command']);
    if (!command.trim()) ctx.fail([...at, 'command'], `${name}.command must be a shell command, got an empty string`);
    if ('cache' in rest && typeof rest.cache !== 'boolean')
      ctx.fail([...at, 'cache'], `${name}.cache must be true or false, got ${show(rest.cache)}`);
    return { kind: 'command', command, cache: rest.cache === true, position: ctx.position(at) };
  }
  if ('condition' in rest) {
    if (secret)
      ctx.fail(
        [...at, 'secret'],
        `${name}: a conditional value cannot be secret; write {secret: true, value: ...}`,
        'key',
      );
    ctx.warnUnknownKeys(rest, at, new Set(['condition', 'when_true', 'when_false']), name);
    const condition = scalarText(ctx, rest.condition, [...at, 'condition']);
    try {
      compileCondition(condition);
    } catch (err) {
      if (!(err instanceof ExpressionSyntaxError)) throw err;
      ctx.failAt(
        ctx.positionInString([...at, 'condition'], err.position),
        `${name}.condition "${condition}" at column ${err.position + 1}: ${err.problem}`,
      );
    }
    for (const k of ['when_true', 'when_false'])
      if (!(k in rest))
        ctx.fail(at, `${name} has condition: but no ${k}: (the value when the condition is ${k.slice(5)})`, 'key');
    return {
      kind: 'condition',
      condition,
      when_true: scalarText(ctx, rest.when_true, [...at, 'when_true']),
      when_false: scalarText(ctx, rest.when_false, [...at, 'when_false']),
      position: ctx.position(at),
    };
  }
  if ('value' in rest) {
    ctx.warnUnknownKeys(rest, at, new Set(['value', 'provider']), name);
    if ('provider' in rest)
      ctx.warn([...at, 'provider'], `${name}.provider: external secret stores are not supported; value: is used`);
    return { kind: 'static', value: scalarText(ctx, rest.value, [...at, 'value']), secret };
  }
  const keys = Object.keys(rest);
  if (!keys.length)
    ctx.fail(at, `${name} must be ${ENV_FORMS}, got ${secret ? 'secret: without value:' : 'an empty map'}`);
  const unknown = keys.filter((k) => k !== 'default' && !profileNames.has(k));
  if (!('default' in rest) && unknown.length)
    ctx.fail(
      [...at, unknown[0]],
      `${name}.${unknown[0]} is not a form of env value nor a profile (${profileNames.size ? `profiles: ${[...profileNames].join(', ')}` : 'the file has no profiles'}); ${name} must be ${ENV_FORMS}`,
      'key',
    );
  const values: Record<string, EnvValue> = {};
  for (const k of keys) {
    const sub = rest[k];
    if (sub === null) ctx.fail([...at, k], `${name}.${k} has no value`);
    values[k] = loadEnvValue(ctx, sub, [...at, k], new Set());
  }
  return { kind: 'per_profile', values, secret };
}

function scalarText(ctx: LoadContext, v: unknown, at: Path): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  ctx.fail(at, `${describePath(at)} must be a string, got ${show(v)}`);
}

/** `env_files:` a list of paths or `{path, required}`; a lone path is read as a list of one. */
function loadEnvFiles(ctx: LoadContext, value: unknown, at: Path): WorkflowEnvironment['files'] {
  const list = Array.isArray(value) ? value : [value];
  return list.map((entry, i) => {
    const where: Path = Array.isArray(value) ? [...at, i] : at;
    const name = describePath(where);
    if (typeof entry === 'string' && entry.trim())
      return { path: entry.trim(), required: false, position: ctx.position(where) };
    if (isPlainMap(entry)) {
      ctx.warnUnknownKeys(entry, where, new Set(['path', 'required']), name);
      if (typeof entry.path !== 'string' || !entry.path.trim())
        ctx.fail(
          'path' in entry ? [...where, 'path'] : where,
          `${name}.path must be the path of a .env file, got ${show(entry.path)}`,
          'path' in entry ? 'value' : 'key',
        );
      if ('required' in entry && typeof entry.required !== 'boolean')
        ctx.fail([...where, 'required'], `${name}.required must be true or false, got ${show(entry.required)}`);
      return { path: entry.path.trim(), required: entry.required === true, position: ctx.position(where) };
    }
    ctx.fail(where, `${name} must be the path of a .env file or {path, required}, got ${show(entry)}`);
  });
}

/**
 * `profiles: {name: {description, KEY: value, ...}}`; the variables may also sit under the profile's `env:` (one
 * page of Prodigy's docs nests them). Values take the same forms as `env:` values.
 */
function loadProfiles(ctx: LoadContext, value: unknown): WorkflowEnvironment['profiles'] {
  if (!isPlainMap(value))
    ctx.fail(['profiles'], `profiles must be a map of profile name: {NAME: value, ...}, got ${show(value)}`);
  const profiles: WorkflowEnvironment['profiles'] = {};
  for (const [profile, body] of Object.entries(value)) {
    const at: Path = ['profiles', profile];
    if (!isPlainMap(body)) ctx.fail(at, `profiles.${profile} must be a map of NAME: value, got ${show(body)}`);
    const env: Record<string, EnvValue> = {};
    let description: string | undefined;
    for (const [key, v] of Object.entries(body)) {
      if (key === 'description') {
        if (typeof v !== 'string')
          ctx.fail([...at, key], `profiles.${profile}.description must be text, got ${show(v)}`);
        description = v;
      } else if (key === 'env' && isPlainMap(v)) {
        for (const [k, sub] of Object.entries(v)) env[k] = loadEnvValue(ctx, sub, [...at, 'env', k], new Set());
      } else if (v === null) {
        ctx.warn(
          [...at, key],
          `profiles.${profile}.${key} has no value, ignored (write ${key}: "" for an empty value)`,
        );
      } else env[key] = loadEnvValue(ctx, v, [...at, key], new Set());
    }
    profiles[profile] = description === undefined ? { env } : { description, env };
  }
  return profiles;
}
