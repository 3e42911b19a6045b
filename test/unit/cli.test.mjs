// The CLI: `main(argv, io)` from dist/cli.js in-process, and `node dist/cli.js` as a real process.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  DIST_CLI,
  fixtureText,
  tempHome,
  makeSession,
  FIXTURE_WORKFLOW_ID,
  FIXTURE_MAPREDUCE_ID,
} from './helpers/env.mjs';
import { runCli as run, spawnCli } from './helpers/cli.mjs';

/** One line of error (plus at most a usage hint), no stack trace, non-zero exit, nothing on stdout. */
function assertCleanError(r, pattern) {
  assert.notEqual(r.code, 0, 'non-zero exit code');
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  assert.ok(lines.length >= 1 && lines.length <= 2, `one error line (+ hint), got:\n${r.stderr}`);
  if (lines.length === 2) assert.match(lines[1], /help|usage/i, 'second line is a usage hint');
  for (const l of lines) assert.doesNotMatch(l, /^\s+at /, 'no stack trace');
  assert.match(lines[0], pattern);
  assert.equal(r.stdout, '', 'nothing on stdout');
}

const PAUSED_ID = 'workflow-1736937000555';

/** A running fixture, the MapReduce-typed fixture, a Paused session with two checkpoints, one unreadable file. */
async function seed(t) {
  const h = tempHome(t);
  h.writeSession(fixtureText('unified-session.workflow.running.json'), `${FIXTURE_WORKFLOW_ID}.json`);
  h.writeSession(fixtureText('unified-session.mapreduce-typed.json'), `${FIXTURE_MAPREDUCE_ID}.json`);
  const m = h.manager();
  await m.createSession({ id: PAUSED_ID, type: 'Workflow', workflowName: 'nightly-fixes', totalSteps: 5 });
  await m.startSession(PAUSED_ID);
  await m.createCheckpoint(PAUSED_ID, { step_index: 1, step_name: 'shell: cargo build', total_steps: 5 });
  await m.createCheckpoint(PAUSED_ID, { step_index: 2, step_name: 'shell: cargo test', total_steps: 5 });
  await m.pauseSession(PAUSED_ID);
  m.close();
  const badFile = h.writeSession('', 'workflow-1736937000666.json');
  return { h, badFile };
}

it('dist/cli.js starts with a node shebang', () => {
  assert.equal(fs.readFileSync(DIST_CLI, 'utf8').split('\n')[0], '#!/usr/bin/env node');
});

describe('sessions list', () => {
  it('--json: {sessions, total, unreadable} with the summary fields, checkpoints as a number', async (t) => {
    const { h, badFile } = await seed(t);
    const r = await run(['--home', h.home, 'sessions', 'list', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const json = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(json).sort(), ['sessions', 'total', 'unreadable']);
    assert.equal(json.total, 3);
    assert.deepEqual(
      json.sessions.map((s) => s.id),
      [PAUSED_ID, FIXTURE_MAPREDUCE_ID, FIXTURE_WORKFLOW_ID],
      'newest first',
    );
    for (const s of json.sessions) {
      for (const key of ['id', 'session_type', 'status', 'started_at', 'updated_at', 'workflow_name', 'checkpoints']) {
        assert.ok(key in s, `${s.id} has ${key}`);
      }
      assert.equal(typeof s.checkpoints, 'number');
    }
    const paused = json.sessions[0];
    assert.equal(paused.status, 'Paused');
    assert.equal(paused.checkpoints, 2);
    assert.equal(paused.workflow_name, 'nightly-fixes');
    assert.equal(paused.session_type, 'Workflow');
    const mr = json.sessions[1];
    assert.equal(mr.session_type, 'MapReduce');
    assert.equal(mr.workflow_name, '');
    const wf = json.sessions[2];
    assert.equal(wf.started_at, '2025-01-15T10:30:00.125873412Z', 'timestamps as stored');
    assert.equal(wf.workflow_name, 'implement-feature');
    assert.equal(json.unreadable.length, 1);
    assert.equal(json.unreadable[0].file, badFile);
    assert.match(json.unreadable[0].reason, /empty/);
  });

  it('human: a table of sessions and the unreadable files with reasons', async (t) => {
    const { h, badFile } = await seed(t);
    const r = await run(['--home', h.home, 'sessions', 'list']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(
      lines[0],
      /^ID\s+WORKFLOW\s+TYPE\s+STATUS\s+OUTCOME\s+PROGRESS\s+CHECKPOINTS\s+COST\s+STARTED\s+UPDATED$/,
    );
    const row = (id) => lines.find((l) => l.startsWith(`${id} `));
    assert.match(row(PAUSED_ID), /nightly-fixes\s+Workflow\s+Paused\s+\S.*\s2\s/);
    // OUTCOME is `-` until a session completes: the status says the rest.
    // Prodigy's Running fixtures were last written in 2025 and no process holds their lock: "Running?".
    assert.match(row(FIXTURE_MAPREDUCE_ID), /MapReduce\s+Running\?\s+-\s+Setup 4\/10/);
    assert.match(row(FIXTURE_WORKFLOW_ID), /implement-feature\s+Workflow\s+Running\?\s+-\s+step 1\/3/);
    assert.match(r.stdout, /Unreadable files \(1\)/);
    assert.ok(
      lines.some((l) => l.includes(badFile) && /empty file/.test(l)),
      'bad file listed with its reason',
    );
  });

  it('a Running session no process runs reads as the Sessions view says it: Interrupted, or Running? when stale', async (t) => {
    const h = tempHome(t);
    const m = h.manager();
    for (const id of ['workflow-1736937000777', 'workflow-1736937000888']) {
      await m.createSession({ id, type: 'Workflow', workflowName: id.slice(-3), totalSteps: 2 });
      await m.startSession(id);
    }
    m.close();
    // Our engine ran 777 (its session log) and holds no lock on it any more: interrupted.
    const log = h.manager().paths.sessionLogFile('workflow-1736937000777');
    fs.mkdirSync(path.dirname(log), { recursive: true });
    fs.writeFileSync(log, 'Executing step 1/2\n');
    h.writeSession(fixtureText('unified-session.workflow.running.json'), `${FIXTURE_WORKFLOW_ID}.json`);
    const r = await run(['--home', h.home, 'sessions', 'list']);
    assert.equal(r.code, 0, r.stderr);
    const row = (id) => r.stdout.split('\n').find((l) => l.startsWith(`${id} `)) ?? '';
    assert.match(row('workflow-1736937000777'), /Workflow\s+Interrupted\s+-\s+step 1\/2/);
    // Just written, with no process to be seen and no log of ours: it may well run (the prodigy CLI takes no lock).
    assert.match(row('workflow-1736937000888'), /Workflow\s+Running\s+-\s+step 1\/2/);
    assert.match(row(FIXTURE_WORKFLOW_ID), /Workflow\s+Running\?\s+-\s+step 1\/3/);
    const interrupted = await run(['--home', h.home, 'sessions', 'show', 'workflow-1736937000777']);
    assert.match(
      interrupted.stdout,
      /^Status\s+Running, but no process runs it any more: interrupted \(resume with: prodigy-vscode resume workflow-1736937000777\)$/m,
    );
    assert.match(interrupted.stdout, /^Outcome\s+none yet \(not finished\)$/m);
    const stale = await run(['--home', h.home, 'sessions', 'show', FIXTURE_WORKFLOW_ID]);
    assert.match(stale.stdout, /^Status\s+Running\? \(not updated for \d+ y, and no process holds its lock; /m);
    // --json keeps the record's own status.
    const j = JSON.parse((await run(['--home', h.home, 'sessions', 'list', '--json'])).stdout);
    assert.deepEqual(
      j.sessions.map((x) => x.status),
      ['Running', 'Running', 'Running'],
    );
  });

  it('--status filters (case-insensitive), --limit pages, a bad --status is a usage error', async (t) => {
    const { h } = await seed(t);
    const paused = JSON.parse(
      (await run(['--home', h.home, 'sessions', 'list', '--status', 'Paused', '--json'])).stdout,
    );
    assert.deepEqual(
      paused.sessions.map((s) => s.id),
      [PAUSED_ID],
    );
    assert.equal(paused.total, 1);
    const running = JSON.parse(
      (await run(['--home', h.home, 'sessions', 'list', '--status', 'running', '--json'])).stdout,
    );
    assert.deepEqual(running.sessions.map((s) => s.id).sort(), [FIXTURE_MAPREDUCE_ID, FIXTURE_WORKFLOW_ID].sort());
    const human = await run(['--home', h.home, 'sessions', 'list', '--status', 'Paused']);
    assert.ok(human.stdout.includes(PAUSED_ID));
    assert.ok(!human.stdout.includes(FIXTURE_WORKFLOW_ID));
    const none = await run(['--home', h.home, 'sessions', 'list', '--status', 'Cancelled']);
    assert.equal(none.code, 0);
    assert.doesNotMatch(none.stdout, /workflow-1736937000123/);
    const limited = await run(['--home', h.home, 'sessions', 'list', '--limit', '1']);
    assert.match(limited.stdout, /1 of 3 sessions shown/);
    assertCleanError(await run(['--home', h.home, 'sessions', 'list', '--status', 'Bogus']), /Bogus/);
    assertCleanError(await run(['--home', h.home, 'sessions', 'list', '--limit', '0']), /limit/);
  });

  it('an empty home says so', async (t) => {
    const h = tempHome(t);
    const r = await run(['--home', h.home, 'sessions', 'list']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /No sessions in /);
    const j = JSON.parse((await run(['--home', h.home, 'sessions', 'list', '--json'])).stdout);
    assert.deepEqual(j, { sessions: [], total: 0, unreadable: [] });
  });
});

describe('sessions show / delete / quarantine, checkpoints list', () => {
  it('sessions show <id> (human and --json)', async (t) => {
    const { h } = await seed(t);
    const r = await run(['--home', h.home, 'sessions', 'show', PAUSED_ID]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Session\\s+${PAUSED_ID}$`, 'm'));
    assert.match(r.stdout, /^Workflow\s+nightly-fixes$/m);
    assert.match(r.stdout, /^Status\s+Paused$/m);
    assert.match(r.stdout, /^Checkpoints \(2\):$/m);
    assert.match(r.stdout, /after step 3\/5 shell: cargo test/);
    assert.ok(r.stdout.includes(h.sessionFile(PAUSED_ID)));
    const j = await run(['--home', h.home, 'sessions', 'show', PAUSED_ID, '--json']);
    assert.equal(j.code, 0);
    assert.deepEqual(JSON.parse(j.stdout), h.readSessionJson(PAUSED_ID));
    const mr = await run(['--home', h.home, 'sessions', 'show', FIXTURE_MAPREDUCE_ID]);
    assert.match(mr.stdout, /^MapReduce\s+job mapreduce-20250115_110002, phase Setup, 4\/10 items, 0 failed$/m);
  });

  it('sessions delete <id> moves it aside; a Running one needs --force', async (t) => {
    const { h } = await seed(t);
    const r = await run(['--home', h.home, 'sessions', 'delete', PAUSED_ID]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Deleted session ${PAUSED_ID}`));
    assert.equal(fs.existsSync(h.sessionFile(PAUSED_ID)), false);
    assert.ok(fs.readdirSync(path.join(h.home, 'vscode', 'deleted')).some((d) => d.startsWith(PAUSED_ID)));
    const list = JSON.parse((await run(['--home', h.home, 'sessions', 'list', '--json'])).stdout);
    assert.ok(!list.sessions.some((s) => s.id === PAUSED_ID));

    const before = h.readSessionText(FIXTURE_WORKFLOW_ID);
    assertCleanError(await run(['--home', h.home, 'sessions', 'delete', FIXTURE_WORKFLOW_ID]), /Running.*--force/);
    assert.equal(h.readSessionText(FIXTURE_WORKFLOW_ID), before, 'refused delete changes nothing');
    const forced = await run(['--home', h.home, 'sessions', 'delete', FIXTURE_WORKFLOW_ID, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(fs.existsSync(h.sessionFile(FIXTURE_WORKFLOW_ID)), false);
    assertCleanError(await run(['--home', h.home, 'sessions', 'delete', PAUSED_ID]), new RegExp(PAUSED_ID));
  });

  it('sessions delete removes an unreadable record too', async (t) => {
    const { h, badFile } = await seed(t);
    const r = await run(['--home', h.home, 'sessions', 'delete', 'workflow-1736937000666']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.existsSync(badFile), false);
  });

  it('sessions quarantine moves unreadable files that are not being written', async (t) => {
    const { h, badFile } = await seed(t);
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(badFile, old, old);
    const r = await run(['--home', h.home, 'sessions', 'quarantine']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(`Moved ${badFile}`), r.stdout);
    assert.match(r.stdout, /1 file quarantined in .*quarantine/);
    assert.equal(fs.existsSync(badFile), false);
    const list = JSON.parse((await run(['--home', h.home, 'sessions', 'list', '--json'])).stdout);
    assert.deepEqual(list.unreadable, []);
    assert.equal(list.total, 3);
    const again = await run(['--home', h.home, 'sessions', 'quarantine']);
    assert.match(again.stdout, /No unreadable session files/);
    const json = JSON.parse((await run(['--home', h.home, 'sessions', 'quarantine', '--json'])).stdout);
    assert.deepEqual(json.moved, []);
  });

  it('checkpoints list <id> (--json and human)', async (t) => {
    const { h } = await seed(t);
    const j = await run(['--home', h.home, 'checkpoints', 'list', PAUSED_ID, '--json']);
    assert.equal(j.code, 0, j.stderr);
    const json = JSON.parse(j.stdout);
    assert.equal(json.session_id, PAUSED_ID);
    assert.deepEqual(json.unreadable, []);
    assert.deepEqual(
      json.checkpoints.map((c) => [c.step_index, c.step_name, c.total_steps, c.kind]),
      [
        [1, 'shell: cargo build', 5, 'session'],
        [2, 'shell: cargo test', 5, 'session'],
      ],
    );
    const human = await run(['--home', h.home, 'checkpoints', 'list', PAUSED_ID]);
    assert.match(human.stdout, /^ID\s+KIND\s+STEP\s+NAME\s+COMMIT\s+CREATED$/m);
    assert.match(human.stdout, /session\s+after step 3\/5\s+shell: cargo test/);
    const empty = await run(['--home', h.home, 'checkpoints', 'list', FIXTURE_WORKFLOW_ID]);
    assert.match(empty.stdout, /has no checkpoints/);
  });
});

describe('migrate', () => {
  it('migrate --path DIR prints what it found and that it completed', async (t) => {
    const h = tempHome(t);
    const dir = path.join(h.root, 'my-app');
    fs.mkdirSync(path.join(dir, '.prodigy'), { recursive: true });
    fs.writeFileSync(path.join(dir, '.prodigy', 'session_state.json'), fixtureText('legacy-session_state.json'));
    const jobDir = path.join(h.home, 'state', 'my-app', 'mapreduce', 'jobs', 'mapreduce-1736938802004');
    fs.mkdirSync(jobDir, { recursive: true });
    fs.writeFileSync(path.join(jobDir, 'checkpoint-v2.json'), fixtureText('mapreduce-job.checkpoint-v2.json'));
    const r = await run(['--home', h.home, 'migrate', '--path', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Found 1 workflow session/m);
    assert.match(r.stdout, /^Found 1 MapReduce session/m);
    assert.match(r.stdout, /^Migration complete/m);
    assert.match(r.stdout, /imported session-2f0d9a7c-1b1e-4f55-a0f3-7c9d2e6b5a10 \(Workflow\)/);
    assert.ok(fs.existsSync(h.sessionFile('session-6f1c2b9e-8d4a-4c3e-9b7a-2e5f1d0c8a41')));
    assert.equal(
      fs.readFileSync(path.join(dir, '.prodigy', 'session_state.json'), 'utf8'),
      fixtureText('legacy-session_state.json'),
    );
    const again = await run(['--home', h.home, 'migrate', '--path', dir, '--json']);
    assert.equal(again.code, 0);
    const json = JSON.parse(again.stdout);
    assert.deepEqual(json.found, { workflow: 1, mapreduce: 1 });
    assert.deepEqual(json.imported, []);
    assert.equal(json.skipped.length, 2);
  });

  it('migrate with nothing to do reports zero of each', async (t) => {
    const h = tempHome(t);
    const dir = path.join(h.root, 'empty-project');
    fs.mkdirSync(dir);
    const r = await run(['--home', h.home, 'migrate', '--path', dir]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Found 0 workflow sessions/m);
    assert.match(r.stdout, /^Found 0 MapReduce sessions/m);
    assert.match(r.stdout, /^Migration complete: 0 imported/m);
  });
});

describe('errors', () => {
  it('unknown session id: one line naming it, exit 1', async (t) => {
    const h = tempHome(t);
    assertCleanError(await run(['--home', h.home, 'sessions', 'show', 'workflow-404']), /workflow-404/);
    assertCleanError(await run(['--home', h.home, 'checkpoints', 'list', 'workflow-404']), /workflow-404/);
    assertCleanError(await run(['--home', h.home, 'sessions', 'delete', 'workflow-404']), /workflow-404/);
  });

  it('invalid id ../etc: refused before touching the disk', async (t) => {
    const h = tempHome(t);
    for (const argv of [
      ['sessions', 'show', '../etc'],
      ['sessions', 'delete', '../etc'],
      ['checkpoints', 'list', '../etc'],
      ['sessions', 'show', 'a/b'],
    ]) {
      assertCleanError(await run(['--home', h.home, ...argv]), /Invalid session id/);
    }
    assert.deepEqual(fs.readdirSync(h.root), ['home']);
  });

  it('unknown command, bad flag, missing or extra argument: usage errors', async (t) => {
    const h = tempHome(t);
    assertCleanError(await run(['--home', h.home, 'frobnicate']), /unknown command "frobnicate"/);
    assertCleanError(await run(['--home', h.home, 'sessions', 'frob']), /unknown command "sessions frob"/);
    assertCleanError(await run(['--home', h.home, 'sessions', 'list', '--bogus']), /bogus/);
    assertCleanError(await run(['--home', h.home, 'sessions', 'show']), /missing <session-id>/);
    assertCleanError(await run(['--home', h.home, 'sessions', 'list', 'extra']), /unexpected argument "extra"/);
    assertCleanError(await run(['--home']), /home/);
  });

  it('an unreadable record: one line with the file and the reason', async (t) => {
    const { h, badFile } = await seed(t);
    assertCleanError(
      await run(['--home', h.home, 'sessions', 'show', 'workflow-1736937000666']),
      new RegExp(`${badFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*empty`),
    );
  });

  it('help and --version', async () => {
    const help = await run(['help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: prodigy-vscode/);
    assert.equal((await run([])).code, 0);
    const v = await run(['--version']);
    assert.equal(v.code, 0);
    assert.match(v.stdout, /^\d+\.\d+\.\d+/);
  });
});

describe('as a real process', () => {
  it('exit codes and streams of `node dist/cli.js`', async (t) => {
    const h = tempHome(t);
    h.writeSession(makeSession(FIXTURE_WORKFLOW_ID));
    const ok = spawnCli(['--home', h.home, 'sessions', 'list', '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stderr, '');
    assert.ok(ok.stdout.endsWith('}\n'), 'one trailing newline');
    assert.deepEqual(
      JSON.parse(ok.stdout).sessions.map((s) => s.id),
      [FIXTURE_WORKFLOW_ID],
    );
    const missing = spawnCli(['--home', h.home, 'sessions', 'show', 'workflow-404']);
    assert.equal(missing.code, 1);
    assertCleanError(missing, /Session not found: workflow-404/);
    const usage = spawnCli(['--home', h.home, 'nope']);
    assert.equal(usage.code, 2);
    assertCleanError(usage, /unknown command "nope"/);
    const badFlag = spawnCli(['--frob']);
    assertCleanError(badFlag, /frob/);
  });

  it('--home overrides PRODIGY_HOME, which is used without it', async (t) => {
    const envHome = tempHome(t);
    const flagHome = tempHome(t);
    envHome.writeSession(makeSession('workflow-1000000000001'));
    flagHome.writeSession(makeSession('workflow-1000000000002'));
    const viaEnv = spawnCli(['sessions', 'list', '--json'], { PRODIGY_HOME: envHome.home });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    assert.deepEqual(
      JSON.parse(viaEnv.stdout).sessions.map((s) => s.id),
      ['workflow-1000000000001'],
    );
    const viaFlag = spawnCli(['--home', flagHome.home, 'sessions', 'list', '--json'], { PRODIGY_HOME: envHome.home });
    assert.deepEqual(
      JSON.parse(viaFlag.stdout).sessions.map((s) => s.id),
      ['workflow-1000000000002'],
    );
    const flagAfter = spawnCli(['sessions', 'list', '--json', '--home', flagHome.home], { PRODIGY_HOME: envHome.home });
    assert.deepEqual(
      JSON.parse(flagAfter.stdout).sessions.map((s) => s.id),
      ['workflow-1000000000002'],
    );
  });
});
