// Keeps src/core layered (style.md "Layout"): each folder imports only folders of a lower layer, never
// `vscode`, and no file imports itself back through a cycle. The extension and the CLI reach the core only
// through its index. The checker is run on a small tree with known faults first, so it is shown to fail.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The layers, lowest first. A folder (or a file directly in src/core, by its name) may import only from a
 * strictly lower layer, or from inside itself. `model` sits just below `errors`, because errors name model
 * types (an illegal transition names two statuses). `nextStep` (how a message words what to do next) is a
 * leaf beside `model`, so that every layer, errors included, may word a next step. `basics` and `store`
 * are light facades beside the index: what the CLI's start path needs (no schemas, YAML or engine), and what its
 * reading commands need (session records, no workflow loader or engine).
 */
export const LAYERS = [
  ['model', 'nextStep'],
  ['errors'],
  ['storage'],
  ['lifecycle', 'process', 'claude'],
  ['sessions', 'git'],
  ['expressions', 'worktrees'],
  ['workflow'],
  ['steps'],
  ['runs', 'mapreduce'],
  ['engine', 'migration'],
  ['basics'],
  ['index', 'store'],
];

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)'([^']+)'/gm;

function tsFiles(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.join(e.parentPath ?? e.path, e.name));
}

function importsOf(file) {
  const text = fs.readFileSync(file, 'utf8');
  const found = [];
  for (const m of text.matchAll(IMPORT)) {
    const line = text.slice(0, m.index).split('\n').length;
    found.push({ spec: m[1], line });
  }
  return found;
}

function resolveLocal(from, spec) {
  const base = path.resolve(path.dirname(from), spec);
  for (const cand of [`${base}.ts`, path.join(base, 'index.ts')]) if (fs.existsSync(cand)) return cand;
  return null;
}

/** The unit a file belongs to: its top folder under the core, or its own name for a file at the top. */
function unitOf(coreDir, file) {
  const rel = path.relative(coreDir, file).split(path.sep);
  return rel.length === 1 ? rel[0].replace(/\.ts$/, '') : rel[0];
}

/** Every layering fault in a core folder, as `file:line: what` (paths relative to `coreDir`). */
export function layerFaults(coreDir, layers = LAYERS) {
  const rank = new Map(layers.flatMap((names, i) => names.map((n) => [n, i])));
  const faults = [];
  const graph = new Map();
  for (const file of tsFiles(coreDir)) {
    const rel = path.relative(coreDir, file);
    const unit = unitOf(coreDir, file);
    if (!rank.has(unit)) faults.push(`${rel}: "${unit}" is in no layer (add it to the layer table)`);
    const edges = [];
    for (const { spec, line } of importsOf(file)) {
      if (spec === 'vscode') {
        faults.push(`${rel}:${line}: imports vscode (the core is plain Node)`);
        continue;
      }
      if (!spec.startsWith('.')) continue;
      const target = resolveLocal(file, spec);
      if (!target || !target.startsWith(coreDir + path.sep)) {
        faults.push(`${rel}:${line}: "${spec}" is not a file of the core`);
        continue;
      }
      edges.push({ target, line });
      const to = unitOf(coreDir, target);
      if (to === unit || !rank.has(to) || !rank.has(unit)) continue;
      if (rank.get(to) >= rank.get(unit)) {
        faults.push(`${rel}:${line}: ${unit} (layer ${rank.get(unit) + 1}) imports ${to} (layer ${rank.get(to) + 1})`);
      }
    }
    graph.set(file, edges);
  }
  // Cycles between files (within a folder too): depth-first search, each cycle reported once.
  const state = new Map();
  const stack = [];
  const visit = (file) => {
    state.set(file, 'open');
    stack.push(file);
    for (const { target } of graph.get(file) ?? []) {
      if (state.get(target) === 'open') {
        const cycle = stack.slice(stack.indexOf(target)).map((f) => path.relative(coreDir, f));
        faults.push(`import cycle: ${[...cycle, cycle[0]].join(' → ')}`);
      } else if (!state.has(target)) visit(target);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return faults;
}

/** Files outside the core that import a core file other than its index (or its light facades, basics.ts, store.ts). */
export function facadeFaults(dirs, coreDir) {
  const faults = [];
  for (const dir of dirs) {
    for (const file of tsFiles(dir)) {
      for (const { spec, line } of importsOf(file)) {
        if (!spec.startsWith('.')) continue;
        const target = resolveLocal(file, spec);
        const facades = ['index.ts', 'basics.ts', 'store.ts'].map((f) => path.join(coreDir, f));
        if (target && target.startsWith(coreDir + path.sep) && !facades.includes(target)) {
          faults.push(
            `${path.relative(ROOT, file)}:${line}: imports ${path.relative(ROOT, target)}; use src/core/index.ts (or basics.ts, store.ts)`,
          );
        }
      }
    }
  }
  return faults;
}

function writeTree(files) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

describe('layering: the checker', () => {
  it('reports an upward import, a vscode import, a folder in no layer and a cycle, with file:line', () => {
    const dir = writeTree({
      'storage/a.ts': "import { x } from '../sessions/b';\nexport const a = x;\n",
      'sessions/b.ts': 'export const x = 1;\n',
      'git/c.ts': "\nimport * as vscode from 'vscode';\n",
      'stray/d.ts': 'export {};\n',
      'steps/e.ts': "import { f } from './f';\nexport const e = f;\n",
      'steps/f.ts': "import { e } from './e';\nexport const f = e;\n",
    });
    const faults = layerFaults(dir);
    fs.rmSync(dir, { recursive: true, force: true });
    assert.ok(faults.includes('storage/a.ts:1: storage (layer 3) imports sessions (layer 5)'), faults.join('\n'));
    assert.ok(faults.includes('git/c.ts:2: imports vscode (the core is plain Node)'), faults.join('\n'));
    assert.ok(
      faults.some((f) => f.startsWith('stray/d.ts: "stray" is in no layer')),
      faults.join('\n'),
    );
    assert.ok(faults.includes('import cycle: steps/e.ts → steps/f.ts → steps/e.ts'), faults.join('\n'));
    assert.equal(faults.length, 4, faults.join('\n'));
  });

  it('accepts imports that go down, and siblings of one folder', () => {
    const dir = writeTree({
      'engine/run.ts': "import { s } from '../steps/s';\nimport { r } from './resume';\nexport const run = s + r;\n",
      'engine/resume.ts': 'export const r = 1;\n',
      'steps/s.ts': "import type { M } from '../model/m';\nexport const s = 1 as M;\n",
      'model/m.ts': 'export type M = number;\n',
    });
    const faults = layerFaults(dir);
    fs.rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(faults, []);
  });
});

describe('layering: this project', () => {
  it('src/core imports only downwards, never vscode, with no cycles', () => {
    assert.deepEqual(layerFaults(path.join(ROOT, 'src', 'core')), []);
  });

  it('the extension and the CLI import the core only through src/core/index.ts (or basics.ts, store.ts)', () => {
    const coreDir = path.join(ROOT, 'src', 'core');
    assert.deepEqual(facadeFaults([path.join(ROOT, 'src', 'extension'), path.join(ROOT, 'src', 'cli')], coreDir), []);
  });
});
