// Secrets: values read from the environment (or a file) at run time, handed to steps in
// their environment, and masked in everything we print or store: log lines, session
// records, checkpoints and error messages.
import * as fs from 'node:fs';
import { ProdigyError } from '../errors';
import type { SecretRef } from '../workflow/model';
import type { Variables } from './interpolation';

export const MASK = '***';

/**
 * Where saved variables had a workflow secret (a key among Prodigy's internal `__*` variables): the path to
 * each such string and the string as parts, literal text or the name of the secret that stood there. The
 * value itself is saved masked, so no secret reaches the disk; a resume reads the secrets again from their
 * sources and puts them back, so a captured `https://user:$TOKEN@host` is the same URL after a resume.
 */
export const SECRET_TEMPLATES = '__secret_templates';

/** A secret's place in a saved string: the whole value, or one line of a multi-line value. */
interface SecretRefPart {
  secret: string;
  line?: number;
}
type TemplatePart = string | SecretRefPart;
interface SecretTemplate {
  path: (string | number)[];
  parts: TemplatePart[];
}

// Tokens worth hiding even when nobody declared them (Prodigy masks the same shapes). Not restorable:
// nothing says where their value would come from.
const TOKEN_PATTERNS = [
  /\bghp_[A-Za-z0-9]{20,}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}\b/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
  /\bsk-ant-[A-Za-z0-9_-]{20,}\b/g,
];

// Shorter values would blank out ordinary text wherever they occur: they are masked as whole words only,
// and a line of a multi-line secret this short (or without a letter or digit: `}`, `-----`) is not masked.
const MIN_ANYWHERE = 4;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class SecretMasker {
  /** Each text that is masked, and which secret (and line of it) it is. */
  private readonly refs = new Map<string, SecretRefPart>();
  /** This run's values by name, read from their sources: what a resume puts back. */
  private readonly values = new Map<string, string>();
  /** All of them in one alternation, longest first, so one pass finds the longest at each place. */
  private readonly pattern: RegExp | null;

  /**
   * `secrets`: name → value. Output reaches us line by line, so a multi-line value (a PEM key from
   * `provider: file`) never appears whole in one line: each non-trivial line of it is masked on its own
   * too, and the whole value (in errors, records) before any of its lines.
   */
  constructor(secrets: Record<string, string> = {}) {
    for (const [name, value] of Object.entries(secrets)) {
      if (value.length === 0) continue;
      this.values.set(name, value);
      if (!this.refs.has(value)) this.refs.set(value, { secret: name });
      const lines = value.split(/\r?\n/);
      if (lines.length < 2) continue;
      lines.forEach((raw, line) => {
        const text = raw.trim();
        if (text.length >= MIN_ANYWHERE && /[\p{L}\p{N}]/u.test(text) && !this.refs.has(text))
          this.refs.set(text, { secret: name, line });
      });
    }
    const texts = [...this.refs.keys()].sort((a, b) => b.length - a.length);
    this.pattern = texts.length
      ? new RegExp(
          texts.map((t) => (t.length >= MIN_ANYWHERE ? escapeRegExp(t) : `\\b${escapeRegExp(t)}\\b`)).join('|'),
          'g',
        )
      : null;
  }

  get isEmpty(): boolean {
    return this.refs.size === 0;
  }

  mask(text: string): string {
    return this.parts(text)
      .map((p) => (typeof p === 'string' ? p : MASK))
      .join('');
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

  /** Variables as a checkpoint keeps them: masked, plus where each secret was (SECRET_TEMPLATES). */
  maskVariables(vars: Variables): Variables {
    const templates: SecretTemplate[] = [];
    const walk = (value: unknown, at: (string | number)[]): unknown => {
      if (typeof value === 'string') {
        const parts = this.parts(value);
        if (parts.some((p) => typeof p !== 'string')) templates.push({ path: at, parts });
        return parts.map((p) => (typeof p === 'string' ? p : MASK)).join('');
      }
      if (Array.isArray(value)) return value.map((v, i) => walk(v, [...at, i]));
      if (value && typeof value === 'object')
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, [...at, k])]));
      return value;
    };
    const out: Variables = {};
    for (const [k, v] of Object.entries(vars)) if (k !== SECRET_TEMPLATES) out[k] = walk(v, [k]);
    if (templates.length) out[SECRET_TEMPLATES] = templates;
    return out;
  }

  /**
   * Saved variables with the secrets put back where SECRET_TEMPLATES says they were, from this run's values.
   * A string that no longer reads as its template did (edited since), or a secret the workflow no longer
   * declares, stays masked.
   */
  restoreVariables(saved: Variables): Variables {
    const { [SECRET_TEMPLATES]: templates, ...vars } = saved;
    if (!Array.isArray(templates)) return vars;
    const out = structuredClone(vars);
    for (const t of templates as unknown[]) {
      if (!isTemplate(t)) continue;
      const masked = t.parts.map((p) => (typeof p === 'string' ? p : MASK)).join('');
      const real = t.parts
        .map((p) => (typeof p === 'string' ? p : secretText(this.values.get(p.secret), p.line)))
        .join('');
      setAt(out, t.path, masked, real);
    }
    return out;
  }

  /** `text` as literal pieces and the secrets found in it (undeclared tokens are masked in the pieces). */
  private parts(text: string): TemplatePart[] {
    const out: TemplatePart[] = [];
    const literal = (piece: string) => {
      if (!piece) return;
      let masked = piece;
      for (const p of TOKEN_PATTERNS) masked = masked.replace(p, MASK);
      out.push(masked);
    };
    let last = 0;
    if (this.pattern)
      for (const m of text.matchAll(this.pattern)) {
        literal(text.slice(last, m.index));
        out.push(this.refs.get(m[0])!);
        last = m.index + m[0].length;
      }
    literal(text.slice(last));
    return out;
  }
}

/** The value, or its line (trimmed, as it was matched); the mask when the secret is not declared any more. */
function secretText(value: string | undefined, line: number | undefined): string {
  if (value === undefined) return MASK;
  if (line === undefined) return value;
  return value.split(/\r?\n/)[line]?.trim() || MASK;
}

function isTemplate(t: unknown): t is SecretTemplate {
  if (!t || typeof t !== 'object') return false;
  const { path, parts } = t as Partial<SecretTemplate>;
  return (
    Array.isArray(path) &&
    path.length > 0 &&
    path.every((k) => typeof k === 'string' || typeof k === 'number') &&
    Array.isArray(parts) &&
    parts.every(
      (p) => typeof p === 'string' || (!!p && typeof p === 'object' && typeof (p as SecretRefPart).secret === 'string'),
    )
  );
}

/** Replaces the string at `path` with `real` when it still reads `masked`. */
function setAt(root: Variables, path: (string | number)[], masked: string, real: string): void {
  let parent: unknown = root;
  for (const key of path.slice(0, -1)) {
    if (!parent || typeof parent !== 'object') return;
    parent = (parent as Record<string | number, unknown>)[key];
  }
  const last = path[path.length - 1];
  if (!parent || typeof parent !== 'object' || !Object.prototype.hasOwnProperty.call(parent, last)) return;
  const holder = parent as Record<string | number, unknown>;
  if (holder[last] === masked) holder[last] = real;
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
