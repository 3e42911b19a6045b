// MapReduce work items (prodigy-workflows.md §2.3, §6.8 items 2–3, §4.2): input (file or command), json_path,
// filter, sort_by, distinct, offset, max_items, zero items, item variables.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { core } from './helpers/env.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'mapreduce');

const {
  loadWorkItems,
  selectItems,
  evaluateJsonPath,
  compileFilter,
  compileSortBy,
  itemVariables,
  ExpressionSyntaxError,
  ProdigyError,
  interpolate,
} = core;

const debtDoc = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'debt-items.json'), 'utf8'));

/** Asserts `fn` throws an ExpressionSyntaxError for `kind` at 1-based `column` whose message matches `re`. */
function assertSyntaxError(fn, { kind, expression, column, re }) {
  assert.throws(fn, (err) => {
    assert.ok(err instanceof ExpressionSyntaxError, `expected ExpressionSyntaxError, got ${err}`);
    assert.ok(err instanceof ProdigyError);
    assert.equal(err.kind, kind);
    assert.equal(err.expression, expression);
    assert.equal(err.position, column - 1, `position in: ${err.message}`);
    assert.ok(err.message.startsWith(`Invalid ${kind} "${expression}" at column ${column}: `), err.message);
    if (re) assert.match(err.message, re);
    return true;
  });
}

describe('loadWorkItems: input', () => {
  let cwd;
  before(() => {
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'work-items-'));
    fs.copyFileSync(path.join(FIXTURES, 'debt-items.json'), path.join(cwd, 'items.json'));
    fs.copyFileSync(path.join(FIXTURES, 'array.json'), path.join(cwd, 'array.json'));
    fs.copyFileSync(path.join(FIXTURES, 'not-json.json'), path.join(cwd, 'broken.json'));
    fs.mkdirSync(path.join(cwd, 'adir'));
  });
  after(() => fs.rmSync(cwd, { recursive: true, force: true }));

  it('reads a JSON file relative to cwd and numbers the items item_<index>', async () => {
    const items = await loadWorkItems({ input: 'items.json', json_path: '$.items[*]' }, { cwd });
    assert.equal(items.length, 5);
    assert.deepEqual(
      items.map((i) => [i.id, i.index, i.data.id]),
      [
        ['item_0', 0, 'd1'],
        ['item_1', 1, 'd2'],
        ['item_2', 2, 'd3'],
        ['item_3', 3, 'd4'],
        ['item_4', 4, 'd1'],
      ],
    );
    assert.deepEqual(items[0].data, debtDoc.items[0]);
  });

  it('reads an absolute file path; a top-level array with json_path "" gives its elements', async () => {
    const items = await loadWorkItems({ input: path.join(cwd, 'array.json'), json_path: '' }, { cwd: os.tmpdir() });
    assert.deepEqual(
      items.map((i) => i.data.file),
      ['a.ts', 'b.ts', 'c.ts'],
    );
  });

  it('ids follow the final list, after the pipeline', async () => {
    const items = await loadWorkItems(
      { input: 'items.json', json_path: '$.items[*]', filter: "type == 'complexity'", sort_by: 'score' },
      { cwd },
    );
    assert.deepEqual(
      items.map((i) => [i.id, i.data.score]),
      [
        ['item_0', 5.1],
        ['item_1', 7.5],
        ['item_2', 9.2],
      ],
    );
  });

  it('runs a command whose stdout is a JSON array', async () => {
    const items = await loadWorkItems({ input: `printf '[{"f":"x"},{"f":"y"}]'`, json_path: '' }, { cwd });
    assert.deepEqual(
      items.map((i) => i.data),
      [{ f: 'x' }, { f: 'y' }],
    );
  });

  it('a command printing a single JSON value gives one item, and json_path can reach into it', async () => {
    const cmd = `echo '{"files": ["a", "b", "c"]}'`;
    const one = await loadWorkItems({ input: cmd, json_path: '' }, { cwd });
    assert.deepEqual(
      one.map((i) => i.data),
      [{ files: ['a', 'b', 'c'] }],
    );
    const inner = await loadWorkItems({ input: cmd, json_path: '$.files[*]' }, { cwd });
    assert.deepEqual(
      inner.map((i) => i.data),
      ['a', 'b', 'c'],
    );
    const scalar = await loadWorkItems({ input: 'echo 42', json_path: '' }, { cwd });
    assert.deepEqual(
      scalar.map((i) => i.data),
      [42],
    );
  });

  it('JSON lines: each non-empty line parsed as JSON, others become {"item": line}', async () => {
    const cmd = `printf '{"n":1}\\n\\n  {"n":2}  \\nplain text line\\n[3]\\n'`;
    const items = await loadWorkItems({ input: cmd, json_path: '' }, { cwd });
    assert.deepEqual(
      items.map((i) => i.data),
      [{ n: 1 }, { n: 2 }, { item: 'plain text line' }, [3]],
    );
  });

  it('plain lines become {"item": "<line>"}', async () => {
    const all = await loadWorkItems({ input: `printf 'src/a.rs\\nsrc/b.rs\\n'`, json_path: '' }, { cwd });
    assert.deepEqual(
      all.map((i) => i.data),
      [{ item: 'src/a.rs' }, { item: 'src/b.rs' }],
    );
    const some = await loadWorkItems(
      { input: `printf 'src/a.rs\\nsrc/b.rs\\n'`, json_path: '', filter: "ends_with(item, 'b.rs')" },
      { cwd },
    );
    assert.deepEqual(
      some.map((i) => [i.id, i.data.item]),
      [['item_0', 'src/b.rs']],
    );
  });

  it('the command runs in cwd with the given env', async () => {
    const items = await loadWorkItems(
      { input: `cat array.json | sed "s/a.ts/$WHICH/"`, json_path: '$[*].file' },
      { cwd, env: { ...process.env, WHICH: 'chosen.ts' } },
    );
    assert.deepEqual(
      items.map((i) => i.data),
      ['chosen.ts', 'b.ts', 'c.ts'],
    );
  });

  it('no file and a failing command: one error naming the input, the missing file and the failure', async () => {
    await assert.rejects(loadWorkItems({ input: 'missing-items.json', json_path: '' }, { cwd }), (err) => {
      assert.ok(err instanceof ProdigyError);
      assert.match(
        err.message,
        /^map\.input "missing-items\.json" is not a file \(no .*missing-items\.json\), and as a command it failed with exit code 127: .*not found/s,
      );
      return true;
    });
    await assert.rejects(
      loadWorkItems({ input: 'echo oops >&2; exit 3', json_path: '' }, { cwd }),
      /failed with exit code 3: oops$/,
    );
  });

  it('a file that is not JSON: the error names the file and the parse problem', async () => {
    await assert.rejects(loadWorkItems({ input: 'broken.json', json_path: '' }, { cwd }), (err) => {
      assert.ok(err instanceof ProdigyError);
      assert.ok(
        err.message.startsWith(
          `Work items file ${path.join(cwd, 'broken.json')} (map.input "broken.json") is not valid JSON: `,
        ),
        err.message,
      );
      return true;
    });
  });

  it('a directory is neither a file nor a command', async () => {
    await assert.rejects(loadWorkItems({ input: 'adir', json_path: '' }, { cwd }), /map\.input "adir" is a directory/);
  });

  it('a command that runs too long times out; a stop (abort) ends it', async () => {
    await assert.rejects(
      loadWorkItems({ input: 'sleep 5', json_path: '' }, { cwd, timeoutMs: 200 }),
      /as a command it timed out after 0 seconds/,
    );
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(
      loadWorkItems({ input: 'sleep 5', json_path: '' }, { cwd, signal: controller.signal }),
      /Loading work items was stopped/,
    );
    assert.ok(Date.now() - started < 4000);
  });

  it('a malformed expression fails before the command runs', async () => {
    const marker = path.join(cwd, 'ran.txt');
    await assert.rejects(
      loadWorkItems({ input: `touch ${marker}; echo '[1]'`, json_path: '', filter: 'score >=' }, { cwd }),
      (err) => err instanceof ExpressionSyntaxError && err.kind === 'filter',
    );
    await assert.rejects(
      loadWorkItems({ input: `touch ${marker}; echo '[1]'`, json_path: '$.[', sort_by: 'x' }, { cwd }),
      ExpressionSyntaxError,
    );
    assert.equal(fs.existsSync(marker), false);
  });

  it('zero items: empty output, an empty array, a filter that matches nothing', async () => {
    assert.deepEqual(await loadWorkItems({ input: 'true', json_path: '' }, { cwd }), []);
    assert.deepEqual(await loadWorkItems({ input: "echo '[]'", json_path: '' }, { cwd }), []);
    assert.deepEqual(
      await loadWorkItems({ input: 'items.json', json_path: '$.items[*]', filter: 'score > 1000' }, { cwd }),
      [],
    );
    assert.deepEqual(await loadWorkItems({ input: 'items.json', json_path: '$.nothing_here' }, { cwd }), []);
  });
});

describe('evaluateJsonPath', () => {
  it('"" and "$": an array gives its elements, anything else is one item', () => {
    assert.deepEqual(evaluateJsonPath([1, 2, 3], ''), [1, 2, 3]);
    assert.deepEqual(evaluateJsonPath([1, 2, 3], '$'), [1, 2, 3]);
    assert.deepEqual(evaluateJsonPath({ a: 1 }, ''), [{ a: 1 }]);
    assert.deepEqual(evaluateJsonPath({ a: 1 }, '$'), [{ a: 1 }]);
    assert.deepEqual(evaluateJsonPath('text', ''), ['text']);
    assert.deepEqual(evaluateJsonPath([], ''), []);
  });

  it('$.items[*], and $.items (a single array gives its elements)', () => {
    assert.deepEqual(
      evaluateJsonPath(debtDoc, '$.items[*]').map((i) => i.id),
      ['d1', 'd2', 'd3', 'd4', 'd1'],
    );
    assert.deepEqual(
      evaluateJsonPath(debtDoc, '$.items').map((i) => i.id),
      ['d1', 'd2', 'd3', 'd4', 'd1'],
    );
    assert.deepEqual(
      evaluateJsonPath(debtDoc, 'items[*]').map((i) => i.id),
      ['d1', 'd2', 'd3', 'd4', 'd1'],
    );
    // a wildcard over arrays of arrays keeps each inner array as one item
    assert.deepEqual(evaluateJsonPath({ m: [[1, 2], [3]] }, '$.m[*]'), [[1, 2], [3]]);
    assert.deepEqual(evaluateJsonPath({ m: [[1, 2]] }, '$.m[*]'), [[1, 2]]);
    assert.deepEqual(evaluateJsonPath({ m: [[1, 2]] }, '$.m[0]'), [1, 2]); // a singular path to an array
  });

  it('$.a.b, [n], negative [n], bracketed names', () => {
    const doc = { a: { b: { c: 'deep' } }, list: ['x', 'y', 'z'], 'odd key': 7 };
    assert.deepEqual(evaluateJsonPath(doc, '$.a.b'), [{ c: 'deep' }]);
    assert.deepEqual(evaluateJsonPath(doc, '$.a.b.c'), ['deep']);
    assert.deepEqual(evaluateJsonPath(doc, '$[\'a\']["b"].c'), ['deep']);
    assert.deepEqual(evaluateJsonPath(doc, "$['odd key']"), [7]);
    assert.deepEqual(evaluateJsonPath(doc, '$.list[0]'), ['x']);
    assert.deepEqual(evaluateJsonPath(doc, '$.list[-1]'), ['z']);
    assert.deepEqual(evaluateJsonPath(doc, '$.list[9]'), []);
    assert.deepEqual(
      evaluateJsonPath(debtDoc, '$.items[0]').map((i) => i.score),
      [9.2],
    );
    assert.deepEqual(evaluateJsonPath(doc, '$.a.missing'), []);
    assert.deepEqual(evaluateJsonPath(doc, '$.list.b'), []);
  });

  it('..name finds the field at every depth, in document order', () => {
    const files = evaluateJsonPath(debtDoc, '$..file');
    assert.deepEqual(files.slice(0, 4), ['src/main.rs', 'src/main.rs', 'src/lib.rs', 'src/lib.rs']);
    assert.equal(files.length, 10);
    assert.deepEqual(evaluateJsonPath({ a: { name: 1, b: [{ name: 2 }, { c: { name: 3 } }] } }, '$..name'), [1, 2, 3]);
    assert.deepEqual(evaluateJsonPath({ a: [{ x: [10, 11] }, { x: [12] }] }, '$..x[0]'), [10, 12]);
  });

  it('wildcards, unions and slices', () => {
    assert.deepEqual(evaluateJsonPath({ a: 1, b: 2 }, '$.*'), [1, 2]);
    assert.deepEqual(evaluateJsonPath(debtDoc, '$.items[0,2].id'), ['d1', 'd3']);
    assert.deepEqual(evaluateJsonPath({ a: 1, b: 2, c: 3 }, "$['c','a']"), [3, 1]);
    assert.deepEqual(evaluateJsonPath(debtDoc, '$.items[1:3].id'), ['d2', 'd3']);
    assert.deepEqual(evaluateJsonPath(debtDoc, '$.items[-2:].id'), ['d4', 'd1']);
    assert.deepEqual(evaluateJsonPath([0, 1, 2, 3, 4, 5], '$[::2]'), [0, 2, 4]);
    assert.deepEqual(evaluateJsonPath([0, 1, 2, 3], '$[::-1]'), [3, 2, 1, 0]);
  });

  it('filter expressions [?(…)] and [?…] in the filter language, with @ as the candidate', () => {
    assert.deepEqual(
      evaluateJsonPath(debtDoc, '$.items[?(@.score > 5)]').map((i) => i.score),
      [9.2, 5.1, 7.5],
    );
    assert.deepEqual(evaluateJsonPath(debtDoc, '$.items[?@.score < 4].id'), ['d2']);
    assert.deepEqual(
      evaluateJsonPath(debtDoc, "$.items[?(@.type == 'complexity' && contains(@.tags, 'hot'))].location.line"),
      [10, 200],
    );
    assert.deepEqual(evaluateJsonPath(debtDoc, "$.items[?(@.type == 'testing') || (@.score < 4)].id"), ['d2', 'd4']);
    assert.deepEqual(evaluateJsonPath([1, 5, 3, 8], '$[?(@ > 2)]'), [5, 3, 8]);
    assert.deepEqual(evaluateJsonPath({ a: { v: 1 }, b: { v: 2 } }, '$[?(@.v == 2)]'), [{ v: 2 }]);
    assert.deepEqual(evaluateJsonPath(debtDoc, '$..[?(@.line > 50)].file'), ['src/utils.rs', 'src/main.rs']);
  });

  it('syntax errors name the path and the column', () => {
    assertSyntaxError(() => evaluateJsonPath({}, '$.items['), {
      kind: 'json_path',
      expression: '$.items[',
      column: 9,
      re: /found end of expression/,
    });
    assertSyntaxError(() => evaluateJsonPath({}, '$.items[?(@.score >)]'), {
      kind: 'json_path',
      expression: '$.items[?(@.score >)]',
      column: 20,
      re: /expected a value .*, found "\)"/,
    });
    assertSyntaxError(() => evaluateJsonPath({}, '$.items[?(@.score > 1]'), {
      kind: 'json_path',
      expression: '$.items[?(@.score > 1]',
      column: 22,
      re: /expected "\)"/,
    });
    assertSyntaxError(() => evaluateJsonPath({}, '$..'), { kind: 'json_path', expression: '$..', column: 4 });
    assertSyntaxError(() => evaluateJsonPath({}, '$.items]'), {
      kind: 'json_path',
      expression: '$.items]',
      column: 8,
      re: /found "\]"/,
    });
    assertSyntaxError(() => evaluateJsonPath({}, '$.a[x]'), { kind: 'json_path', expression: '$.a[x]', column: 5 });
    assertSyntaxError(() => evaluateJsonPath({}, '$[1:2:0]'), {
      kind: 'json_path',
      expression: '$[1:2:0]',
      column: 7,
      re: /step cannot be 0/,
    });
    assertSyntaxError(() => evaluateJsonPath({}, "$['a"), {
      kind: 'json_path',
      expression: "$['a",
      column: 3,
      re: /unterminated string/,
    });
    assertSyntaxError(() => evaluateJsonPath({}, '#items'), { kind: 'json_path', expression: '#items', column: 1 });
  });
});

describe('compileFilter', () => {
  const people = [
    { name: 'ann', age: 30, role: 'admin', active: true, tags: ['a', 'b'], meta: { level: 2 }, note: null },
    { name: 'bob', age: 25, role: 'user', active: false, tags: [], meta: { level: 5 } },
    { name: 'cy', age: '40', role: 'user', active: true, tags: ['b'], note: 'x' },
    { name: 'dee', role: 'guest', tags: ['a'], meta: { level: 1 }, note: null },
  ];
  const names = (expr) => people.filter(compileFilter(expr)).map((p) => p.name);

  it('== and = and != against strings (single or double quotes)', () => {
    assert.deepEqual(names("role == 'user'"), ['bob', 'cy']);
    assert.deepEqual(names("role = 'user'"), ['bob', 'cy']);
    assert.deepEqual(names('role == "user"'), ['bob', 'cy']);
    assert.deepEqual(names("role != 'user'"), ['ann', 'dee']);
    assert.deepEqual(names("name == 'it\\'s'"), []);
    assert.equal(compileFilter("q == 'it\\'s'")({ q: "it's" }), true);
  });

  it('> < >= <= on numbers, and on strings (code point order)', () => {
    assert.deepEqual(names('age > 25'), ['ann']);
    assert.deepEqual(names('age >= 25'), ['ann', 'bob']);
    assert.deepEqual(names('age < 30'), ['bob']);
    assert.deepEqual(names('age <= 30'), ['ann', 'bob']);
    assert.deepEqual(names('age > -1.5e1'), ['ann', 'bob']);
    assert.deepEqual(names("name > 'bob'"), ['cy', 'dee']);
    assert.deepEqual(names("name <= 'bob'"), ['ann', 'bob']);
  });

  it('a number compared with a string is false, under every operator', () => {
    assert.deepEqual(names("age == '30'"), []);
    assert.deepEqual(names("age != '30'"), ['cy']); // ann's 30 and bob's 25 are numbers: false; cy's '40' is a string
    assert.deepEqual(names('age != 40'), ['ann', 'bob']); // cy's '40' is a string: false
    assert.deepEqual(names('age > 20'), ['ann', 'bob']); // cy's '40' is a string
    assert.deepEqual(names("age < 'z'"), ['cy']);
    assert.deepEqual(names('name == 1'), []);
  });

  it('true/false/null literals; == null matches null and missing, != null needs a value', () => {
    assert.deepEqual(names('active == true'), ['ann', 'cy']);
    assert.deepEqual(names('active == false'), ['bob']);
    assert.deepEqual(names('active != true'), ['bob']);
    assert.deepEqual(names('note == null'), ['ann', 'bob', 'dee']);
    assert.deepEqual(names('note != null'), ['cy']);
    assert.deepEqual(names('note > null'), []);
  });

  it('a missing field is false', () => {
    assert.deepEqual(names('age < 100'), ['ann', 'bob']); // dee has no age
    assert.deepEqual(names('age != 25'), ['ann']);
    assert.deepEqual(names("missing == 'x'"), []);
    assert.deepEqual(names("missing != 'x'"), []);
    assert.deepEqual(names('meta.level > 0'), ['ann', 'bob', 'dee']);
    assert.deepEqual(
      names("contains(missing, 'x') || starts_with(missing, 'x') || is_string(missing) || length(missing, 0)"),
      [],
    );
    assert.deepEqual(names('is_null(age)'), []);
    // negation is plain negation: the items where the comparison was false
    assert.deepEqual(names('!(age < 100)'), ['cy', 'dee']);
  });

  it("nested paths: a.b, tags[0], ['key']", () => {
    assert.deepEqual(names('meta.level >= 2'), ['ann', 'bob']);
    assert.deepEqual(names("tags[0] == 'a'"), ['ann', 'dee']);
    assert.deepEqual(names("tags[1] == 'b'"), ['ann']);
    assert.deepEqual(names("meta['level'] == 5"), ['bob']);
    assert.equal(compileFilter("x['odd key'].y == 1")({ x: { 'odd key': { y: 1 } } }), true);
    assert.equal(compileFilter('unified_score.final_score >= 5')({ unified_score: { final_score: 5.1 } }), true);
  });

  it('field in [...]', () => {
    assert.deepEqual(names("role in ['admin', 'guest']"), ['ann', 'dee']);
    assert.deepEqual(names("role IN ['user']"), ['bob', 'cy']);
    assert.deepEqual(names('age in [25, 30]'), ['ann', 'bob']);
    assert.deepEqual(names("age in ['30', '25']"), []);
    assert.deepEqual(names('role in []'), []);
    assert.deepEqual(names('note in [null]'), ['ann', 'bob', 'dee']);
    assert.deepEqual(names("!(role in ['user'])"), ['ann', 'dee']);
  });

  it('&& || AND OR (any case), and OR binds loosest', () => {
    assert.deepEqual(names("role == 'user' && active == true"), ['cy']);
    assert.deepEqual(names("role == 'user' AND active == true"), ['cy']);
    assert.deepEqual(names("role == 'admin' || role == 'guest'"), ['ann', 'dee']);
    assert.deepEqual(names("role == 'admin' OR role == 'guest'"), ['ann', 'dee']);
    assert.deepEqual(names("role == 'admin' or role == 'guest' and active == true"), ['ann']);
    // guest OR (user AND active): dee and cy. Left-to-right would give ((guest OR user) AND active) = cy only.
    assert.deepEqual(names("role == 'guest' || role == 'user' && active == true"), ['cy', 'dee']);
    assert.deepEqual(names("active == true && role == 'user' || role == 'guest'"), ['cy', 'dee']);
    // a field whose name starts with a keyword is still a field
    assert.equal(compileFilter("order == 1 and android == 'x'")({ order: 1, android: 'x' }), true);
  });

  it('parentheses group; ! negates the next term', () => {
    assert.deepEqual(names("(role == 'guest' || role == 'user') && active == true"), ['cy']);
    assert.deepEqual(names("!(role == 'user')"), ['ann', 'dee']);
    // ! applies to one comparison, not to the rest of the expression
    assert.deepEqual(names("!role == 'user' && active == true"), ['ann']);
    assert.deepEqual(names("!!(role == 'user')"), ['bob', 'cy']);
    assert.deepEqual(names("((((role == 'admin'))))"), ['ann']);
    assert.deepEqual(names("!(role == 'user' || role == 'guest') || !is_not_null(age)"), ['ann', 'dee']);
  });

  it('contains, starts_with, ends_with (contains also finds an element of an array)', () => {
    assert.deepEqual(names("contains(name, 'n')"), ['ann']);
    assert.deepEqual(names("contains(tags, 'a')"), ['ann', 'dee']);
    assert.deepEqual(names("starts_with(name, 'b')"), ['bob']);
    assert.deepEqual(names("ends_with(name, 'e')"), ['dee']);
    assert.deepEqual(names("ends_with(age, '0')"), ['cy']);
    assert.equal(compileFilter('contains(nums, 3)')({ nums: [1, 3] }), true);
    assert.equal(compileFilter("contains(nums, '3')")({ nums: [1, 3] }), false);
  });

  it('is_null, is_not_null and the type tests', () => {
    assert.deepEqual(names('is_null(note)'), ['ann', 'dee']);
    assert.deepEqual(names('is_not_null(note)'), ['cy']);
    assert.deepEqual(names('is_not_null(age)'), ['ann', 'bob', 'cy']);
    assert.deepEqual(names('is_number(age)'), ['ann', 'bob']);
    assert.deepEqual(names('is_string(age)'), ['cy']);
    assert.deepEqual(names('is_bool(active)'), ['ann', 'bob', 'cy']);
    assert.deepEqual(names('is_array(tags)'), ['ann', 'bob', 'cy', 'dee']);
    assert.deepEqual(names('is_array(meta)'), []);
    assert.deepEqual(names('is_object(meta)'), ['ann', 'bob', 'dee']);
  });

  it('length(field, n) on arrays, strings and objects', () => {
    assert.deepEqual(names('length(tags, 0)'), ['bob']);
    assert.deepEqual(names('length(tags, 2)'), ['ann']);
    assert.deepEqual(names('length(name, 3)'), ['ann', 'bob', 'dee']);
    assert.deepEqual(names('length(meta, 1)'), ['ann', 'bob', 'dee']);
    assert.deepEqual(names('length(age, 2)'), ['cy']);
    assert.equal(compileFilter('length(s, 2)')({ s: '😀é' }), true);
  });

  it('matches(field, re), infix matches, and Rust-style (?i)', () => {
    assert.deepEqual(names("matches(name, '^[ab]')"), ['ann', 'bob']);
    assert.deepEqual(names("name matches 'e$'"), ['dee']);
    assert.deepEqual(names("name matches '^c' || name matches '^d'"), ['cy', 'dee']);
    assert.deepEqual(names("matches(role, '(?i)^ADMIN$')"), ['ann']);
    assert.deepEqual(names("matches(role, '^ADMIN$')"), []);
    assert.deepEqual(names("matches(age, '^\\d+$')"), ['cy']); // only strings match
  });

  it('a bare path is true when present and neither null nor false; @ is the item itself', () => {
    assert.deepEqual(names('active'), ['ann', 'cy']);
    assert.deepEqual(names('note'), ['cy']);
    assert.deepEqual(names('!active'), ['bob', 'dee']);
    assert.deepEqual([{ v: 0 }, { v: '' }, { v: false }, { v: null }, {}].filter(compileFilter('v')), [
      { v: 0 },
      { v: '' },
    ]);
    assert.deepEqual([1, 2, 3, 4].filter(compileFilter('@ > 2')), [3, 4]);
    assert.deepEqual(['a.rs', 'b.ts'].filter(compileFilter("@ matches '\\.rs$'")), ['a.rs']);
    assert.deepEqual(names("@.role == 'guest'"), ['dee']);
  });

  it('filters on scalar items see no fields', () => {
    assert.equal(compileFilter("name == 'x'")('x'), false);
    assert.equal(compileFilter('is_null(a)')(null), false);
  });

  it('syntax errors: what is wrong and the column', () => {
    const f = (expression, column, re) =>
      assertSyntaxError(() => compileFilter(expression), { kind: 'filter', expression, column, re });
    f('score >= ', 10, /expected a value \(a quoted string, a number, true, false or null\), found end of expression/);
    f('role == user', 9, /found "user" \(quote text: 'user'\)/);
    f("(role == 'a'", 13, /expected "\)" to close the "\(" at column 1/);
    f("role == 'a' role == 'b'", 13, /expected an operator .*, found "role"/);
    f('foo(a)', 1, /unknown function "foo"/);
    f("role in 'x'", 9, /expected a list like \['a', 'b'\] after "in"/);
    f("role in ['a' 'b']", 14, /expected "," or "\]" in the list/);
    f("matches(a, '[')", 12, /invalid regular expression: \/\[\/: /);
    f("role == 'x", 9, /unterminated string \(no closing '\)/);
    f("&& role == 'x'", 1, /expected a field name/);
    f("role == 'x' &&", 15, /expected a condition, found end of expression/);
    f('contains(tags)', 14, /expected "," \(contains\(\) takes two arguments/);
    f("is_null(a, 'b')", 10, /expected "\)" \(is_null\(\) takes one argument/);
    f("length(tags, 'x')", 14, /length\(\) needs a number/);
    f('starts_with(name, 3)', 19, /needs a quoted string/);
    f('a.', 3, /expected a field name after "\."/);
    f('tags[x] == 1', 6, /expected an array index or a quoted key/);
    f('', 1, /expected a condition/);
    f("a === 'x'", 5, /expected a value/);
    f("a == 'x')", 9, /found "\)"/);
    f("item ends_with 'b.rs'", 6, /expected an operator .*, found "ends_with"/); // only `matches` has an infix form
  });
});

describe('compileSortBy', () => {
  const rows = [
    { n: 'a', score: 2, name: 'x' },
    { n: 'b', score: null, name: 'q' },
    { n: 'c', score: 5, name: 'm' },
    { n: 'd', name: 'r' },
    { n: 'e', score: 2, name: 'w' },
    { n: 'f', score: 5, name: 'z' },
  ];
  const order = (spec, list = rows) => [...list].sort(compileSortBy(spec)).map((r) => r.n);

  it('one key: ASC by default, nulls (and missing) last, equal keys keep their order', () => {
    assert.deepEqual(order('score'), ['a', 'e', 'c', 'f', 'b', 'd']);
    assert.deepEqual(order('score ASC'), ['a', 'e', 'c', 'f', 'b', 'd']);
    assert.deepEqual(order('name'), ['c', 'b', 'd', 'e', 'a', 'f']);
  });

  it('DESC reverses values, not where nulls go', () => {
    assert.deepEqual(order('score DESC'), ['c', 'f', 'a', 'e', 'b', 'd']);
    assert.deepEqual(order('score DESC NULLS LAST'), ['c', 'f', 'a', 'e', 'b', 'd']);
    assert.deepEqual(order('score DESC NULLS FIRST'), ['b', 'd', 'c', 'f', 'a', 'e']);
    assert.deepEqual(order('score NULLS FIRST'), ['b', 'd', 'a', 'e', 'c', 'f']);
    assert.deepEqual(order('score descending nulls first'), ['b', 'd', 'c', 'f', 'a', 'e']);
  });

  it('several keys: later keys break ties', () => {
    assert.deepEqual(order('score DESC, name'), ['c', 'f', 'e', 'a', 'b', 'd']);
    assert.deepEqual(order('score DESC, name DESC'), ['f', 'c', 'a', 'e', 'd', 'b']);
    assert.deepEqual(order('score NULLS FIRST, name DESC'), ['d', 'b', 'a', 'e', 'f', 'c']);
  });

  it('is stable over many equal keys', () => {
    const many = Array.from({ length: 50 }, (_, i) => ({ n: i, k: i % 3 === 0 ? 1 : 0 }));
    const sorted = [...many].sort(compileSortBy('k DESC')).map((r) => r.n);
    const expected = [...many.filter((r) => r.k === 1), ...many.filter((r) => r.k === 0)].map((r) => r.n);
    assert.deepEqual(sorted, expected);
  });

  it('nested paths, and mixed types (bool < number < string)', () => {
    const list = [
      { n: 1, m: { v: 'b' } },
      { n: 2, m: { v: 3 } },
      { n: 3, m: { v: true } },
      { n: 4, m: {} },
      { n: 5, m: { v: 'a' } },
    ];
    assert.deepEqual(order('m.v', list), [3, 2, 5, 1, 4]);
    assert.deepEqual(
      order('tags[0]', [
        { n: 1, tags: ['z'] },
        { n: 2, tags: ['a'] },
        { n: 3, tags: [] },
      ]),
      [2, 1, 3],
    );
    assert.deepEqual(
      order('v', [
        { n: 1, v: 10 },
        { n: 2, v: 9 },
        { n: 3, v: 100 },
      ]),
      [2, 1, 3],
    ); // numeric, not text
  });

  it('syntax errors: what is wrong and the column', () => {
    const f = (expression, column, re) =>
      assertSyntaxError(() => compileSortBy(expression), { kind: 'sort_by', expression, column, re });
    f('score DESCX', 7, /expected ASC, DESC, NULLS FIRST, NULLS LAST or ",", found "DESCX"/);
    f('score NULLS', 12, /expected FIRST or LAST after NULLS/);
    f('score DESC NULLS MIDDLE', 18, /expected FIRST or LAST after NULLS, found "MIDDLE"/);
    f('score DESC name', 12, /found "name"/);
    f('', 1, /expected a field name/);
    f('score,', 7, /expected a field name, found end of expression/);
    f('score; name', 6, /found ";"/);
  });
});

describe('selectItems: the pipeline', () => {
  it('distinct by a field keeps the first occurrence', () => {
    const items = selectItems(debtDoc, { json_path: '$.items[*]', distinct: 'id' });
    assert.deepEqual(
      items.map((i) => [i.id, i.score]),
      [
        ['d1', 9.2],
        ['d2', 3],
        ['d3', 5.1],
        ['d4', null],
      ],
    );
    assert.deepEqual(selectItems(debtDoc, { json_path: '$.items[*]', distinct: 'location.file' }).length, 4);
    assert.deepEqual(
      selectItems(debtDoc, { json_path: '$.items[*]', distinct: 'type' }).map((i) => i.id),
      ['d1', 'd2', 'd4'],
    );
  });

  it('distinct: equal objects are one key whatever their key order; a missing field counts as null', () => {
    const docs = [
      { k: { a: 1, b: 2 }, n: 1 },
      { k: { b: 2, a: 1 }, n: 2 },
      { n: 3 },
      { k: null, n: 4 },
      { k: 1, n: 5 },
      { k: '1', n: 6 },
    ];
    assert.deepEqual(
      selectItems(docs, { json_path: '', distinct: 'k' }).map((i) => i.n),
      [1, 3, 5, 6],
    );
  });

  it('distinct runs after sort_by: the first in sorted order wins', () => {
    const items = selectItems(debtDoc, { json_path: '$.items[*]', sort_by: 'score', distinct: 'id' });
    assert.deepEqual(
      items.map((i) => [i.id, i.score]),
      [
        ['d2', 3],
        ['d3', 5.1],
        ['d1', 7.5],
        ['d4', null],
      ],
    );
  });

  it('offset then max_items', () => {
    const nums = Array.from({ length: 10 }, (_, i) => i);
    assert.deepEqual(selectItems(nums, { json_path: '', offset: 2, max_items: 3 }), [2, 3, 4]);
    assert.deepEqual(selectItems(nums, { json_path: '', offset: 8, max_items: 5 }), [8, 9]);
    assert.deepEqual(selectItems(nums, { json_path: '', offset: 0 }), nums);
    assert.deepEqual(selectItems(nums, { json_path: '', max_items: 4 }), [0, 1, 2, 3]);
    assert.deepEqual(selectItems(nums, { json_path: '', offset: 10 }), []);
    assert.deepEqual(selectItems(nums, { json_path: '', offset: 50, max_items: 2 }), []);
    assert.deepEqual(selectItems(nums, { json_path: '', max_items: 0 }), []);
  });

  it('the documented order: json_path → filter → sort_by → distinct → offset → max_items', () => {
    const doc = {
      rows: [
        { k: 5, t: 'a' },
        { k: 1, t: 'b' },
        { k: 3, t: 'c' },
        { k: 3, t: 'd' },
        { k: 4, t: 'e' },
        { k: 2, t: 'f' },
        { k: 5, t: 'g' },
      ],
    };
    const spec = { json_path: '$.rows[*]', filter: 'k >= 2', sort_by: 'k', distinct: 'k', offset: 1, max_items: 2 };
    // filter: 5 3 3 4 2 5 → sort: 2 3 3 4 5 5 → distinct: 2 3 4 5 → offset 1: 3 4 5 → max 2: 3 4
    assert.deepEqual(
      selectItems(doc, spec).map((r) => r.t),
      ['c', 'e'],
    );
    // max_items applies after the filter (not to the raw list): the first 2 raw rows would include k = 1
    assert.deepEqual(
      selectItems(doc, { json_path: '$.rows[*]', filter: 'k >= 2', max_items: 2 }).map((r) => r.t),
      ['a', 'c'],
    );
    // sort_by before max_items: the top 2, not the first 2 sorted
    assert.deepEqual(
      selectItems(doc, { json_path: '$.rows[*]', sort_by: 'k DESC', max_items: 2 }).map((r) => r.t),
      ['a', 'g'],
    );
  });

  it('empty filter/sort_by/distinct strings mean none', () => {
    assert.deepEqual(selectItems([3, 1, 2], { json_path: '', filter: '', sort_by: '  ', distinct: '' }), [3, 1, 2]);
  });

  it('zero items is an empty list, not an error', () => {
    assert.deepEqual(
      selectItems([], { json_path: '', filter: 'a == 1', sort_by: 'a', distinct: 'a', offset: 3, max_items: 2 }),
      [],
    );
    assert.deepEqual(selectItems({ items: [] }, { json_path: '$.items[*]' }), []);
    assert.deepEqual(selectItems(debtDoc, { json_path: '$.items[*]', filter: "type == 'none'" }), []);
  });

  it('bad offset or max_items, and bad expressions, are ProdigyErrors', () => {
    assert.throws(
      () => selectItems([], { json_path: '', offset: -1 }),
      (e) => e instanceof ProdigyError && /map\.offset must be a whole number of at least 0, not -1/.test(e.message),
    );
    assert.throws(
      () => selectItems([], { json_path: '', max_items: 1.5 }),
      /map\.max_items must be a whole number of at least 0, not 1\.5/,
    );
    assertSyntaxError(() => selectItems([], { json_path: '', distinct: 'a b' }), {
      kind: 'distinct',
      expression: 'a b',
      column: 3,
      re: /unexpected text after the field path/,
    });
    assertSyntaxError(() => selectItems([], { json_path: '', filter: 'a >' }), {
      kind: 'filter',
      expression: 'a >',
      column: 4,
    });
    assertSyntaxError(() => selectItems([], { json_path: '$$' }), { kind: 'json_path', expression: '$$', column: 2 });
  });
});

describe('itemVariables', () => {
  it('an object item: item (real nested JSON), item_json, item_id, item_index, flat item.<field>', () => {
    const data = { file: 'src/a.rs', score: 7, location: { line: 12, file: 'src/a.rs' }, tags: ['x', 'y'] };
    const vars = itemVariables({ id: 'item_3', index: 3, data });
    assert.deepEqual(vars.item, data);
    assert.equal(
      vars.item_json,
      '{"file":"src/a.rs","score":7,"location":{"line":12,"file":"src/a.rs"},"tags":["x","y"]}',
    );
    assert.equal(vars.item_id, 'item_3');
    assert.equal(vars.item_index, 3);
    assert.equal(vars['item.file'], 'src/a.rs');
    assert.equal(vars['item.score'], 7);
    assert.deepEqual(vars['item.location'], { line: 12, file: 'src/a.rs' });
    assert.equal('item.location.line' in vars, false); // nested paths resolve through `item`, not flat keys
    assert.deepEqual(Object.keys(vars).sort(), [
      'item',
      'item.file',
      'item.location',
      'item.score',
      'item.tags',
      'item_id',
      'item_index',
      'item_json',
    ]);
  });

  it('interpolation resolves ${item.field}, nested paths, ${item_json} and ${item_id}', () => {
    const vars = itemVariables({
      id: 'item_0',
      index: 0,
      data: { file: 'src/a.rs', location: { line: 12 }, tags: ['x', 'y'] },
    });
    assert.equal(
      interpolate('/fix ${item.file}:${item.location.line} ${item.tags[1]} #${item_index} ${item_id}', vars),
      '/fix src/a.rs:12 y #0 item_0',
    );
    assert.equal(
      interpolate("echo '${item_json}'", vars),
      `echo '{"file":"src/a.rs","location":{"line":12},"tags":["x","y"]}'`,
    );
  });

  it('a scalar item: item is the scalar, no flat fields', () => {
    const vars = itemVariables({ id: 'item_1', index: 1, data: 'src/b.rs' });
    assert.deepEqual(vars, { item: 'src/b.rs', item_json: '"src/b.rs"', item_id: 'item_1', item_index: 1 });
    assert.equal(interpolate("wc -l '${item}'", vars), "wc -l 'src/b.rs'");
    const num = itemVariables({ id: 'item_0', index: 0, data: 42 });
    assert.equal(num.item, 42);
    assert.equal(num.item_json, '42');
    const arr = itemVariables({ id: 'item_0', index: 0, data: ['a', 'b'] });
    assert.deepEqual(arr, { item: ['a', 'b'], item_json: '["a","b"]', item_id: 'item_0', item_index: 0 });
  });
});
