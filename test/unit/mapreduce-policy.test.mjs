// MapReduce error_policy as Prodigy documents it (§6.8 item 9) and agent_timeout_secs: a failed item
// is retried, skipped, queued or stops the job; max_failures / failure_threshold / continue_on_failure
// end the map phase (Failed, resumable); a hung agent is stopped and its item fails with a Timeout.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { core } from './helpers/env.mjs';
import { hermeticGit } from './helpers/git.mjs';
import { engineEnv, mapReduceJob } from './helpers/engine.mjs';

hermeticGit({ before, after });

const lines = (file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);

/** `n` items named i0…; an agent fails for the names in `bad` (until `gate` exists, when given). */
function job({ n, bad = [], policy = '', agent = null, side, gate = null, mapExtra = '' }) {
  const failing = bad.map((b) => `[ \${item.name} = ${b} ]`).join(' || ') || 'false';
  const cmd = agent ?? `echo \${item.name} >> ${side}; if ${failing}; then ${gate ? `test -f ${gate}` : 'false'}; fi`;
  const items = Array.from({ length: n }, (_, i) => ({ name: `i${i}` }));
  return mapReduceJob({ items, parallel: 1, extraMap: mapExtra, agent: `    - shell: "${cmd}"`, tail: policy });
}

const dlqIds = async (e, id) => (await core.listDeadLetters(e.manager, id)).map((d) => d.item_id).sort();

describe('error_policy', () => {
  it('max_failures: the failure past the limit stops the map phase (Failed); resume after the fix runs only the items not run', async (t) => {
    const e = engineEnv(t);
    const side = path.join(e.root, 'side.txt');
    const gate = path.join(e.root, 'fixed');
    const out = await e.runText(job({ n: 6, bad: ['i0', 'i1'], side, gate, policy: 'max_failures: 1\n' }));
    assert.equal(out.status, 'Failed');
    assert.match(out.error, /Map phase stopped: 2 items failed, more than max_failures \(1\)/);
    assert.deepEqual(lines(side), ['i0', 'i1'], 'no agent started after the second failure');
    assert.deepEqual(await dlqIds(e, out.sessionId), ['item_0', 'item_1']);

    fs.writeFileSync(gate, '');
    const resumed = await core.resumeWorkflow({ manager: e.manager, sessionId: out.sessionId, merge: 'never' });
    assert.equal(resumed.status, 'Completed', resumed.error ?? '');
    assert.deepEqual(
      lines(side),
      ['i0', 'i1', 'i2', 'i3', 'i4', 'i5'],
      'the rest ran once; the failed two wait in the queue',
    );
  });

  it('continue_on_failure: false stops at the first failure; failure_threshold counts against all the items', async (t) => {
    const e = engineEnv(t);
    const side = path.join(e.root, 'side.txt');
    const first = await e.runText(
      job({ n: 4, bad: ['i1'], side, policy: 'error_policy:\n  continue_on_failure: false\n' }),
    );
    assert.equal(first.status, 'Failed');
    assert.match(first.error, /an item failed \(continue_on_failure: false\)/);
    assert.deepEqual(lines(side), ['i0', 'i1']);

    const side2 = path.join(e.root, 'side2.txt');
    // 2 of 10 = 0.2 is not more than 0.2; the third failure is.
    const second = await e.runText(
      job({ n: 10, bad: ['i0', 'i1', 'i2', 'i3'], side: side2, policy: 'failure_threshold: 0.2\n' }),
    );
    assert.equal(second.status, 'Failed');
    assert.match(second.error, /3 of 10 items failed, more than failure_threshold \(0\.2\)/);
    assert.deepEqual(lines(side2), ['i0', 'i1', 'i2']);
  });

  it('on_item_failure: retry runs a failed item again (its own agent each time) before it counts; skip queues nothing', async (t) => {
    const e = engineEnv(t);
    const side = path.join(e.root, 'side.txt');
    const count = path.join(e.root, 'count');
    // i1 fails on its first two attempts and succeeds on the third.
    const agent = `echo \${item.name} >> ${side}; if [ \${item.name} = i1 ]; then echo x >> ${count}; [ $(wc -l < ${count}) -ge 3 ]; fi`;
    const retried = await e.runText(
      job({
        n: 3,
        agent,
        side,
        policy: 'error_policy:\n  on_item_failure: retry\n  retry_config:\n    max_attempts: 3\n',
      }),
    );
    assert.equal(retried.status, 'Completed', retried.error ?? '');
    assert.deepEqual(lines(side).sort(), ['i0', 'i1', 'i1', 'i1', 'i2']);
    assert.deepEqual(await dlqIds(e, retried.sessionId), []);
    assert.match(fs.readFileSync(retried.logFile, 'utf8'), /Item item_1 failed \(attempt 2 of 3\)/);

    const side2 = path.join(e.root, 'side2.txt');
    const skipped = await e.runText(job({ n: 3, bad: ['i1'], side: side2, policy: 'on_item_failure: skip\n' }));
    assert.equal(skipped.status, 'Completed', skipped.error ?? '');
    assert.deepEqual(await dlqIds(e, skipped.sessionId), []);
    assert.equal(e.record(skipped.sessionId).mapreduce_data.failed_items, 1);
  });
});

describe('agent_timeout_secs', () => {
  it('stops a hung agent; its item fails with a Timeout in the dead-letter queue and the others go on', async (t) => {
    const e = engineEnv(t);
    const side = path.join(e.root, 'side.txt');
    const agent = `echo \${item.name} >> ${side}; if [ \${item.name} = i0 ]; then sleep 30; fi`;
    const started = Date.now();
    const out = await e.runText(job({ n: 2, agent, side, mapExtra: '  agent_timeout_secs: 1\n' }));
    assert.ok(Date.now() - started < 20_000, 'the hung agent was stopped');
    assert.equal(out.status, 'Completed', out.error ?? '');
    assert.deepEqual(lines(side), ['i0', 'i1']);
    const [dead] = await core.listDeadLetters(e.manager, out.sessionId);
    assert.equal(dead.item_id, 'item_0');
    assert.equal(dead.failure_history[0].error_type, 'Timeout');
    assert.match(dead.failure_history[0].error_message, /Agent timed out after 1 seconds \(agent_timeout_secs\)/);
  });
});
