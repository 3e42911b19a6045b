// `env:` (workflow and step) and `secrets:`. Env is string→string; YAML makes `WORKERS: 4` a
// number and `DEBUG: true` a boolean, which the author meant as text, so scalars are stringified.
// A value that is not a scalar (Prodigy's docs show `{command: nproc}` and `{secret: true, ...}`)
// cannot be honoured: that one key is dropped with a warning. Prodigy instead drops the whole
// env/secrets/merge block silently (standard files) or refuses the file (MapReduce).
import { describePath, isPlainMap, show, type LoadContext, type Path } from './loadContext';
import { SECRET_REF_KEYS, SecretProviderRef } from './loadSchemas';
import type { SecretRef } from './model';

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
        `${name}.${key} must be a string, got ${show(v)}; dynamic and secret env values are not supported, ${key} ignored` +
          ' (use secrets: for secret values)',
      );
  }
  return env;
}

/** `NAME: "ENV_VAR"` reads the value from that environment variable; `{provider, key}` names another store. */
export function loadSecrets(ctx: LoadContext, value: unknown, path: Path): Record<string, SecretRef> {
  if (value === undefined || value === null) return {};
  if (!isPlainMap(value))
    ctx.fail(path, `secrets must be a map of NAME: "ENV_VAR" or NAME: {provider, key}, got ${show(value)}`);
  const secrets: Record<string, SecretRef> = {};
  for (const [key, v] of Object.entries(value)) {
    const at = [...path, key];
    if (typeof v === 'string' && v.trim()) secrets[key] = { provider: 'env', key: v.trim() };
    else if (isPlainMap(v)) {
      const ref = ctx.parse(SecretProviderRef, v, at);
      ctx.warnUnknownKeys(v, at, SECRET_REF_KEYS, `secrets.${key}`);
      secrets[key] = { provider: ref.provider, key: ref.key };
    } else
      ctx.fail(at, `secrets.${key} must be the name of an environment variable or {provider, key}, got ${show(v)}`);
  }
  return secrets;
}
