// Work-item expressions (json_path, filter, sort_by, distinct) are compiled when the workflow file loads, so a
// typo is reported as file:line:col at the exact character (plain, quoted and escaped YAML, and JSON), by
// `validate` and before anything runs; and `run --dry-run` on a MapReduce file prints the work-item plan.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { core, DIST_CLI } from './helpers/env.mjs';

const { loadWorkflowText, previewWorkflow, WorkflowLoadError } = core;

/** A MapReduce workflow whose `map:` holds `lines` (each already indented by four spaces). */
const job = (...lines) =>
  [
    'name: job',
    'mode: mapreduce',
    'map:',
    '  input: items.json',
    ...lines,
    '  agent_template:',
    '    - shell: "echo ${item.file}"',
    '',
  ].join('\n');

/** The load error for `text`, with the 1-based column of `marker` (its first occurrence) on line `line`. */
function errorAt(text, file = 'wf.yml') {
  try {
    loadWorkflowText(text, file);
  } catch (err) {
    assert.ok(err instanceof WorkflowLoadError, String(err));
    return err;
  }
  assert.fail('expected the load to fail');
}

/** 1-based line and column of the first `needle` in `text` at or after `from` (a string that precedes it). */
function columnOf(text, from, needle) {
  const at = text.indexOf(needle, text.indexOf(from));
  const before = text.slice(0, at).split('\n');
  return { line: before.length, col: before[before.length - 1].length + 1 };
}

describe('work-item expressions are checked when the file loads', () => {
  it('a plain filter: the column of the offending character', () => {
    const text = job('  filter: score >> 5');
    const err = errorAt(text);
    assert.deepEqual({ line: err.line, col: err.col }, columnOf(text, 'filter:', '> 5'));
    assert.match(err.message, /^wf\.yml:5:\d+: map\.filter: Invalid filter "score >> 5" at column 8: /);
  });

  it('a double-quoted filter with escapes: quotes and escapes are counted', () => {
    const text = job('  filter: "kind == \\"debt\\" && score >>> 5"');
    const err = errorAt(text);
    assert.deepEqual({ line: err.line, col: err.col }, columnOf(text, '&&', '>> 5'));
  });

  it('a single-quoted sort_by with a doubled quote', () => {
    const text = job("  sort_by: 'name DESC, ''x'' ASC'");
    const err = errorAt(text);
    assert.match(err.message, /map\.sort_by: Invalid sort_by/);
    assert.equal(err.line, 5);
    assert.ok(err.col > 'sort_by: '.length + 2, `col ${err.col}`);
  });

  it('json_path and distinct too', () => {
    const jp = job('  json_path: "$.items[*"');
    const e1 = errorAt(jp);
    assert.match(e1.message, /map\.json_path: Invalid json_path "\$\.items\[\*"/);
    assert.equal(e1.line, 5);
    const e2 = errorAt(job('  distinct: "a..b"'));
    assert.match(e2.message, /map\.distinct: Invalid distinct "a\.\.b" at column 3/);
    assert.deepEqual({ line: e2.line, col: e2.col }, { line: 5, col: 16 });
  });

  it('a JSON workflow file: the column inside the JSON string', () => {
    const text = JSON.stringify({
      name: 'j',
      mode: 'mapreduce',
      map: { input: 'i.json', filter: 'a == ', agent_template: [{ shell: 'true' }] },
    });
    const err = errorAt(text, 'wf.json');
    assert.deepEqual({ line: err.line, col: err.col }, { line: 1, col: text.indexOf('a == ') + 1 + 'a == '.length });
  });

  it('valid expressions load as before', () => {
    const wf = loadWorkflowText(
      job('  json_path: "$.items[*]"', '  filter: "score > 5"', '  sort_by: "score DESC"', '  distinct: file'),
      'wf.yml',
    );
    assert.equal(wf.mapreduce.map.filter, 'score > 5');
  });
});

describe('validate and the dry run', () => {
  let dir;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'expr-load-'));
    fs.writeFileSync(
      path.join(dir, 'items.json'),
      JSON.stringify({
        items: [9, 3, 7, 8, 6, 9].map((score, i) => ({ file: `f${i}.rs`, score, kind: i === 2 ? 'style' : 'debt' })),
      }),
    );
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('validate prints file:line:col at the typo and exits 1, before anything runs', () => {
    const file = path.join(dir, 'typo.yml');
    fs.writeFileSync(file, job('  setup_marker: x', '  filter: "score >> 5"').replace('  setup_marker: x\n', ''));
    const r = spawnSync(process.execPath, [DIST_CLI, 'validate', file], { encoding: 'utf8', cwd: dir });
    assert.equal(r.status, 1, r.stderr + r.stdout);
    assert.match(r.stdout + r.stderr, new RegExp(`typo\\.yml:5:19: map\\.filter: Invalid filter`));
  });

  it('the dry run prints the item plan: the count after each stage and the first items', () => {
    const file = path.join(dir, 'plan.yml');
    fs.writeFileSync(
      file,
      job(
        '  json_path: "$.items[*]"',
        '  filter: "kind == \'debt\'"',
        '  sort_by: "score DESC"',
        '  distinct: score',
        '  offset: 1',
        '  max_items: 2',
      ),
    );
    const { lines } = previewWorkflow(file, [], { projectDir: dir });
    const text = lines.join('\n');
    assert.match(text, /Work items from items\.json:/);
    assert.match(text, /6 after json_path \$\.items\[\*\]/);
    assert.match(text, /5 after filter kind == 'debt'/);
    assert.match(text, /5 after sort_by score DESC/);
    assert.match(text, /4 after distinct score/);
    assert.match(text, /3 after offset 1/);
    assert.match(text, /2 after max_items 2/);
    assert.match(text, /Would run 2 items, up to 10 agents at a time; the first 2:/);
    // distinct keeps the first 9 (f0), offset 1 drops it: 8 (f3), then 6 (f4).
    assert.match(text, /item_0: \{"file":"f3\.rs","score":8,"kind":"debt"\}/);
    assert.match(text, /item_1: \{"file":"f4\.rs","score":6,"kind":"debt"\}/);
    assert.match(text, /Each agent would execute step 1\/1: shell: echo \$\{item\.file\}/);
  });

  it('the dry run never runs an input command, and says why the plan is missing', () => {
    const file = path.join(dir, 'cmd.yml');
    const marker = path.join(dir, 'ran');
    fs.writeFileSync(file, job().replace('input: items.json', `input: "touch ${marker} && echo []"`));
    const { lines } = previewWorkflow(file, [], { projectDir: dir });
    assert.ok(!fs.existsSync(marker), 'the input command ran');
    assert.match(lines.join('\n'), /is not a file, so it is a command, and a dry run runs no command/);
  });

  it('the dry run builds variables as a run does: PROJECT_ROOT, WORKTREE and the ARG fallback', () => {
    const file = path.join(dir, 'vars.yml');
    fs.writeFileSync(file, ['- shell: "echo ${PROJECT_ROOT} ${WORKTREE} ${ARG}"', ''].join('\n'));
    const { lines } = previewWorkflow(file, [], { projectDir: dir, env: { PRODIGY_ARG: 'from-env' } });
    assert.match(lines.join('\n'), new RegExp(`shell: echo ${dir} ${dir} from-env`));
  });
});
