// The CLI's output is never cut off: megabytes of `sessions list` arrive whole through a real pipe to a
// slow reader, byte for byte what a file gets (the process used to exit before a pipe had taken more than
// 64 KB). A reader that goes away early (`| head -1`: EPIPE) is no error: no stack trace, and a run goes on.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { DIST_CLI, tempHome } from './helpers/env.mjs';
import { generateSessions, writeSessions } from '../../bench/lib/sessionGen.mjs';

/** Enough sessions for several megabytes of JSON (about 680 bytes each). */
const SESSIONS = 5000;
const LIMIT = 120_000;

/** The CLI with its stdout going to `stdout` ('pipe' or a file descriptor); stderr collected. */
function start(args, stdout) {
  const child = spawn(process.execPath, [DIST_CLI, ...args], {
    stdio: ['ignore', stdout, 'pipe'],
    env: { ...process.env, PRODIGY_HOME: '', PRODIGY_DEBUG: '' },
  });
  child.errText = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (child.errText += d));
  child.exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return child;
}

/** Bytes written to a file by `args`. */
async function toFile(args, file) {
  const fd = fs.openSync(file, 'w');
  try {
    const child = start(args, fd);
    const { code } = await child.exited;
    assert.equal(code, 0, child.errText);
  } finally {
    fs.closeSync(fd);
  }
  return fs.readFileSync(file);
}

/**
 * Bytes read through a pipe by a slow reader: nothing for 300 ms (the CLI has long finished writing),
 * then one chunk at a time with a pause after each.
 */
async function throughSlowPipe(args) {
  const child = start(args, 'pipe');
  const chunks = [];
  child.stdout.pause();
  await new Promise((r) => setTimeout(r, 300));
  child.stdout.on('data', (chunk) => {
    chunks.push(chunk);
    child.stdout.pause();
    setTimeout(() => child.stdout.resume(), 2);
  });
  child.stdout.resume();
  const { code } = await child.exited;
  assert.equal(code, 0, child.errText);
  assert.equal(child.errText, '');
  return Buffer.concat(chunks);
}

function noStack(text) {
  for (const l of text.split('\n')) assert.doesNotMatch(l, /^\s+at |Unhandled|EPIPE/, `no stack trace: ${text}`);
}

describe('output through a pipe', () => {
  it(
    `sessions list of ${SESSIONS} sessions: a slow pipe gets every byte a file gets`,
    { timeout: LIMIT },
    async (t) => {
      const h = tempHome(t);
      writeSessions(h.home, generateSessions(SESSIONS));
      for (const extra of [['--json'], []]) {
        const args = ['--home', h.home, 'sessions', 'list', ...extra];
        const file = await toFile(args, path.join(h.root, 'out.txt'));
        assert.ok(file.length > (extra.length ? 3_000_000 : 500_000), `${file.length} bytes written to the file`);
        const piped = await throughSlowPipe(args);
        assert.equal(piped.length, file.length, `bytes through the pipe (${extra.join(' ') || 'table'})`);
        assert.ok(piped.equals(file), 'the same bytes');
        if (extra.length) assert.equal(JSON.parse(piped.toString('utf8')).sessions.length, SESSIONS);
      }
    },
  );
});

describe('a reader that goes away (EPIPE)', () => {
  it('sessions list --json | head -1: exit 0, nothing on stderr', { timeout: LIMIT }, async (t) => {
    const h = tempHome(t);
    writeSessions(h.home, generateSessions(2000));
    const child = start(['--home', h.home, 'sessions', 'list', '--json'], 'pipe');
    // Like head -1: one chunk, then the read end closes while the CLI still has megabytes to write.
    await new Promise((resolve) => child.stdout.once('data', resolve));
    child.stdout.destroy();
    const { code } = await child.exited;
    noStack(child.errText);
    assert.equal(child.errText, '');
    assert.equal(code, 0);
  });

  it('run … | head -1: the run goes on to the end, quietly', { timeout: LIMIT }, async (t) => {
    const h = tempHome(t);
    const dir = path.join(h.root, 'project');
    fs.mkdirSync(dir);
    const wf = path.join(h.root, 'loud.yml');
    fs.writeFileSync(
      wf,
      ['- shell: "seq 1 20000"', '- shell: "sleep 0.3; echo second"', '- shell: "seq 1 20000"', ''].join('\n'),
    );
    const child = start(['--home', h.home, 'run', wf, '-p', dir, '--no-worktree'], 'pipe');
    let first = '';
    await new Promise((resolve) =>
      child.stdout.on('data', function firstLine(d) {
        first += d;
        if (!first.includes('\n')) return;
        child.stdout.off('data', firstLine);
        resolve();
      }),
    );
    child.stdout.destroy();
    const { code } = await child.exited;
    noStack(child.errText);
    assert.equal(code, 0, child.errText);
    const id = /^Session: (\S+)$/m.exec(first)[1];
    assert.equal(h.readSessionJson(id).status, 'Completed', 'the run was not cut short');
  });
});
