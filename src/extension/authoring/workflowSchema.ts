// Our JSON schema of workflow files (schemas/workflow.schema.json, the one package.json's yamlValidation gives
// the YAML extension), read for completion and hover: which keys a mapping at a path may have, and what each
// means. Every branch is followed (if/then/else, allOf, anyOf, oneOf, $ref), so a step offers the keys of
// every step form, and the top level those of standard and MapReduce workflows. No `vscode` here.
import type { KeyPath } from './yamlKeyPath';

interface Schema {
  $ref?: string;
  description?: string;
  deprecationMessage?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  then?: Schema;
  else?: Schema;
  definitions?: Record<string, Schema>;
}

export interface KeyInfo {
  readonly key: string;
  readonly description: string;
  readonly deprecated?: string;
}

export class WorkflowSchema {
  constructor(private readonly root: Schema) {}

  static parse(text: string): WorkflowSchema {
    return new WorkflowSchema(JSON.parse(text) as Schema);
  }

  /** The keys a mapping at `path` may have, in the schema's order, each with its description. */
  keysAt(path: KeyPath): KeyInfo[] {
    const keys = new Map<string, KeyInfo>();
    for (const schema of this.at(path))
      for (const [key, prop] of Object.entries(schema.properties ?? {})) {
        const known = keys.get(key);
        if (known?.description) continue;
        keys.set(key, { key, description: this.describe(prop), deprecated: this.deprecation(prop) });
      }
    return [...keys.values()];
  }

  /** The key `key` of the mapping at `path`, if the schema knows it there. */
  keyInfo(path: KeyPath, key: string): KeyInfo | undefined {
    return this.keysAt(path).find((k) => k.key === key);
  }

  /** The (object) schemas that can stand at `path`. */
  private at(path: KeyPath): Schema[] {
    let current = this.branches(this.root);
    for (const segment of path) {
      const next: Schema[] = [];
      for (const schema of current) {
        const child = typeof segment === 'number' ? schema.items : schema.properties?.[segment];
        if (child) next.push(...this.branches(child));
      }
      current = next;
    }
    return current;
  }

  /** The schema and every schema it may take the form of, with references resolved. */
  private branches(schema: Schema, seen = new Set<Schema>()): Schema[] {
    if (seen.has(schema)) return [];
    seen.add(schema);
    const out = [schema];
    if (schema.$ref) {
      const target = this.ref(schema.$ref);
      if (target) out.push(...this.branches(target, seen));
    }
    for (const list of [schema.allOf, schema.anyOf, schema.oneOf])
      for (const sub of list ?? []) out.push(...this.branches(sub, seen));
    for (const sub of [schema.then, schema.else]) if (sub) out.push(...this.branches(sub, seen));
    return out;
  }

  private describe(schema: Schema): string {
    for (const s of this.branches(schema)) if (s.description) return s.description;
    return '';
  }

  private deprecation(schema: Schema): string | undefined {
    for (const s of this.branches(schema)) if (s.deprecationMessage) return s.deprecationMessage;
    return undefined;
  }

  private ref(ref: string): Schema | undefined {
    const m = /^#\/definitions\/(.+)$/.exec(ref);
    return m ? this.root.definitions?.[m[1]] : undefined;
  }
}
