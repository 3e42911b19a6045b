// Regression tests for issue 12's storage bugs: torn journal lines (b04, b04b), a full disk during a run
// (b18), special files in H/sessions (b13), a huge output line (b14), deeply nested captured JSON (b10),
// and NUL bytes or invalid UTF-8 in a workflow file (b20). Each one failed before its fix.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { DIST_CORE_INTERNALS, core, makeSession, tempHome } from './helpers/env.mjs';
import { engineEnv } from './helpers/engine.mjs';
import { hermeticGit } from './helpers/git.mjs';
import { runCli } from './helpers/cli.mjs';

const require = createRequire(import.meta.url);
// The CommonJS module object, whose functions the core bundle looks up at call time: replacing one
// here is seen by the core, so a test can make the system cut writes short or fail them.
const fs = require('node:fs');

hermeticGit({ before, after });

/** A shell step that appends its name to `log` (each run of a step leaves one word). */
function mark(log, name, gate) {
  const test = gate ? `test -f '${gate}' && ` : '';
  return `  - shell: "${test}echo ${name} >> '${log}'"\n`;
}

function stepsRun(log) {
  return fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
}

function journalFile(h, id) {
  return path.join(h.home, 'state', id, 'snapshots', 'journal.jsonl');
}

/** Every line of the journal, each checked to be one whole JSON object ending in a newline. */
function journalLines(h, id) {
  const text = fs.readFileSync(journalFile(h, id), 'utf8');
  assert.ok(text === '' || text.endsWith('\n'), 'the journal ends with a complete line');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l, i) => {
      try {
        return JSON.parse(l);
      } catch {
        assert.fail(`journal line ${i + 1} is not whole JSON: ${l.slice(0, 80)}…`);
      }
    });
}

const SYSTEM_MESSAGES = { ENOSPC: 'no space left on device', EIO: 'i/o error' };

/**
 * Routes the core's writes through `decide(file, bytes, data)`: it returns how many bytes the write may
 * take (fewer is a short write, as write(2) may do), or an errno code to fail it with. Files are
 * known by the fds `openSync` handed out. Undone after the test (or by calling the result).
 */
function interceptWrites(t, decide) {
  const real = { openSync: fs.openSync, closeSync: fs.closeSync, writeSync: fs.writeSync };
  const files = new Map();
  fs.openSync = function (file, ...rest) {
    const fd = real.openSync.call(this, file, ...rest);
    files.set(fd, String(file));
    return fd;
  };
  fs.closeSync = function (fd) {
    files.delete(fd);
    return real.closeSync.call(this, fd);
  };
  fs.writeSync = function (fd, data, ...rest) {
    const file = files.get(fd);
    if (file === undefined) return real.writeSync.call(this, fd, data, ...rest);
    let buf, offset, length, position;
    if (typeof data === 'string') {
      buf = Buffer.from(data, typeof rest[1] === 'string' ? rest[1] : 'utf8');
      [offset, length, position] = [0, buf.length, rest[0]];
    } else if (rest[0] !== null && typeof rest[0] === 'object') {
      buf = data;
      ({ offset = 0, length = buf.byteLength - offset, position } = rest[0]);
    } else {
      buf = data;
      [offset = 0, length = buf.byteLength - offset, position] = rest;
    }
    const verdict = decide(file, length, buf.subarray(offset, offset + length));
    if (typeof verdict === 'string') {
      // As Node reports a failed write(2).
      const err = new Error(`${verdict}: ${SYSTEM_MESSAGES[verdict] ?? 'injected failure'}, write`);
      err.code = verdict;
      err.syscall = 'write';
      throw err;
    }
    return real.writeSync.call(this, fd, buf, offset, Math.min(length, verdict), position);
  };
  const undo = () => Object.assign(fs, real);
  t.after(undo);
  return undo;
}

describe('b04: a torn journal line never swallows the next checkpoint', () => {
  it('a torn last line (a crash mid-append) is cut off before the resumed run appends', async (t) => {
    const e = engineEnv(t);
    const log = path.join(e.root, 'steps.log');
    const gate = path.join(e.root, 'gate');
    const wf = e.writeWorkflow(
      `name: journal\ncommands:\n${mark(log, 's1')}${mark(log, 's2')}${mark(log, 's3', gate)}${mark(log, 's4')}`,
    );
    const first = await e.run(wf, { worktree: false });
    assert.equal(first.status, 'Failed');
    const file = journalFile(e, first.sessionId);
    const whole = fs.readFileSync(file);
    fs.writeFileSync(file, whole.subarray(0, whole.length - 40)); // the line of step 2, torn
    fs.writeFileSync(gate, '');
    const resumed = await core.resumeWorkflow({ manager: e.manager, sessionId: first.sessionId, merge: 'never' });
    assert.equal(resumed.status, 'Completed');
    const lines = journalLines(e, first.sessionId);
    assert.deepEqual(
      lines.map((l) => l.step.step_index),
      [0, 2, 3],
      'the torn line is gone; the resumed run checkpointed steps 3 and 4 on lines of their own',
    );
    assert.deepEqual(stepsRun(log), ['s1', 's2', 's3', 's4'], 'no finished step ran again');
  });

  it('a last line that lost only its newline (a power cut) is kept, and ended before the next append', async (t) => {
    const e = engineEnv(t);
    const log = path.join(e.root, 'steps.log');
    const gate = path.join(e.root, 'gate');
    const wf = e.writeWorkflow(
      `name: journal\ncommands:\n${mark(log, 's1')}${mark(log, 's2')}${mark(log, 's3', gate)}`,
    );
    const first = await e.run(wf, { worktree: false });
    const file = journalFile(e, first.sessionId);
    const whole = fs.readFileSync(file);
    fs.writeFileSync(file, whole.subarray(0, whole.length - 1));
    fs.writeFileSync(gate, '');
    const resumed = await core.resumeWorkflow({ manager: e.manager, sessionId: first.sessionId, merge: 'never' });
    assert.equal(resumed.status, 'Completed');
    assert.deepEqual(
      journalLines(e, first.sessionId).map((l) => l.step.step_index),
      [0, 1, 2],
    );
    assert.deepEqual(stepsRun(log), ['s1', 's2', 's3']);
  });

  it('writes the system cuts short (at most 700 bytes per call) still leave whole files', async (t) => {
    const e = engineEnv(t);
    const log = path.join(e.root, 'steps.log');
    const wf = e.writeWorkflow(`name: short\ncommands:\n${mark(log, 's1')}${mark(log, 's2')}${mark(log, 's3')}`);
    let shortWrites = 0;
    interceptWrites(t, (_file, bytes) => {
      if (bytes > 700) shortWrites++;
      return 700;
    });
    const outcome = await e.run(wf, { worktree: false });
    assert.ok(shortWrites > 0, 'some writes were cut short');
    assert.equal(outcome.status, 'Completed', outcome.error ?? '');
    const record = e.record(outcome.sessionId);
    assert.equal(record.status, 'Completed');
    assert.deepEqual(record.workflow_data.completed_steps, [0, 1, 2]);
    assert.deepEqual(
      journalLines(e, outcome.sessionId).map((l) => l.step.step_index),
      [0, 1, 2],
    );
    assert.equal(e.checkpointFile(outcome.sessionId).completed_steps.length, 3);
    assert.match(e.log(outcome), /Session \S+ completed\n$/);
  });
});

describe('b04b: a write failing mid-line (full disk) leaves no torn journal line', () => {
  it('the run ends Failed naming the file; the journal keeps whole lines; a resume runs no finished step again', async (t) => {
    const e = engineEnv(t);
    const log = path.join(e.root, 'steps.log');
    const wf = e.writeWorkflow(
      `name: full\ncommands:\n${mark(log, 's1')}${mark(log, 's2')}${mark(log, 's3')}${mark(log, 's4')}`,
    );
    let journalWrites = 0;
    let full = false;
    const undo = interceptWrites(t, (file, bytes) => {
      if (!file.endsWith('journal.jsonl')) return bytes;
      // The second line: half of it fits, then the disk is full.
      if (++journalWrites === 2) {
        full = true;
        return Math.floor(bytes / 2);
      }
      return full ? 'ENOSPC' : bytes;
    });
    const outcome = await e.run(wf, { worktree: false });
    undo();
    assert.equal(outcome.status, 'Failed');
    assert.match(outcome.error, /no space left on device writing \S*journal\.jsonl/);
    assert.equal(e.record(outcome.sessionId).status, 'Failed');
    assert.match(e.record(outcome.sessionId).error, /no space left on device writing \S*journal\.jsonl/);
    assert.deepEqual(
      journalLines(e, outcome.sessionId).map((l) => l.step.step_index),
      [0],
      'the half-written line was taken back',
    );
    assert.deepEqual(stepsRun(log), ['s1', 's2']);

    const resumed = await core.resumeWorkflow({ manager: e.manager, sessionId: outcome.sessionId, merge: 'never' });
    assert.equal(resumed.status, 'Completed', resumed.error ?? '');
    assert.deepEqual(stepsRun(log), ['s1', 's2', 's3', 's4'], 'step 2 finished before the disk filled: not run again');
    journalLines(e, outcome.sessionId);
  });
});

describe('b18: a full disk ends the run with the file and the reason, never stuck Running', () => {
  it('the log warns when it stops; the checkpoint that cannot be written fails the run, recorded in the session', async (t) => {
    const e = engineEnv(t);
    const wf = e.writeWorkflow('name: full\ncommands:\n  - shell: "seq 1 2000"\n  - shell: "echo two"\n');
    let logBytes = 0;
    // The log fills the disk; then no journal line fits. The record still does (its file exists).
    interceptWrites(t, (file, bytes) => {
      if (file.endsWith('.log')) return (logBytes += bytes) > 4000 ? 'ENOSPC' : bytes;
      return file.endsWith('journal.jsonl') ? 'ENOSPC' : bytes;
    });
    const outcome = await e.run(wf, { worktree: false });
    assert.equal(outcome.status, 'Failed');
    assert.match(outcome.error, /^no space left on device writing \S+journal\.jsonl$/);
    const record = e.record(outcome.sessionId);
    assert.equal(record.status, 'Failed');
    assert.equal(record.error, outcome.error);
    const warnings = outcome.events.filter((ev) => ev.type === 'message' && ev.level === 'warning');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0].text, /^The session log stops here: no space left on device writing \S+\.log$/);
  });

  it('a session log that cannot even be opened is a warning; the run goes on', async (t) => {
    const e = engineEnv(t);
    fs.mkdirSync(path.join(e.home, 'vscode'), { recursive: true });
    fs.writeFileSync(path.join(e.home, 'vscode', 'logs'), ''); // a file where the folder of logs goes
    const outcome = await e.run(e.writeWorkflow('name: nolog\ncommands:\n  - shell: "echo one"\n'), {
      worktree: false,
    });
    assert.equal(outcome.status, 'Completed', outcome.error ?? '');
    const warnings = outcome.events.filter((ev) => ev.type === 'message' && ev.level === 'warning');
    assert.deepEqual(
      warnings.map((w) => w.text),
      [`The session log cannot be written: file already exists writing ${outcome.logFile}`],
    );
  });

  it("a step's own write (output_file) that fails fails that step, naming the file", async (t) => {
    const e = engineEnv(t);
    const out = path.join(e.root, 'out.txt');
    const wf = e.writeWorkflow(`name: out\ncommands:\n  - shell: "echo hello"\n    output_file: '${out}'\n`);
    interceptWrites(t, (file, bytes) => (file === out ? 'ENOSPC' : bytes));
    const outcome = await e.run(wf, { worktree: false });
    assert.equal(outcome.status, 'Failed');
    assert.equal(outcome.error, `Step 'shell: echo hello': output_file: no space left on device writing ${out}`);
  });

  it('when even the record cannot be written, the error says so, and a resume works once there is space', async (t) => {
    const e = engineEnv(t);
    const log = path.join(e.root, 'steps.log');
    const wf = e.writeWorkflow(
      `name: full\ncommands:\n  - shell: "echo fill-the-disk; echo s1 >> '${log}'"\n${mark(log, 's2')}`,
    );
    let full = false;
    const undo = interceptWrites(t, (file, bytes, data) => {
      if (!file.startsWith(e.home)) return bytes;
      if (data.includes('fill-the-disk')) full = true;
      return full ? 'ENOSPC' : bytes;
    });
    await assert.rejects(e.run(wf, { worktree: false }), (err) => {
      assert.match(
        err.message,
        /^no space left on device writing \S+journal\.jsonl\. The session could not be marked Failed either \(no space left on device writing \S+\), so it still reads Running: once that is fixed, resume it with: prodigy-vscode resume \S+$/,
      );
      return true;
    });
    const id = fs
      .readdirSync(e.sessionsDir)
      .find((n) => n.endsWith('.json'))
      .slice(0, -'.json'.length);
    assert.equal(e.record(id).status, 'Running');
    undo();
    const resumed = await core.resumeWorkflow({ manager: e.manager, sessionId: id, merge: 'never' });
    assert.equal(resumed.status, 'Completed', resumed.error ?? '');
    assert.deepEqual(stepsRun(log).slice(-2), ['s1', 's2']);
  });
});

/**
 * Lists `home` and reads `ids` in a child process (a FIFO could block a read for good, /dev/zero could
 * eat all memory): its memory is capped and it is killed after `guardMs`, a hang guard, not a time limit.
 */
function listInChild(home, ids, guardMs = 60_000) {
  const script = `
    const core = require(${JSON.stringify(DIST_CORE_INTERNALS)});
    (async () => {
      const m = new core.SessionManager({ home: ${JSON.stringify(home)} });
      const listing = await m.listSessions();
      const out = { ids: listing.sessions.map((s) => s.id), unreadable: {}, get: {} };
      for (const u of listing.unreadable) out.unreadable[u.name] = u.reason;
      for (const id of ${JSON.stringify(ids)}) {
        try { await m.getSession(id); out.get[id] = 'read'; } catch (err) { out.get[id] = err.message; }
      }
      m.close();
      console.log(JSON.stringify(out));
    })();`;
  const res = spawnSync('bash', ['-c', 'ulimit -v 4000000; exec "$0" -e "$1"', process.execPath, script], {
    encoding: 'utf8',
    timeout: guardMs,
    killSignal: 'SIGKILL',
  });
  assert.equal(res.signal, null, `the listing ended by itself (killed by ${res.signal}: it hung)`);
  assert.equal(res.status, 0, `the listing exited normally: ${res.stderr.slice(-400)}`);
  return JSON.parse(res.stdout);
}

/**
 * A Prodigy home on a tmpfs of `size` (root only: null otherwise), unmounted after the test. Registered
 * before engineEnv's clean-up, which would otherwise try to delete the mount point.
 */
function tmpfsHome(t, size) {
  if (process.getuid?.() !== 0) return null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prodigy-tmpfs-'));
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]).status !== 0) {
    fs.rmdirSync(dir);
    return null;
  }
  t.after(() => {
    spawnSync('umount', ['-l', dir]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

describe('b04b, b18 on a real full disk (a 1 MiB tmpfs; needs root)', () => {
  it('the run ends Failed with the reason, the journal stays whole, and a resume runs no finished step again', async (t) => {
    const home = tmpfsHome(t, '1m');
    if (!home) return t.skip('needs root to mount a tmpfs');
    const e = engineEnv(t);
    const manager = new core.SessionManager({ home });
    const log = path.join(e.root, 'steps.log');
    const filler = path.join(home, 'filler');
    const wf = e.writeWorkflow(
      `name: full\ncommands:\n${mark(log, 's1')}` +
        `  - shell: "dd if=/dev/zero of='${filler}' bs=4096 2>/dev/null; echo s2 >> '${log}'"\n${mark(log, 's3')}`,
    );
    try {
      const outcome = await e.run(wf, { worktree: false, manager });
      assert.equal(outcome.status, 'Failed');
      assert.match(outcome.error, new RegExp(`^no space left on device writing ${home}/\\S+$`));
      const id = outcome.sessionId;
      const record = JSON.parse(fs.readFileSync(path.join(home, 'sessions', `${id}.json`), 'utf8'));
      assert.equal(record.status, 'Failed');
      assert.equal(record.error, outcome.error);
      // Step 3 may have started before the failed write (of the record, in the background) was known.
      assert.deepEqual(stepsRun(log).slice(0, 2), ['s1', 's2']);

      fs.truncateSync(filler, 0); // space again
      const resumed = await core.resumeWorkflow({ manager, sessionId: id, merge: 'never' });
      assert.equal(resumed.status, 'Completed', resumed.error ?? '');
      assert.deepEqual(stepsRun(log), ['s1', 's2', 's3'], 'each step ran once');
      assert.deepEqual(
        journalLines({ home }, id).map((l) => l.step.step_index),
        [0, 1, 2],
      );
    } finally {
      manager.close();
    }
  });
});

describe('b13: special files in H/sessions are listed as unreadable, never read', () => {
  it('a FIFO, a symlink to /dev/zero and a huge file named *.json: listed with a reason, the rest listed', (t) => {
    const h = tempHome(t);
    h.writeSession(makeSession('workflow-ok'));
    spawnSync('mkfifo', [h.sessionFile('workflow-fifo')]);
    assert.ok(fs.statSync(h.sessionFile('workflow-fifo')).isFIFO());
    fs.symlinkSync('/dev/zero', h.sessionFile('workflow-zero'));
    fs.writeFileSync(h.sessionFile('workflow-huge'), '');
    fs.truncateSync(h.sessionFile('workflow-huge'), 200 * 1024 * 1024); // sparse: takes no room
    const ids = ['workflow-fifo', 'workflow-zero', 'workflow-huge'];
    const out = listInChild(h.home, ids);
    assert.deepEqual(out.ids, ['workflow-ok']);
    assert.deepEqual(out.unreadable, {
      'workflow-fifo.json': 'is a FIFO (named pipe), not a regular file',
      'workflow-zero.json': 'is a character device, not a regular file',
      'workflow-huge.json': 'is 200 MiB, more than the 64 MiB a session file may be',
    });
    for (const id of ids) assert.equal(out.get[id], `${h.sessionFile(id)}: ${out.unreadable[`${id}.json`]}`);
  });
});

/**
 * Counts the characters string searches look at (split, indexOf, lastIndexOf, includes, search, match,
 * replace) on strings longer than 1,000 characters: the work of finding line breaks, counted instead of timed.
 */
function countStringScans(t) {
  const names = ['split', 'indexOf', 'lastIndexOf', 'includes', 'search', 'match', 'replace', 'replaceAll'];
  const real = Object.fromEntries(names.map((n) => [n, String.prototype[n]]));
  const counter = { chars: 0 };
  for (const n of names) {
    String.prototype[n] = function (...args) {
      if (this.length > 1000) {
        const from = n === 'indexOf' || n === 'includes' ? Math.max(0, Number(args[1]) || 0) : 0;
        counter.chars += this.length - Math.min(from, this.length);
      }
      return real[n].apply(this, args);
    };
  }
  counter.stop = () => Object.assign(String.prototype, real);
  t.after(counter.stop);
  return counter;
}

describe('b14: output without newlines is split in linear time, and a line is bounded', () => {
  it('an 8 MiB line arriving in chunks is scanned once, and handed on cut to 1 MiB', async (t) => {
    const size = 8 * 1024 * 1024;
    const lines = [];
    const counter = countStringScans(t);
    const res = await core.runProcess(
      process.execPath,
      ['-e', `process.stdout.write('a'.repeat(${size})); process.stdout.write('\\nend\\n')`],
      { cwd: process.cwd(), env: process.env, onLine: (stream, line) => lines.push({ stream, line }) },
    );
    counter.stop();
    assert.equal(res.code, 0);
    assert.equal(res.stdout.length, size + 5, 'the output is kept whole (up to its own limit)');
    // Re-splitting the growing line on every 64 KiB chunk looked at ~540 M characters; once is 8 M.
    assert.ok(counter.chars <= 3 * size, `looked at ${counter.chars} characters for ${size} of output`);
    assert.equal(lines.length, 2);
    assert.equal(lines[1].line, 'end');
    const cut = lines[0].line;
    assert.equal(cut.length, 1024 * 1024 + ` … [${size - 1024 * 1024} more characters]`.length);
    assert.ok(cut.endsWith(` … [${size - 1024 * 1024} more characters]`), cut.slice(-60));
  });
});

describe('b10: untrusted output is bounded and fails the step, never the run', () => {
  /** A step printing `depth` nested JSON arrays, captured as JSON. */
  function deepStep(e, depth, extra = '') {
    const file = path.join(e.root, `deep-${depth}.json`);
    fs.writeFileSync(file, `${'['.repeat(depth)}${']'.repeat(depth)}\n`);
    return `  - shell: "cat '${file}'"\n    capture: result\n    capture_format: json\n${extra}`;
  }

  it('3,000 levels of captured JSON fail the step with the reason; the session ends Failed, and so does a resume', async (t) => {
    const e = engineEnv(t);
    const wf = e.writeWorkflow(`name: deep\ncommands:\n${deepStep(e, 3000)}  - shell: "echo next"\n`);
    const outcome = await e.run(wf, { worktree: false });
    assert.equal(outcome.status, 'Failed');
    assert.match(outcome.error, /output is JSON nested more than 128 levels deep \(capture_format: json\)/);
    assert.equal(e.record(outcome.sessionId).status, 'Failed');
    assert.equal(e.record(outcome.sessionId).error, outcome.error);
    const resumed = await core.resumeWorkflow({ manager: e.manager, sessionId: outcome.sessionId, merge: 'never' });
    assert.equal(resumed.status, 'Failed');
    assert.equal(resumed.error, outcome.error);
  });

  it("the step's on_failure applies; 128 levels are still captured", async (t) => {
    const e = engineEnv(t);
    const log = path.join(e.root, 'steps.log');
    const handler = `    on_failure:\n      shell: "echo handled >> '${log}'"\n      max_attempts: 1\n      fail_workflow: false\n`;
    const wf = e.writeWorkflow(
      `name: deep\ncommands:\n${deepStep(e, 5000, handler)}${mark(log, 'next')}${deepStep(e, 128)}`,
    );
    const outcome = await e.run(wf, { worktree: false });
    assert.equal(outcome.status, 'Completed', outcome.error ?? '');
    assert.deepEqual(stepsRun(log), ['handled', 'next']);
    const steps = e.checkpointFile(outcome.sessionId).completed_steps;
    assert.deepEqual(
      steps.map((c) => c.success),
      [false, true, true],
      'the deep capture failed its step; the one of 128 levels did not',
    );
  });

  it('a captured value that reads deeper JSON out of a string is not resolved: the step fails naming it, nothing overflows', async (t) => {
    const e = engineEnv(t);
    const log = path.join(e.root, 'steps.log');
    const file = path.join(e.root, 'deep.json');
    fs.writeFileSync(file, `${'['.repeat(3000)}${']'.repeat(3000)}\n`);
    const wf = e.writeWorkflow(
      `name: deep\ncommands:\n  - shell: "cat '${file}'"\n    capture: text\n  - shell: "echo '\${text[0]}' | head -c 20 >> '${log}'; echo >> '${log}'"\n`,
    );
    const outcome = await e.run(wf, { worktree: false });
    // An unresolved placeholder fails its step by name (issue 15) rather than reaching the shell.
    assert.equal(outcome.status, 'Failed');
    assert.match(outcome.error, /\$\{text\[0\]\} is not set/);
    assert.deepEqual(stepsRun(log), []);
  });

  it('a capture of more output than is kept fails the step instead of capturing a cut value', async (t) => {
    const e = engineEnv(t);
    const wf = e.writeWorkflow(
      'name: big\ncommands:\n  - shell: "head -c 17000000 /dev/zero | tr \'\\\\0\' a"\n    capture: big\n',
    );
    const outcome = await e.run(wf, { worktree: false });
    assert.equal(outcome.status, 'Failed');
    assert.match(outcome.error, /output is longer than the 16 MiB a capture can hold/);
  });
});

describe('b20: a workflow file with a NUL byte or invalid UTF-8 is refused where it is wrong, by validate and run alike', () => {
  function workflowBytes(t, bytes, name = 'wf.yml') {
    const h = tempHome(t);
    const file = path.join(h.root, name);
    fs.writeFileSync(file, bytes);
    return { h, file };
  }
  const NUL = Buffer.from('name: nul\ncommands:\n  - shell: "echo a\0b"\n', 'latin1');
  const BAD = Buffer.concat([
    Buffer.from('name: bytes\ncommands:\n  - shell: "printf é', 'utf8'),
    Buffer.from([0xff]),
    Buffer.from(' > out.bin"\n'),
  ]);

  it('a NUL byte: file:line:col, from the loader, validate and run', async (t) => {
    const { h, file } = workflowBytes(t, NUL);
    const expected = `${file}:3:19: contains a NUL byte, which no command or value can hold`;
    assert.throws(
      () => core.loadWorkflowFile(file),
      (err) => err instanceof core.WorkflowLoadError && err.message === expected,
    );
    const validate = await runCli(['validate', file]);
    assert.equal(validate.code, 1);
    assert.equal(validate.stderr, `✗ ${expected}`);
    const run = await runCli(['run', file, '--no-worktree', '--home', h.home, '--path', h.root]);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, `prodigy-vscode: ${expected}`);
    assert.ok(!fs.existsSync(h.sessionsDir), 'nothing ran');
    // The editor hands the loader text, not bytes: the same error.
    assert.throws(() => core.loadWorkflowText(NUL.toString('latin1'), file), { message: expected });
  });

  it('a NUL written as an escape (YAML "\\0", JSON "\\u0000"): file:line:col at the escape', async (t) => {
    for (const [name, text, at] of [
      ['wf.yml', 'name: nul\ncommands:\n  - shell: "echo a\\0b"\n', '3:19'],
      ['wf.json', '{"name": "nul",\n "commands": [{"shell": "echo a\\u0000b"}]}\n', '2:32'],
    ]) {
      const { h, file } = workflowBytes(t, text, name);
      const expected = `${file}:${at}: a NUL character (\\0) cannot be part of a command or value`;
      assert.throws(() => core.loadWorkflowFile(file), { message: expected });
      const validate = await runCli(['validate', file]);
      assert.equal(validate.code, 1);
      assert.equal(validate.stderr, `✗ ${expected}`);
      const run = await runCli(['run', file, '--no-worktree', '--home', h.home, '--path', h.root]);
      assert.equal(run.code, 1);
      assert.equal(run.stderr, `prodigy-vscode: ${expected}`);
    }
  });

  it('invalid UTF-8: file:line:col at the byte, never read as U+FFFD', async (t) => {
    const { h, file } = workflowBytes(t, BAD);
    const expected = `${file}:3:21: is not valid UTF-8 (byte 0xff); save the file as UTF-8`;
    assert.throws(
      () => core.loadWorkflowFile(file),
      (err) => err instanceof core.WorkflowLoadError && err.message === expected,
    );
    const validate = await runCli(['validate', file]);
    assert.equal(validate.code, 1);
    assert.equal(validate.stderr, `✗ ${expected}`);
    const run = await runCli(['run', file, '--no-worktree', '--home', h.home, '--path', h.root]);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, `prodigy-vscode: ${expected}`);
    assert.ok(!fs.existsSync(path.join(h.root, 'out.bin')), 'nothing ran');
  });
});
