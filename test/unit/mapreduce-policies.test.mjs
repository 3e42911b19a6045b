// A MapReduce job's documented policies beyond on_item_failure: error_policy.retry_config's backoff for a failed
// item, map.timeout_config (agent and per-command limits, timeout_action), error_collection (when failed items
// reach the log) and circuit_breaker (open: no new agent; half-open after its timeout; closed on successes);
// and the positioned errors of malformed values.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { core } from './helpers/env.mjs';
import { hermeticGit } from './helpers/git.mjs';
import { engineEnv, mapReduceJob } from './helpers/engine.mjs';

hermeticGit({ before, after });

const lines = (file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);

/** `n` items named i0…; the agent appends its item's name to `side` and runs `then` (default: fails for `bad`). */
function job({ n, side, bad = [], then = null, policy = '', mapExtra = '', parallel = 1 }) {
  const failing = bad.map((b) => `[ \${item.name} = ${b} ]`).join(' || ') || 'false';
  const cmd = `echo \${item.name} >> ${side}; ${then ?? `if ${failing}; then false; fi`}`;
  const items = Array.from({ length: n }, (_, i) => ({ name: `i${i}` }));
  return mapReduceJob({ items, parallel, extraMap: mapExtra, agent: `    - shell: "${cmd}"`, tail: policy });
}

const dlq = (e, id) => core.listDeadLetters(e.manager, id);

describe('error_policy.retry_config', () => {
  it('runs a failed item again after its backoff delay, logged with the delay, until it succeeds', async (t) => {
    const e = engineEnv(t);
    const side = path.join(e.root, 'side.txt');
    const count = path.join(e.root, 'count');
    // i0 fails on its first two attempts.
    const then = `if [ \${item.name} = i0 ]; then echo x >> ${count}; test $(wc -l < ${count}) -ge 3; fi`;
    const out = await e.runText(
      job({
        n: 2,
        side,
        then,
        policy: `error_policy:
  on_item_failure: retry
  retry_config:
    max_attempts: 3
    backoff:
      exponential:
        initial: 50ms
        multiplier: 2
`,
      }),
    );
    assert.equal(out.status, 'Completed', out.error ?? '');
    assert.deepEqual(lines(count), ['x', 'x', 'x']);
    const log = e.log(out);
    assert.match(log, /Item item_0 failed \(attempt 1 of 3\): .*; running it again in 0\.05s/);
    assert.match(log, /Item item_0 failed \(attempt 2 of 3\): .*; running it again in 0\.10s/);
    assert.deepEqual(await dlq(e, out.sessionId), []);
  });

  it('retry_on: an item whose error matches no entry is not run again', async (t) => {
    const e = engineEnv(t);
    const side = path.join(e.root, 'side.txt');
    const out = await e.runText(
      job({
        n: 1,
        side,
        then: 'echo permission denied >&2; false',
        policy: `error_policy:
  on_item_failure: retry
  retry_config: {max_attempts: 3, initial_delay: 10ms, retry_on: [network]}
`,
      }),
    );
    assert.equal(out.status, 'Completed', out.error ?? '');
    assert.deepEqual(lines(side), ['i0'], 'ran once');
    assert.equal((await dlq(e, out.sessionId)).length, 1);
  });
});

describe('error_policy.retry_config without on_item_failure: retry', () => {
  it('is a warning at the key: the item is not run again', (t) => {
    const e = engineEnv(t, { git: false });
    const file = e.writeWorkflow(
      job({ n: 1, side: '/dev/null', policy: 'error_policy:\n  retry_config: {max_attempts: 3}\n' }),
    );
    const got = core.loadWorkflowFile(file).warnings.map((w) => `${w.line}:${w.col} ${w.message}`);
    assert.deepEqual(got, [
      '12:3 error_policy.retry_config applies with on_item_failure: retry; without it a failed item is not run again',
    ]);
  });
});

describe('map.timeout_config', () => {
  it('command_timeouts stop a hung shell step; the item fails as a Timeout into the dead-letter queue (dlq)', async (t) => {
    const e = engineEnv(t);
    const side = path.join(e.root, 'side.txt');
    const started = Date.now();
    const out = await e.runText(
      job({
        n: 2,
        side,
        then: 'if [ ${item.name} = i0 ]; then sleep 30; fi',
        mapExtra: '  timeout_config:\n    timeout_policy: hybrid\n    command_timeouts:\n      shell: 1\n',
      }),
    );
    assert.ok(Date.now() - started < 20_000, 'the hung step was stopped');
    assert.equal(out.status, 'Completed', out.error ?? '');
    const [dead] = await dlq(e, out.sessionId);
    assert.equal(dead.item_id, 'item_0');
    assert.equal(dead.failure_history[0].error_type, 'Timeout');
    assert.match(dead.failure_history[0].error_message, /timed out after 1 seconds/);
  });

  it('cleanup_grace_period_secs is the time the processes of a timed-out agent get between SIGTERM and SIGKILL', async (t) => {
    const e = engineEnv(t);
    const run = async (grace) => {
      const side = path.join(e.root, `side-${grace}.txt`);
      const cleaned = path.join(e.root, `cleaned-${grace}.txt`);
      // On SIGTERM the step cleans up for 0.3 s; SIGKILL before that leaves no trace of it.
      const out = await e.runText(
        job({
          n: 1,
          side,
          then: `trap 'sleep 0.3; echo cleaned > ${cleaned}; exit 1' TERM; sleep 30 & wait`,
          mapExtra: `  timeout_config:\n    agent_timeout_secs: 1\n    cleanup_grace_period_secs: ${grace}\n`,
        }),
      );
      assert.equal(out.status, 'Completed', out.error ?? '');
      assert.equal((await dlq(e, out.sessionId))[0].failure_history[0].error_type, 'Timeout');
      return fs.existsSync(cleaned);
    };
    assert.equal(await run(10), true, 'with 10 s of grace the clean-up finished');
    assert.equal(await run(0), false, 'with none it was killed at once');
  });

  it('agent_timeout_secs with timeout_action: skip: the timed-out item is counted failed, not queued', async (t) => {
    const e = engineEnv(t);
    const side = path.join(e.root, 'side.txt');
    const out = await e.runText(
      job({
        n: 2,
        side,
        then: 'if [ ${item.name} = i0 ]; then sleep 30; fi',
        mapExtra: '  timeout_config:\n    agent_timeout_secs: 1\n    timeout_action: skip\n',
      }),
    );
    assert.equal(out.status, 'Completed', out.error ?? '');
    assert.deepEqual(await dlq(e, out.sessionId), []);
    assert.equal(e.record(out.sessionId).mapreduce_data.failed_items, 1);
    assert.match(
      e.log(out),
      /Item item_0 failed: Agent timed out after 1 seconds .*\(skipped: timeout_action is skip\)/,
    );
  });

  it('timeout_action: fail stops the map phase: the job is Failed and resumable', async (t) => {
    const e = engineEnv(t);
    const side = path.join(e.root, 'side.txt');
    const out = await e.runText(
      job({
        n: 3,
        side,
        then: 'if [ ${item.name} = i0 ]; then sleep 30; fi',
        mapExtra: '  timeout_config:\n    agent_timeout_secs: 1\n    timeout_action: fail\n',
      }),
    );
    assert.equal(out.status, 'Failed');
    assert.match(out.error, /Map phase stopped: item item_0 timed out \(timeout_action: fail\)/);
    assert.deepEqual(lines(side), ['i0'], 'no new agent after the timeout');
  });

  it('loads with no "not supported" warning; a bad action is an error at its value', (t) => {
    const e = engineEnv(t, { git: false });
    const ok = e.writeWorkflow(
      job({
        n: 1,
        side: '/dev/null',
        mapExtra: '  timeout_config:\n    agent_timeout_secs: 600\n    timeout_action: dlq\n',
      }),
    );
    assert.deepEqual(
      core.loadWorkflowFile(ok).warnings.filter((w) => /timeout_config/.test(w.message)),
      [],
    );
    const bad = e.writeWorkflow(
      job({ n: 1, side: '/dev/null', mapExtra: '  timeout_config:\n    timeout_action: explode\n' }),
    );
    assert.throws(
      () => core.loadWorkflowFile(bad),
      (err) => {
        assert.match(
          err.message,
          /:10:21: map\.timeout_config\.timeout_action must be one of dlq, skip, fail, graceful_terminate, got "explode"/,
        );
        return true;
      },
    );
  });
});

describe('error_collection', () => {
  const failures = (log) =>
    log.split('\n').filter((l) => /Item item_\d failed|items failed \(error_collection/.test(l));

  it('aggregate (the default) reports the failed items together when the map phase ends', async (t) => {
    const e = engineEnv(t);
    const side = path.join(e.root, 'side.txt');
    const out = await e.runText(job({ n: 3, side, bad: ['i0', 'i2'] }));
    assert.equal(out.status, 'Completed', out.error ?? '');
    const log = e.log(out);
    assert.match(
      log,
      /2 items failed \(error_collection: aggregate\):\n.*- Item item_0 failed.*\n.*- Item item_2 failed/,
    );
    assert.ok(log.indexOf('items failed (error_collection') < log.indexOf('Map phase completed'));
  });

  it('immediate reports each as it fails; batched:2 two at a time', async (t) => {
    const e = engineEnv(t);
    const side = path.join(e.root, 'side.txt');
    const now = await e.runText(job({ n: 3, side, bad: ['i0', 'i2'], policy: 'error_collection: immediate\n' }));
    assert.equal(failures(e.log(now)).length, 2);
    assert.ok(!/error_collection/.test(e.log(now)));

    const side2 = path.join(e.root, 'side2.txt');
    const batched = await e.runText(
      job({
        n: 5,
        side: side2,
        bad: ['i0', 'i1', 'i2'],
        policy: 'error_policy:\n  error_collection: {batched: {size: 2}}\n',
      }),
    );
    const log = e.log(batched);
    assert.match(log, /2 items failed \(error_collection: batched:2\)/);
    // The third failure, alone, at the end of the map phase.
    assert.match(log, /\n[^\n]*Item item_2 failed[^\n]*\n/);
  });

  it('a malformed value is an error at its position', (t) => {
    const e = engineEnv(t, { git: false });
    const file = e.writeWorkflow(job({ n: 1, side: '/dev/null', policy: 'error_collection: batched:zero\n' }));
    assert.throws(() => core.loadWorkflowFile(file), /:11:19: error_collection batch size must be a whole number/);
  });
});

describe('error_policy.circuit_breaker', () => {
  it('opens after failure_threshold consecutive failures: no new agent starts until its timeout', async (t) => {
    const e = engineEnv(t);
    const side = path.join(e.root, 'side.txt');
    const controller = new AbortController();
    const running = e.run(
      e.writeWorkflow(
        job({
          n: 5,
          side,
          bad: ['i0', 'i1', 'i2', 'i3', 'i4'],
          policy: 'error_policy:\n  circuit_breaker:\n    failure_threshold: 2\n    timeout: 1h\n',
        }),
      ),
      { signal: controller.signal },
    );
    // Two failures open the circuit; a third agent never starts while it is open.
    const deadline = Date.now() + 15_000;
    while (lines(side).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1_500));
    assert.deepEqual(lines(side), ['i0', 'i1']);
    controller.abort();
    const out = await running;
    assert.equal(out.status, 'Paused', out.error ?? '');
    assert.match(e.log(out), /Circuit breaker open \(item_1 failed\): no new agent starts for 3600s/);
  });

  it('half-open after the timeout lets trial agents start; successes close it', () => {
    let now = 0;
    const b = new core.CircuitBreaker(
      { failure_threshold: 2, success_threshold: 2, timeout: 1000, half_open_requests: 1 },
      () => now,
    );
    assert.equal(b.tryStart(), true);
    assert.equal(b.record(false), null);
    assert.equal(b.record(false), 'open');
    assert.equal(b.tryStart(), false);
    assert.equal(b.waitMs(), 1000);
    now = 1000;
    assert.equal(b.current, 'half-open');
    assert.equal(b.tryStart(), true);
    assert.equal(b.tryStart(), false, 'one trial at a time (half_open_requests: 1)');
    assert.equal(b.record(true), null);
    assert.equal(b.tryStart(), true);
    assert.equal(b.record(true), 'closed');
    // A failure while half-open opens it again.
    b.record(false);
    b.record(false);
    now = 3000;
    b.tryStart();
    assert.equal(b.record(false), 'open');
  });

  it('a malformed threshold is an error at its position', (t) => {
    const e = engineEnv(t, { git: false });
    const file = e.writeWorkflow(
      job({ n: 1, side: '/dev/null', policy: 'error_policy:\n  circuit_breaker:\n    failure_threshold: 0\n' }),
    );
    assert.throws(
      () => core.loadWorkflowFile(file),
      /:13:24: error_policy\.circuit_breaker\.failure_threshold must be a whole number/,
    );
  });
});
