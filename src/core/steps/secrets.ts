// Secrets: values read from the environment (or a file) at run time, handed to steps in
// their environment, and masked in everything we print or store: log lines, session
// records, checkpoints and error messages.
import * as fs from 'node:fs';
import { ProdigyError } from '../errors';
import type { SecretRef } from '../workflow/model';

export const MASK = '***';

// Tokens worth hiding even when nobody declared them (Prodigy masks the same shapes).
const TOKEN_PATTERNS = [
  /\bghp_[A-Za-z0-9]{20,}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}\b/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
  /\bsk-ant-[A-Za-z0-9_-]{20,}\b/g,
];

export class SecretMasker {
  private readonly values: string[];

  constructor(values: Iterable<string> = []) {
    // Longest first, so a secret that contains another is hidden whole. Very short values
    // would blank out ordinary text, so they are only masked as whole words.
    this.values = [...new Set([...values].filter((v) => v.length > 0))].sort((a, b) => b.length - a.length);
  }

  get isEmpty(): boolean {
    return this.values.length === 0;
  }

  mask(text: string): string {
    let out = text;
    for (const v of this.values) {
      if (v.length >= 4) out = out.split(v).join(MASK);
      else out = out.replace(new RegExp(`\\b${v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'g'), MASK);
    }
    for (const p of TOKEN_PATTERNS) out = out.replace(p, MASK);
    return out;
  }

  /** A deep copy of a JSON value with every string masked. */
  maskValue<T>(value: T): T {
    if (typeof value === 'string') return this.mask(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.maskValue(v)) as T;
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.maskValue(v)])) as T;
    }
    return value;
  }
}

/** Reads each secret's value; a missing one stops the run before anything starts. */
export function resolveSecrets(
  secrets: Record<string, SecretRef>,
  env: NodeJS.ProcessEnv,
  workflowFile: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, ref] of Object.entries(secrets)) {
    if (ref.provider === 'env') {
      const value = env[ref.key];
      if (value === undefined)
        throw new ProdigyError(
          `${workflowFile}: secret ${name} needs the environment variable ${ref.key}, which is not set`,
        );
      out[name] = value;
    } else if (ref.provider === 'file') {
      try {
        out[name] = fs.readFileSync(ref.key, 'utf8').trim();
      } catch {
        throw new ProdigyError(`${workflowFile}: secret ${name} reads ${ref.key}, which cannot be read`);
      }
    } else {
      throw new ProdigyError(
        `${workflowFile}: secret ${name} uses provider "${ref.provider}"; only env and file are supported`,
      );
    }
  }
  return out;
}
