// Variable interpolation (prodigy-workflows.md §4.1, §4.2): placeholders, path resolution, rendering, defaults.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { core } from './helpers/env.mjs';

const { interpolate, renderValue, resolveVariable, referencedVariables } = core;

describe('interpolate: placeholder forms', () => {
  it('replaces ${name}, $NAME and $1', () => {
    const vars = { name: 'alice', USER: 'bob', 1: 'first', 12: 'twelfth' };
    assert.equal(interpolate('hi ${name}', vars), 'hi alice');
    assert.equal(interpolate('hi $USER!', vars), 'hi bob!');
    assert.equal(interpolate('arg=$1', vars), 'arg=first');
    assert.equal(interpolate('arg=$12', vars), 'arg=twelfth');
  });

  it('a bare $NAME ends at the first non-identifier character', () => {
    assert.equal(interpolate('$USER/docs $USER-x $USERs', { USER: 'u', USERs: 'many' }), 'u/docs u-x many');
    assert.equal(interpolate('$1abc', { 1: 'one' }), 'oneabc');
  });

  it('handles several placeholders with adjacent text and no separators', () => {
    const vars = { a: 'A', b: 'B', n: 3 };
    assert.equal(interpolate('${a}${b}$n-${a}x', vars), 'AB3-Ax');
    assert.equal(interpolate('pre${a}post', vars), 'preApost');
  });

  it('replaces inside single quotes (authors quote values for the shell)', () => {
    assert.equal(interpolate("echo '${item}' '$X'", { item: "it's", X: 'x y' }), "echo 'it's' 'x y'");
  });

  it('is a single pass: a value containing ${...} is inserted literally', () => {
    const vars = { a: '${b}', b: 'NO', c: '$b' };
    assert.equal(interpolate('${a} $c', vars), '${b} $b');
  });

  it('leaves text that is not a placeholder alone', () => {
    const vars = { x: 'X' };
    assert.equal(interpolate('${}', vars), '${}');
    assert.equal(interpolate('cost: $ 5 and $', vars), 'cost: $ 5 and $');
    assert.equal(interpolate('${unclosed and ${x', vars), '${unclosed and ${x');
    assert.equal(interpolate('$-x $.x ${x}', vars), '$-x $.x X');
    assert.equal(interpolate('no placeholders', vars), 'no placeholders');
  });

  it('has no $$ escape', () => {
    assert.equal(interpolate('$${x}', { x: 'X' }), '$X');
  });
});

describe('interpolate: unresolved placeholders', () => {
  it('keeps ${x} as is', () => {
    assert.equal(interpolate('v=${missing} ${a.b[0]}', {}), 'v=${missing} ${a.b[0]}');
  });

  it('re-renders bare $FOO and $1 as ${FOO} and ${1}', () => {
    assert.equal(interpolate('echo $FOO $1', {}), 'echo ${FOO} ${1}');
  });

  it('treats a JS undefined value as unset', () => {
    assert.equal(interpolate('${u}', { u: undefined }), '${u}');
  });

  it('does not resolve prototype members', () => {
    assert.equal(
      interpolate('${constructor} ${toString} ${o.hasOwnProperty}', { o: {} }),
      '${constructor} ${toString} ${o.hasOwnProperty}',
    );
  });
});

describe('interpolate: defaults (${x:-default})', () => {
  it('uses the default when unresolved, the value when set', () => {
    assert.equal(interpolate('t=${timeout:-600}', {}), 't=600');
    assert.equal(interpolate('t=${timeout:-600}', { timeout: 30 }), 't=30');
  });

  it('uses the default when the value renders empty (bash :-)', () => {
    assert.equal(interpolate('${x:-d}', { x: '' }), 'd');
    assert.equal(interpolate('${x:-d}', { x: null }), 'd');
    assert.equal(interpolate('${x:-d}', { x: [] }), 'd');
    assert.equal(interpolate('${x:-d}', { x: 0 }), '0');
    assert.equal(interpolate('${x:-d}', { x: false }), 'false');
  });

  it('keeps spaces and colons in the default; splits at the first :-', () => {
    assert.equal(interpolate('${msg:-no message: none}', {}), 'no message: none');
    assert.equal(interpolate('${url:-http://h:80/p}', {}), 'http://h:80/p');
    assert.equal(interpolate('${x:-a:-b}', {}), 'a:-b');
  });

  it('an empty default gives the empty string', () => {
    assert.equal(interpolate('[${x:-}]', {}), '[]');
  });

  it('defaults work on nested paths', () => {
    const vars = { item: { a: 1 } };
    assert.equal(interpolate('${item.a:-z} ${item.b:-z} ${list[3]:-z}', { ...vars, list: [1] }), '1 z z');
  });

  it('the default is not interpolated further', () => {
    assert.equal(interpolate('${x:-$y}', { y: 'Y' }), '$y');
  });
});

describe('resolveVariable', () => {
  it('prefers the whole path as a flat key', () => {
    const vars = { 'map.successful': 5, map: { successful: 99 } };
    assert.deepEqual(resolveVariable('map.successful', vars), { found: true, value: 5 });
    assert.equal(interpolate('${map.successful}', vars), '5');
  });

  it('walks nested objects and arrays', () => {
    const vars = {
      user: { name: 'Bob', address: { city: 'NYC' }, tags: ['x', { k: 'v' }] },
      grid: [
        [1, 2],
        [3, 4],
      ],
    };
    assert.deepEqual(resolveVariable('user.address.city', vars), { found: true, value: 'NYC' });
    assert.deepEqual(resolveVariable('user.tags[1].k', vars), { found: true, value: 'v' });
    assert.deepEqual(resolveVariable('grid[1][0]', vars), { found: true, value: 3 });
    assert.deepEqual(resolveVariable('user.address', vars), { found: true, value: { city: 'NYC' } });
  });

  it('walks the rest of the path from the longest flat-key prefix', () => {
    const vars = {
      'map.results': [{ item_id: 'item_0', output: 'done' }],
      'merge.info': { a: { b: 1 } },
      item: { a: { b: 2 } },
    };
    assert.deepEqual(resolveVariable('map.results[0].output', vars), { found: true, value: 'done' });
    assert.deepEqual(resolveVariable('merge.info.a.b', vars), { found: true, value: 1 });
    assert.deepEqual(resolveVariable('item.a.b', vars), { found: true, value: 2 });
  });

  it('falls back to a shorter prefix when the longer one does not walk', () => {
    const vars = { 'a.b': { other: 1 }, a: { b: { c: 'deep' } } };
    assert.deepEqual(resolveVariable('a.b.c', vars), { found: true, value: 'deep' });
  });

  it('is unresolved for an out-of-range index, a missing field or a wrong type', () => {
    const vars = { list: ['a', 'b'], obj: { x: 1 }, s: 'plain' };
    assert.deepEqual(resolveVariable('list[2]', vars), { found: false });
    assert.deepEqual(resolveVariable('list.0', vars), { found: false });
    assert.deepEqual(resolveVariable('obj[0]', vars), { found: false });
    assert.deepEqual(resolveVariable('obj.y', vars), { found: false });
    assert.deepEqual(resolveVariable('s.length', vars), { found: false });
    assert.deepEqual(resolveVariable('nothing', vars), { found: false });
    assert.equal(interpolate('${list[2]} ${list[1]}', vars), '${list[2]} b');
  });

  it('is unresolved for malformed paths, unless they are flat keys', () => {
    assert.deepEqual(resolveVariable('a..b', { a: { b: 1 } }), { found: false });
    assert.deepEqual(resolveVariable('a[x]', { a: { x: 1 } }), { found: false });
    assert.deepEqual(resolveVariable('a[0', { a: [1] }), { found: false });
    assert.deepEqual(resolveVariable('a[0', { 'a[0': 'flat' }), { found: true, value: 'flat' });
  });

  it('finds null values (found, rendering empty)', () => {
    assert.deepEqual(resolveVariable('n', { n: null }), { found: true, value: null });
    assert.deepEqual(resolveVariable('o.n', { o: { n: null } }), { found: true, value: null });
    assert.equal(interpolate('[${n}]', { n: null }), '[]');
  });

  it('parses a JSON string only to walk into it', () => {
    const vars = { captured: '{"files":["a.ts","b.ts"],"n":2}', list: '[{"id":7}]', bad: '{oops' };
    assert.deepEqual(resolveVariable('captured.n', vars), { found: true, value: 2 });
    assert.deepEqual(resolveVariable('list[0].id', vars), { found: true, value: 7 });
    assert.equal(interpolate('${captured.files}', vars), 'a.ts, b.ts');
    // The string itself renders as is.
    assert.equal(interpolate('${captured}', vars), '{"files":["a.ts","b.ts"],"n":2}');
    assert.deepEqual(resolveVariable('bad.x', vars), { found: false });
  });
});

describe('renderValue', () => {
  it('renders each JSON type as Prodigy does', () => {
    assert.equal(renderValue('text with "quotes"'), 'text with "quotes"');
    assert.equal(renderValue(''), '');
    assert.equal(renderValue(42), '42');
    assert.equal(renderValue(8.0), '8'); // JS number: not Prodigy's f64 `8.0`
    assert.equal(renderValue(-1.5), '-1.5');
    assert.equal(renderValue(true), 'true');
    assert.equal(renderValue(false), 'false');
    assert.equal(renderValue(null), '');
    assert.equal(renderValue({ a: 1, b: [true, null], c: { d: 'e' } }), '{"a":1,"b":[true,null],"c":{"d":"e"}}');
    assert.equal(renderValue({}), '{}');
  });

  it('joins an array of strings with ", ", other arrays are compact JSON', () => {
    assert.equal(renderValue(['test coverage', 'docs']), 'test coverage, docs');
    assert.equal(renderValue(['only']), 'only');
    assert.equal(renderValue([]), '');
    assert.equal(renderValue([1, 2, 3]), '[1,2,3]');
    assert.equal(renderValue(['a', 1, true]), '["a",1,true]');
    assert.equal(renderValue([['a']]), '[["a"]]');
    assert.equal(renderValue([{ id: 1 }]), '[{"id":1}]');
  });

  it('interpolate uses the same rendering', () => {
    const vars = { s: ['a', 'b'], n: [1, 2], o: { k: 'v' }, b: true, num: 3.25 };
    assert.equal(interpolate('${s}|${n}|${o}|${b}|${num}', vars), 'a, b|[1,2]|{"k":"v"}|true|3.25');
  });
});

describe('referencedVariables', () => {
  it('lists paths in order of first use, without duplicates or defaults', () => {
    const t = 'echo ${item.path} $ARG ${map.results[0].output} ${timeout:-600} $1 ${item.path} $ARG ${x:-a:-b}';
    assert.deepEqual(referencedVariables(t), ['item.path', 'ARG', 'map.results[0].output', 'timeout', '1', 'x']);
  });

  it('ignores text that is not a placeholder', () => {
    assert.deepEqual(referencedVariables('${} $ $- ${unclosed plain'), []);
    assert.deepEqual(referencedVariables(''), []);
  });

  it('agrees with interpolate on what is a placeholder', () => {
    const t = "run '${a}' $B ${c.d[0]} ${e:-f}";
    const names = referencedVariables(t);
    const vars = Object.fromEntries(names.map((n) => [n, 'V']));
    assert.equal(interpolate(t, vars), "run 'V' V V V");
  });
});
