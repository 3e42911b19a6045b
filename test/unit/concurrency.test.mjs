// Concurrent read-modify-writes on one session, from real OS processes and within one process:
// the per-session lock must make every increment land (no lost update).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { core, tempHome, spawnWorker, waitForLine, listTree } from './helpers/env.mjs';

const PROCESSES = 4;
const N = 50;

describe('concurrent updates of one session', () => {
  it(`${PROCESSES} processes × ${N} read-modify-write increments: counter === ${PROCESSES * N}`, async (t) => {
    const h = tempHome(t);
    const m = h.manager();
    const s = await m.createSession({ id: 'wf-contended', type: 'Workflow' });
    const children = [];
    for (let k = 0; k < PROCESSES; k++) {
      children.push(spawnWorker(h, { mode: 'increment', id: s.id, n: N, key: `p${k}` }));
    }
    // Everyone loaded and waiting, then all start together.
    await Promise.all(children.map((c) => waitForLine(c, 'ready')));
    for (const c of children) c.stdin.write('go\n');
    const results = await Promise.all(children.map((c) => c.exited));
    for (const [k, r] of results.entries()) {
      assert.deepEqual(r, { code: 0, signal: null }, `worker ${k} failed: ${children[k].stderrText}`);
      assert.match(children[k].stdoutText, /^done$/m);
    }
    const final = await m.getSession(s.id);
    assert.equal(final.metadata.counter, PROCESSES * N, 'no update was lost');
    for (let k = 0; k < PROCESSES; k++) assert.equal(final.metadata[`p${k}`], N, `all of process ${k}'s writes landed`);
    assert.ok(core.UnifiedSession.safeParse(h.readSessionJson(s.id)).success);
    // Nothing left behind: no temp files among the sessions, no held locks.
    assert.deepEqual(fs.readdirSync(h.sessionsDir), [`${s.id}.json`]);
    assert.deepEqual(
      listTree(h.locksDir).filter((f) => f.endsWith('.lock/')),
      [],
      'every lock released',
    );
  });

  it('concurrent increments within one process (one manager and two managers) all land', async (t) => {
    const h = tempHome(t);
    const a = h.manager();
    const b = h.manager();
    const s = await a.createSession({ id: 'wf-inproc', type: 'Workflow' });
    const inc = (m, key) =>
      m.updateSession(s.id, (cur) => ({
        ...cur,
        metadata: { ...cur.metadata, counter: (cur.metadata.counter ?? 0) + 1, [key]: (cur.metadata[key] ?? 0) + 1 },
      }));
    const ops = [];
    for (let i = 0; i < 60; i++) ops.push(inc(a, 'a'), inc(b, 'b'));
    await Promise.all(ops);
    const final = await b.getSession(s.id);
    assert.equal(final.metadata.counter, 120);
    assert.equal(final.metadata.a, 60);
    assert.equal(final.metadata.b, 60);
  });

  it('a failing update releases the lock and does not block the next one', async (t) => {
    const h = tempHome(t);
    const m = h.manager();
    const s = await m.createSession({ id: 'wf-throws', type: 'Workflow' });
    const results = await Promise.allSettled([
      m.updateSession(s.id, () => {
        throw new Error('updater failed');
      }),
      m.updateSession(s.id, { metadata: { after: 1 } }),
      m.updateSession(s.id, { status: 'Completed' }), // illegal from Initializing
      m.updateSession(s.id, { metadata: { after: 2 } }),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'fulfilled', 'rejected', 'fulfilled'],
    );
    assert.equal((await m.getSession(s.id)).metadata.after, 2);
  });

  it('concurrent createSession of the same id: exactly one wins', async (t) => {
    const h = tempHome(t);
    const a = h.manager();
    const b = h.manager();
    const results = await Promise.allSettled([
      a.createSession({ id: 'wf-race', type: 'Workflow', workflowName: 'a' }),
      b.createSession({ id: 'wf-race', type: 'Workflow', workflowName: 'b' }),
      a.createSession({ id: 'wf-race', type: 'Workflow', workflowName: 'c' }),
    ]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of results.filter((x) => x.status === 'rejected'))
      assert.ok(r.reason instanceof core.SessionExistsError, r.reason?.message);
    const winner = results.find((r) => r.status === 'fulfilled').value;
    assert.deepEqual(h.readSessionJson('wf-race'), winner);
  });
});
