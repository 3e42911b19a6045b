// A step's `retry:` / `retry_config:` (Prodigy's retry chapter): every documented spelling read into one shape,
// each backoff's delays (with a fake clock: nothing here waits for them), jitter, retry_on, the retry budget,
// retry_config's on_failure, a Stop during a wait (Paused at once; the resume continues the retry where it was), and the
// positioned errors of malformed values.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { core } from './helpers/env.mjs';
import { hermeticGit } from './helpers/git.mjs';
import { engineEnv, mapReduceJob } from './helpers/engine.mjs';

hermeticGit({ before, after });

/** The loaded retry spec of the first step of a workflow file with `retryYaml` under that step. */
function loadRetry(t, retryYaml, key = 'retry') {
  const e = engineEnv(t, { git: false });
  const body = retryYaml
    .trim()
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n');
  const file = e.writeWorkflow(`commands:\n  - shell: "true"\n    ${key}:\n${body}\n`);
  return core.loadWorkflowFile(file).steps[0].retry;
}

/** The load error of a workflow text, as the user sees it (`file:line:col: message`). */
function loadError(t, text) {
  const e = engineEnv(t, { git: false });
  const file = e.writeWorkflow(text);
  try {
    core.loadWorkflowFile(file);
  } catch (err) {
    return { message: String(err.message), file };
  }
  assert.fail('expected a load error');
}

/** A clock whose sleeps return at once, remembering what they were asked to wait. */
function fakeClock(random = 0.5) {
  const slept = [];
  let t = 0;
  return {
    slept,
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
      return true;
    },
    random: () => random,
  };
}

const quietCtx = () => {
  const messages = [];
  return { messages, signal: new AbortController().signal, log: { message: (kind, text) => messages.push(text) } };
};

/** Runs runWithRetry over outcomes given in order (the last repeats). */
async function retryOver(spec, outcomes, clock = fakeClock(), ctx = quietCtx()) {
  let i = 0;
  const step = { display: 'shell: flaky', kind: 'shell', command: 'flaky' };
  const result = await core.runWithRetry(
    step,
    spec,
    ctx,
    async () => {
      const o = outcomes[Math.min(i++, outcomes.length - 1)];
      return { output: '', durationMs: 1, attempts: 1, claude: [], ...o };
    },
    clock,
  );
  return { result, runs: i, clock, ctx };
}

const failing = (error = 'boom') => ({ status: 'failed', error });

describe('retry: spellings', () => {
  it('reads retry: and retry_config:, attempts and max_attempts, with the documented defaults', (t) => {
    const a = loadRetry(t, 'attempts: 5');
    assert.deepEqual(a, {
      attempts: 5,
      backoff: { kind: 'exponential', base: 2 },
      initial_delay: 1000,
      max_delay: 30000,
      jitter: 0,
      retry_on: [],
      on_failure: 'stop',
    });
    const b = loadRetry(t, 'max_attempts: 4\ninitial_delay: 500ms\nmax_delay: 1m\nretry_budget: 1h30m', 'retry_config');
    assert.equal(b.attempts, 4);
    assert.equal(b.initial_delay, 500);
    assert.equal(b.max_delay, 60000);
    assert.equal(b.retry_budget, 5_400_000);
  });

  it('reads backoff as a word, a one-key map, a type: map and backoff_type:, with initial inside or beside', (t) => {
    const forms = {
      'backoff: fibonacci': { kind: 'fibonacci' },
      'backoff: {exponential: {base: 3}}': { kind: 'exponential', base: 3 },
      'backoff: {exponential: {initial: 2s, multiplier: 4}}': { kind: 'exponential', base: 4 },
      'backoff:\n  type: linear\n  increment: 2s': { kind: 'linear', increment: 2000 },
      'backoff_type: fixed': { kind: 'fixed' },
      'backoff: {fixed: {delay: 5s}}': { kind: 'fixed' },
      'backoff: {custom: {delays: ["1s", {secs: 3, nanos: 0}, 7]}}': { kind: 'custom', delays: [1000, 3000, 7000] },
    };
    for (const [yaml, backoff] of Object.entries(forms)) assert.deepEqual(loadRetry(t, yaml).backoff, backoff, yaml);
    assert.equal(loadRetry(t, 'backoff: {exponential: {initial: 2s, multiplier: 4}}').initial_delay, 2000);
    assert.equal(loadRetry(t, 'backoff: {fixed: {delay: 5s}}').initial_delay, 5000);
  });

  it('reads jitter as a flag (jitter_factor, default 0.3) or a factor, and retry_on words and patterns', (t) => {
    assert.equal(loadRetry(t, 'jitter: true').jitter, 0.3);
    assert.equal(loadRetry(t, 'jitter: true\njitter_factor: 0.5').jitter, 0.5);
    assert.equal(loadRetry(t, 'jitter: 0.2').jitter, 0.2);
    assert.deepEqual(loadRetry(t, 'retry_on: [network, {pattern: "(?i)database locked"}]').retry_on, [
      { kind: 'network' },
      { kind: 'pattern', pattern: 'database locked', flags: 'i' },
    ]);
  });

  it('no longer warns that retry: is not supported', (t) => {
    const e = engineEnv(t, { git: false });
    const w = core.loadWorkflowFile(e.writeWorkflow('commands:\n  - shell: "true"\n    retry: {attempts: 2}\n'));
    assert.deepEqual(w.warnings, []);
  });
});

describe('retry: malformed values, each at its position', () => {
  const cases = [
    ['backoff: sideways', 3, 22, /step 1: retry\.backoff must be fixed, linear, exponential, fibonacci or a map/],
    ['attempts: -1', 3, 23, /step 1: retry\.attempts must be a whole number \(1 or more\), got -1/],
    ['initial_delay: soon', 3, 28, /retry\.initial_delay must be a duration such as 500ms/],
    ['retry_on: [sometimes]', 3, 24, /retry\.retry_on entries are network, timeout/],
    ['retry_on: [{pattern: "(unclosed"}]', 3, 34, /retry_on pattern is not a valid regular expression/],
    ['jitter: 3', 3, 21, /retry\.jitter must be a number from 0 to 1, got 3/],
  ];
  for (const [yaml, line, col, message] of cases) {
    it(yaml, (t) => {
      const { message: got, file } = loadError(t, `commands:\n  - shell: "true"\n    retry: {${yaml}}\n`);
      assert.match(got, message);
      assert.ok(got.startsWith(`${file}:${line}:${col}:`), `${got} (expected column ${col})`);
    });
  }
});

describe('retry: delays', () => {
  const spec = (backoff, extra = {}) => ({
    attempts: 7,
    backoff,
    initial_delay: 1000,
    max_delay: 30000,
    jitter: 0,
    retry_on: [],
    on_failure: 'stop',
    ...extra,
  });
  const delays = (s) => [1, 2, 3, 4, 5, 6].map((n) => core.backoffDelay(s, n));

  it('fixed, linear (initial + (n-1)·increment), exponential, fibonacci and custom, capped at max_delay', () => {
    assert.deepEqual(delays(spec({ kind: 'fixed' })), [1000, 1000, 1000, 1000, 1000, 1000]);
    assert.deepEqual(delays(spec({ kind: 'linear', increment: 2000 })), [1000, 3000, 5000, 7000, 9000, 11000]);
    assert.deepEqual(delays(spec({ kind: 'exponential', base: 2 })), [1000, 2000, 4000, 8000, 16000, 30000]);
    assert.deepEqual(delays(spec({ kind: 'fibonacci' })), [1000, 1000, 2000, 3000, 5000, 8000]);
    assert.deepEqual(
      delays(spec({ kind: 'custom', delays: [1000, 3000, 7000] }, { max_delay: 60000 })),
      [1000, 3000, 7000, 60000, 60000, 60000],
    );
  });

  it('jitter moves a delay by at most ±delay·factor/2', () => {
    assert.equal(core.jittered(10000, 0.3, 0), 8500);
    assert.equal(core.jittered(10000, 0.3, 0.5), 10000);
    assert.ok(core.jittered(10000, 0.3, 0.999999) <= 11500);
    assert.equal(core.jittered(10000, 0, 0), 10000);
  });

  it('runs the step up to attempts times, waiting each backoff delay, and logs every retry with its delay', async () => {
    const { result, runs, clock, ctx } = await retryOver(spec({ kind: 'exponential', base: 2 }, { attempts: 4 }), [
      failing(),
      failing(),
      { status: 'success' },
    ]);
    assert.equal(result.status, 'success');
    assert.equal(runs, 3);
    assert.deepEqual(clock.slept, [1000, 2000]);
    assert.match(ctx.messages[0], /Retrying 'shell: flaky' in 1s \(attempt 2\/4\): boom/);
    assert.match(ctx.messages[1], /in 2s \(attempt 3\/4\)/);
  });

  it('fails after the last attempt, naming how many ran', async () => {
    const { result, runs } = await retryOver(spec({ kind: 'fixed' }, { attempts: 3 }), [failing()]);
    assert.equal(result.status, 'failed');
    assert.equal(runs, 3);
    assert.match(result.error, /boom after 3 attempts/);
  });

  it('on_failure: continue lets the workflow go on once the attempts are used up', async () => {
    const { result } = await retryOver(spec({ kind: 'fixed' }, { attempts: 2, on_failure: 'continue' }), [failing()]);
    assert.equal(result.status, 'continued');
  });
});

describe('retry: retry_on and the budget', () => {
  const base = { attempts: 5, backoff: { kind: 'fixed' }, initial_delay: 1000, max_delay: 30000, jitter: 0 };

  it('retries an error a matcher matches, in any case for the built-in words, and not one it does not', async () => {
    const onNetwork = { ...base, retry_on: [{ kind: 'network' }], on_failure: 'stop' };
    const matched = await retryOver(onNetwork, [failing('Connection REFUSED by host'), { status: 'success' }]);
    assert.equal(matched.runs, 2);
    assert.equal(matched.result.status, 'success');
    const unmatched = await retryOver(onNetwork, [failing('syntax error in config')]);
    assert.equal(unmatched.runs, 1, 'not retried');
    assert.equal(unmatched.result.status, 'failed');
  });

  it('matches a pattern case-sensitively unless it starts with (?i); the command text is not matched', () => {
    assert.equal(core.isRetryable([{ kind: 'pattern', pattern: 'SQLITE_BUSY', flags: '' }], 'sqlite_busy'), false);
    assert.equal(core.isRetryable([{ kind: 'pattern', pattern: 'sqlite_busy', flags: 'i' }], 'SQLITE_BUSY'), true);
    assert.equal(core.isRetryable([{ kind: 'server_error' }], 'HTTP 503 Service Unavailable'), true);
    assert.equal(core.isRetryable([{ kind: 'rate_limit' }], 'Too Many Requests'), true);
    assert.equal(core.isRetryable([], 'anything'), true);
  });

  it('stops retrying when the next wait would take the waits past retry_budget', async () => {
    const s = {
      ...base,
      attempts: 10,
      backoff: { kind: 'exponential', base: 2 },
      retry_on: [],
      retry_budget: 8000,
      on_failure: 'stop',
    };
    const { result, runs, clock } = await retryOver(s, [failing()]);
    assert.deepEqual(clock.slept, [1000, 2000, 4000], '1+2+4 = 7s; another 8s would pass the 8s budget');
    assert.equal(runs, 4);
    assert.match(result.error, /retry budget of 8s exhausted/);
  });
});

describe('retry: a retry in flight at a stop, and its resume', () => {
  const s = (over = {}) => ({
    attempts: 4,
    backoff: { kind: 'fixed' },
    initial_delay: 1000,
    max_delay: 30000,
    jitter: 0,
    retry_on: [],
    retry_budget: 10000,
    on_failure: 'stop',
    ...over,
  });

  /** A clock at `start` ms whose sleep number `stopAt` (1-based) is stopped, as Ctrl-C stops a wait. */
  function stoppingClock(start, stopAt = Infinity) {
    const slept = [];
    let t = start;
    return {
      slept,
      now: () => t,
      sleep: async (ms) => {
        if (slept.length + 1 >= stopAt) return false;
        slept.push(ms);
        t += ms;
        return true;
      },
      random: () => 0.5,
    };
  }

  /** Attempts 1 and 2 fail; the wait after attempt 2 is stopped. Returns the variables that keep the state. */
  async function stoppedAfterTwo(spec) {
    const ctx = { ...quietCtx(), vars: {} };
    const { result, runs } = await retryOver(spec, [failing('flaky 503')], stoppingClock(0, 2), ctx);
    assert.equal(result.status, 'stopped');
    assert.equal(runs, 2);
    return ctx.vars;
  }

  it('keeps the attempt, the waits, the budget expiry and when the next attempt was due', async () => {
    const vars = await stoppedAfterTwo(s());
    assert.deepEqual(vars.__retry_state, {
      step: 'shell: flaky',
      current_attempt: 2,
      max_attempts: 4,
      last_error: 'flaky 503',
      total_delay_ms: 2000,
      // Set at the first failure (t = 0) + 10 s, as the retry-budget page documents.
      retry_budget_expires_at: new Date(10000).toISOString(),
      next_attempt_at: new Date(2000).toISOString(),
    });
  });

  it('resume continues at attempt 3/4, waits only the rest of the wait, and a success clears the state', async () => {
    const vars = await stoppedAfterTwo(s());
    const ctx = { ...quietCtx(), vars };
    const clock = stoppingClock(1500);
    const { result, runs } = await retryOver(s(), [{ status: 'success' }], clock, ctx);
    assert.equal(result.status, 'success');
    assert.equal(runs, 1, 'one attempt: attempt 3');
    assert.deepEqual(clock.slept, [500], 'what was left of the 1 s wait');
    assert.match(ctx.messages[0], /Resuming the retry of 'shell: flaky' in 500ms \(attempt 3\/4\): flaky 503/);
    assert.equal(vars.__retry_state, undefined);
  });

  it('resume numbers the later retries on from there and fails after the 4th attempt', async () => {
    const vars = await stoppedAfterTwo(s());
    const ctx = { ...quietCtx(), vars };
    const { result, runs } = await retryOver(s(), [failing('flaky 503')], stoppingClock(5000), ctx);
    assert.equal(runs, 2, 'attempts 3 and 4');
    assert.match(ctx.messages.join('\n'), /Retrying 'shell: flaky' in 1s \(attempt 4\/4\)/);
    assert.match(result.error, /flaky 503 after 4 attempts/);
    assert.equal(vars.__retry_state, undefined, 'cleared when the step failed');
  });

  it('the budget is not reset: past its kept expiry the resumed step fails without another attempt', async () => {
    const vars = await stoppedAfterTwo(s());
    const ctx = { ...quietCtx(), vars };
    const { result, runs } = await retryOver(s(), [{ status: 'success' }], stoppingClock(10000), ctx);
    assert.equal(runs, 0);
    assert.equal(result.status, 'failed');
    assert.match(result.error, /flaky 503 after 2 attempts \(retry budget of 10s exhausted\)/);
    assert.equal(vars.__retry_state, undefined);
  });

  it('the budget is not reset: the waits before the stop still count against it', async () => {
    const spec = s({ retry_budget: 2500 });
    const vars = await stoppedAfterTwo(spec);
    const ctx = { ...quietCtx(), vars };
    // 2 s waited before the stop; attempt 3 fails and one more 1 s wait would pass 2.5 s.
    const { result, runs } = await retryOver(spec, [failing('flaky 503')], stoppingClock(2000), ctx);
    assert.equal(runs, 1);
    assert.match(result.error, /after 3 attempts \(retry budget of 2.5s exhausted\)/);
  });

  it('a kept state of another step is not taken', async () => {
    const vars = await stoppedAfterTwo(s());
    vars.__retry_state.step = 'shell: other';
    const ctx = { ...quietCtx(), vars };
    const { runs, ctx: c } = await retryOver(s(), [failing(), { status: 'success' }], stoppingClock(0), ctx);
    assert.equal(runs, 2);
    assert.match(c.messages[0], /attempt 2\/4/);
  });
});

describe('retry: in a run', () => {
  it('a flaky shell step succeeds on its third attempt; the log names each retry and its delay', async (t) => {
    const e = engineEnv(t);
    const counter = path.join(e.root, 'count');
    const out = await e.runText(`commands:
  - shell: "echo x >> ${counter}; test $(wc -l < ${counter}) -ge 3"
    retry_config:
      attempts: 4
      backoff: fixed
      initial_delay: 10ms
`);
    assert.equal(out.status, 'Completed', out.error ?? '');
    assert.equal(fs.readFileSync(counter, 'utf8').trim().split('\n').length, 3);
    const log = e.log(out);
    assert.match(log, /Retrying 'shell: echo x .*' in 10ms \(attempt 2\/4\)/);
    assert.match(log, /\(attempt 3\/4\)/);
  });

  it('Stop during the wait after attempt 2 of 4 pauses at once; resume continues at attempt 3 and clears the state', async (t) => {
    const e = engineEnv(t);
    const counter = path.join(e.root, 'count');
    const gate = path.join(e.root, 'fixed');
    const file = e.writeWorkflow(`commands:
  - shell: "echo x >> ${counter}; test -f ${gate}"
    retry:
      attempts: 4
      backoff: {custom: {delays: [10ms, 3s, 10ms]}}
  - shell: "echo after >> ${counter}"
`);
    const controller = new AbortController();
    const started = Date.now();
    const running = e.run(file, { signal: controller.signal });
    // Attempt 2 has failed once the counter has two lines; then the 3 s wait begins.
    const lines = () => (fs.existsSync(counter) ? fs.readFileSync(counter, 'utf8').trim().split('\n') : []);
    while (lines().length < 2) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    controller.abort();
    const out = await running;
    assert.ok(Date.now() - started < 2_500, 'the wait ended with the stop');
    assert.equal(out.status, 'Paused', out.error ?? '');
    assert.match(e.log(out), /Stopped while waiting to retry/);
    assert.deepEqual(lines(), ['x', 'x']);
    // The retry in flight is kept with the checkpoint, beside Prodigy's own variables.
    const kept = e.checkpointFile(out.sessionId).variable_state.__retry_state;
    assert.equal(kept.current_attempt, 2);
    assert.equal(kept.max_attempts, 4);
    assert.equal(kept.total_delay_ms, 3010);
    assert.ok(Date.parse(kept.next_attempt_at) > Date.now(), 'the interrupted wait was due later');

    fs.writeFileSync(gate, '');
    const resumed = await core.resumeWorkflow({ manager: e.manager, sessionId: out.sessionId, merge: 'never' });
    assert.equal(resumed.status, 'Completed', resumed.error ?? '');
    assert.deepEqual(lines(), ['x', 'x', 'x', 'after']);
    assert.match(e.log(resumed), /Resuming the retry of 'shell: echo x .*'( in [0-9.]+m?s)? \(attempt 3\/4\)/);
    const afterResume = e.log(resumed).split(/Resuming session/)[1];
    assert.doesNotMatch(afterResume, /attempt [12]\/4/, 'the retry did not start over');
    assert.equal(
      e.checkpointFile(out.sessionId).variable_state.__retry_state,
      undefined,
      'cleared when the step ended',
    );
    const record = await e.manager.getSession(out.sessionId);
    assert.equal(record.workflow_data.variables.__retry_state, undefined);
  });

  /** A one-item job whose agent always fails, stopped in its wait after attempt 2 of 4 (a 3 s wait). */
  async function itemStoppedAfterTwo(t) {
    const e = engineEnv(t);
    const count = path.join(e.root, 'count');
    const lines = () => (fs.existsSync(count) ? fs.readFileSync(count, 'utf8').trim().split('\n') : []);
    const file = e.writeWorkflow(
      mapReduceJob({
        items: [{ name: 'i0' }],
        parallel: 1,
        agent: `    - shell: "echo x >> ${count}; false"`,
        tail: `error_policy:
  on_item_failure: retry
  retry_config:
    max_attempts: 4
    backoff: {custom: {delays: [10ms, 3s, 10ms]}}
    retry_budget: 1h
`,
      }),
    );
    const controller = new AbortController();
    const running = e.run(file, { signal: controller.signal });
    while (lines().length < 2) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300));
    controller.abort();
    const out = await running;
    assert.equal(out.status, 'Paused', out.error ?? '');
    const rec = e.record(out.sessionId);
    const dir = path.join(e.home, 'state', out.sessionId, 'mapreduce', 'jobs', rec.mapreduce_data.job_id);
    /** The job state's newest checkpoint file. */
    const stateFile = () =>
      path.join(
        dir,
        fs
          .readdirSync(dir)
          .map((n) => /^checkpoint-v(\d+)\.json$/.exec(n))
          .filter(Boolean)
          .sort((a, b) => Number(b[1]) - Number(a[1]))[0][0],
      );
    const jobState = () => JSON.parse(fs.readFileSync(stateFile(), 'utf8'));
    const resume = () => core.resumeWorkflow({ manager: e.manager, sessionId: out.sessionId, merge: 'never' });
    return { e, out, lines, stateFile, jobState, resume };
  }

  it('a MapReduce item stopped in its retry wait after attempt 2 of 4 resumes at attempt 3', async (t) => {
    const { e, out, lines, jobState, resume } = await itemStoppedAfterTwo(t);
    const kept = jobState().item_retry_state.item_0;
    assert.equal(kept.attempt, 2);
    assert.equal(kept.total_delay_ms, 3010);
    assert.ok(Date.parse(kept.retry_budget_expires_at) > Date.now() + 3_500_000, 'an hour from the first failure');

    const resumed = await resume();
    assert.deepEqual(lines(), ['x', 'x', 'x', 'x'], 'attempts 3 and 4 only');
    const afterResume = e.log(resumed).split(/Resuming MapReduce session/)[1];
    assert.match(afterResume, /Item item_0: resuming its retry \(attempt 3 of 4\)/);
    assert.match(afterResume, /Item item_0 failed \(attempt 3 of 4\)/);
    assert.doesNotMatch(afterResume, /attempt [12] of 4/);
    assert.equal(jobState().item_retry_state, undefined, 'cleared when the item ended');
    assert.equal((await core.listDeadLetters(e.manager, out.sessionId)).length, 1);
  });

  it('a MapReduce item resumed past its kept budget expiry fails without another attempt', async (t) => {
    const { e, out, lines, stateFile, jobState, resume } = await itemStoppedAfterTwo(t);
    const state = jobState();
    state.item_retry_state.item_0.retry_budget_expires_at = new Date(Date.now() - 1000).toISOString();
    fs.writeFileSync(stateFile(), JSON.stringify(state, null, 2));
    await resume();
    assert.deepEqual(lines(), ['x', 'x'], 'not run again');
    const [dead] = await core.listDeadLetters(e.manager, out.sessionId);
    assert.match(JSON.stringify(dead), /retry budget exhausted after 2 attempts/);
    assert.equal(jobState().item_retry_state, undefined);
  });

  it('applies in a MapReduce setup, agent and reduce step alike (one executeStep)', async (t) => {
    const e = engineEnv(t);
    const dir = e.root;
    const flaky = (name) =>
      `shell: "echo x >> ${dir}/${name}; test $(wc -l < ${dir}/${name}) -ge 2"\n    retry: {attempts: 2, initial_delay: 10ms}`;
    const out = await e.runText(`name: retried
mode: mapreduce
setup:
  - shell: "echo '[1]' > items.json && git add items.json && git commit -qm items"
  - ${flaky('setup')}
map:
  input: items.json
  agent_template:
    - ${flaky('agent').replace('\n    ', '\n      ')}
reduce:
  - ${flaky('reduce')}
`);
    assert.equal(out.status, 'Completed', out.error ?? '');
    for (const name of ['setup', 'agent', 'reduce'])
      assert.equal(fs.readFileSync(path.join(dir, name), 'utf8').trim().split('\n').length, 2, name);
  });
});
