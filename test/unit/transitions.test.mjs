// The transition table, exercised pair by pair through SessionManager.updateSession.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { core, tempHome, withFrozenClock } from './helpers/env.mjs';

const { TRANSITIONS, SESSION_STATUSES, IllegalTransitionError, canTransition, isTerminal } = core;
const TERMINAL = ['Completed', 'Failed', 'Cancelled'];

/** Shortest legal path of statuses from Initializing to `target` (BFS over TRANSITIONS). */
function pathTo(target) {
  const queue = [['Initializing', []]];
  const seen = new Set(['Initializing']);
  while (queue.length) {
    const [at, steps] = queue.shift();
    if (at === target) return steps;
    for (const next of TRANSITIONS[at]) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push([next, [...steps, next]]);
      }
    }
  }
  return undefined;
}

async function sessionAt(t, from) {
  const h = tempHome(t);
  const m = h.manager();
  const s = await m.createSession({ type: 'Workflow', workflowName: 'transitions' });
  const steps = pathTo(from);
  assert.ok(steps, `${from} is reachable from Initializing`);
  for (const status of steps) await m.updateSession(s.id, { status });
  const current = await m.getSession(s.id);
  assert.equal(current.status, from);
  return { h, m, id: s.id, current };
}

describe('transition table', () => {
  it('covers exactly the six statuses and every target is a status', () => {
    assert.deepEqual(Object.keys(TRANSITIONS).sort(), [...SESSION_STATUSES].sort());
    for (const [from, tos] of Object.entries(TRANSITIONS)) {
      for (const to of tos) assert.ok(SESSION_STATUSES.includes(to), `${from} → ${to}`);
      assert.ok(!tos.includes(from), `${from} does not list itself (same-status writes are not transitions)`);
    }
  });

  it('is the table the port documents (a change here must be deliberate)', () => {
    assert.deepEqual(Object.fromEntries(Object.entries(TRANSITIONS).map(([k, v]) => [k, [...v].sort()])), {
      Initializing: ['Cancelled', 'Failed', 'Running'],
      Running: ['Cancelled', 'Completed', 'Failed', 'Paused'],
      Paused: ['Cancelled', 'Running'],
      Failed: ['Running'],
      Completed: [],
      Cancelled: [],
    });
  });

  it('terminal states have no way out except Failed → Running (retry)', () => {
    assert.deepEqual([...TRANSITIONS.Completed], []);
    assert.deepEqual([...TRANSITIONS.Cancelled], []);
    assert.deepEqual([...TRANSITIONS.Failed], ['Running']);
    for (const s of SESSION_STATUSES) assert.equal(isTerminal(s), TERMINAL.includes(s), s);
  });

  it('every status is reachable from Initializing', () => {
    for (const s of SESSION_STATUSES) assert.ok(pathTo(s) !== undefined, s);
  });
});

describe('every (from, to) pair through the manager', () => {
  for (const from of SESSION_STATUSES) {
    for (const to of SESSION_STATUSES) {
      const legal = canTransition(from, to);
      const label = from === to ? 'same status: plain write' : legal ? 'legal' : 'illegal';
      it(`${from} → ${to} (${label})`, async (t) => {
        const { h, m, id, current } = await sessionAt(t, from);
        const bytesBefore = h.readSessionText(id);
        if (from === to) {
          const after = await m.updateSession(id, { status: to, metadata: { touched: true } });
          assert.equal(after.status, from);
          assert.equal(after.completed_at, current.completed_at, 'a same-status write leaves completed_at alone');
          assert.equal(after.metadata.touched, true);
          assert.equal(h.readSessionJson(id).status, from);
          return;
        }
        if (legal) {
          const after = await m.updateSession(id, { status: to });
          assert.equal(after.status, to);
          const onDisk = h.readSessionJson(id);
          assert.equal(onDisk.status, to);
          if (isTerminal(to)) {
            assert.equal(typeof onDisk.completed_at, 'string', `${to} sets completed_at`);
            assert.ok(Date.parse(onDisk.completed_at) >= Date.parse(current.updated_at), 'completed_at is now');
          } else {
            assert.equal(onDisk.completed_at, null, `${to} has no completed_at`);
          }
          assert.ok(Date.parse(onDisk.updated_at) >= Date.parse(current.updated_at));
          assert.notEqual(h.readSessionText(id), bytesBefore);
          return;
        }
        await assert.rejects(m.updateSession(id, { status: to }), (err) => {
          assert.ok(err instanceof IllegalTransitionError, `IllegalTransitionError, got ${err?.name}: ${err?.message}`);
          assert.ok(err.message.includes(from), `message names ${from}: ${err.message}`);
          assert.ok(err.message.includes(to), `message names ${to}: ${err.message}`);
          assert.ok(err.message.includes(id), `message names the session: ${err.message}`);
          assert.equal(err.from, from);
          assert.equal(err.to, to);
          return true;
        });
        assert.equal(h.readSessionText(id), bytesBefore, 'a refused transition writes nothing');
        assert.equal((await m.getSession(id)).status, from);
      });
    }
  }
});

describe('transition side effects', () => {
  it('Completed, Failed and Cancelled set completed_at; Failed → Running clears it', async (t) => {
    const h = tempHome(t);
    const m = h.manager();
    const a = await m.createSession({ id: 'wf-complete', type: 'Workflow' });
    assert.equal(a.completed_at, null);
    await m.startSession(a.id);
    const done = await m.completeSession(a.id);
    assert.equal(done.status, 'Completed');
    assert.ok(done.completed_at);

    await m.createSession({ id: 'wf-fail', type: 'Workflow' });
    await m.startSession('wf-fail');
    const failed = await m.completeSession('wf-fail', { success: false, error: 'boom' });
    assert.equal(failed.status, 'Failed');
    assert.equal(failed.error, 'boom');
    assert.ok(failed.completed_at);
    assert.equal(h.readSessionJson('wf-fail').completed_at, failed.completed_at);
    const retried = await m.updateSession('wf-fail', { status: 'Running' });
    assert.equal(retried.completed_at, null, 'Failed → Running clears completed_at');
    assert.equal(h.readSessionJson('wf-fail').completed_at, null);

    await m.createSession({ id: 'wf-cancel', type: 'Workflow' });
    await m.startSession('wf-cancel');
    await m.pauseSession('wf-cancel');
    const cancelled = await m.cancelSession('wf-cancel');
    assert.equal(cancelled.status, 'Cancelled');
    assert.ok(cancelled.completed_at);
    await assert.rejects(m.resumeSession('wf-cancel'), IllegalTransitionError);
    await assert.rejects(m.startSession(a.id), IllegalTransitionError, 'Completed cannot restart');
  });

  it('the function form of updateSession is checked against the table too', async (t) => {
    const h = tempHome(t);
    const m = h.manager();
    const s = await m.createSession({ type: 'Workflow' });
    await assert.rejects(
      m.updateSession(s.id, (cur) => ({ ...cur, status: 'Paused' })),
      IllegalTransitionError,
    );
    await assert.rejects(
      m.updateSession(s.id, (cur) => ({ ...cur, status: 'Completed' })),
      IllegalTransitionError,
    );
    const running = await m.updateSession(s.id, (cur) => ({
      ...cur,
      status: 'Running',
      completed_at: '2020-01-01T00:00:00Z',
    }));
    assert.equal(running.completed_at, null, 'the lifecycle, not the caller, decides completed_at on a status change');
  });

  it('updated_at moves forward on a write after time has passed', async (t) => {
    const h = tempHome(t);
    const m = h.manager();
    const s = await m.createSession({ type: 'Workflow' });
    let prev = s.updated_at;
    for (const patch of [
      { status: 'Running' },
      { metadata: { a: 1 } },
      { status: 'Paused' },
      { status: 'Running' },
      { status: 'Completed' },
    ]) {
      await new Promise((r) => setTimeout(r, 3));
      const next = await m.updateSession(s.id, patch);
      assert.ok(
        Date.parse(next.updated_at) > Date.parse(prev),
        `${JSON.stringify(patch)}: ${next.updated_at} > ${prev}`,
      );
      assert.equal(h.readSessionJson(s.id).updated_at, next.updated_at);
      prev = next.updated_at;
    }
  });

  it('updated_at changes on EVERY write, even two within one clock tick', async (t) => {
    // Readers (the tree, other windows) tell versions of a record apart by updated_at; two
    // different records must never carry the same one. Back-to-back writes on a fast disk land
    // in the same millisecond (15 of 100 on the machine these tests were written on); the
    // clock is frozen here to make that deterministic.
    const h = tempHome(t);
    const m = h.manager();
    const s = await m.createSession({ type: 'Workflow' });
    const seen = await withFrozenClock(async () => {
      const out = [s.updated_at];
      for (let i = 0; i < 3; i++) out.push((await m.updateSession(s.id, { metadata: { i } })).updated_at);
      return out;
    });
    for (let i = 1; i < seen.length; i++) {
      assert.ok(seen[i] > seen[i - 1], `write ${i}: updated_at ${seen[i]} must be later than ${seen[i - 1]}`);
    }
  });

  it('updated_at never goes backwards over many back-to-back writes', async (t) => {
    const h = tempHome(t);
    const m = h.manager();
    const s = await m.createSession({ type: 'Workflow' });
    let prev = s.updated_at;
    for (let i = 0; i < 50; i++) {
      const next = (await m.updateSession(s.id, { metadata: { i } })).updated_at;
      assert.ok(Date.parse(next) >= Date.parse(prev), `${next} >= ${prev}`);
      prev = next;
    }
    assert.equal(h.readSessionJson(s.id).metadata.i, 49);
  });
});
