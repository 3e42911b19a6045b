// 3. Read-modify-write throughput on ONE session from 1 and from 4 processes, and the
// check that matters more than speed: no process ever loses another's update.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { core, internals } from './lib/core.mjs';
import { runWorker, startWorker } from './lib/child.mjs';
import { heavySession, prettyJson } from './lib/sessionGen.mjs';
import { median } from './lib/stats.mjs';
import { makeTempHome, removeTempHome } from './lib/tempHome.mjs';

async function oneRun(home, run, processes, perProcess) {
  const id = `workflow-${1748779200000 + run}`;
  fs.writeFileSync(path.join(home, 'sessions', `${id}.json`), prettyJson(heavySession(id)));
  const goFile = path.join(home, `go-${run}`);
  const writers = Array.from({ length: processes }, (_, k) =>
    startWorker('rmwWriter.mjs', [home, id, k, perProcess, goFile]),
  );
  await Promise.all(writers.map((w) => w.ready));
  fs.writeFileSync(goFile, '');
  const results = await Promise.all(writers.map((w) => w.done));

  // Wall time from the first writer's start to the last one's finish, by their own clocks.
  const wallMs = Math.max(...results.map((r) => r.end)) - Math.min(...results.map((r) => r.start));
  const meta = (await new core.SessionManager({ home }).getSession(id)).metadata;
  const expected = processes * perProcess;
  const counter = meta.counter ?? 0;
  const done = results.reduce((s, r) => s + r.done, 0);
  return {
    processes,
    perProcess,
    wallMs,
    updatesPerSec: done / (wallMs / 1000),
    expected,
    counter,
    lost: expected - counter,
    // Of those: updates whose call succeeded yet left no trace (the serious kind).
    silentlyLost: done - counter,
    perProcessCounts: results.map((r) => ({ k: r.k, done: r.done, errors: r.errors, counted: meta[`p${r.k}`] ?? 0 })),
    firstErrors: results.flatMap((r) => r.firstErrors),
  };
}

/**
 * The writers above let their event loop drain before exiting. The CLI does not: it calls
 * process.exit() as soon as its command resolves. Check that such a process leaves no lock
 * behind, by timing the next writer's update of the same session.
 */
async function exitCheck(home) {
  const id = 'workflow-1748779299999';
  fs.writeFileSync(path.join(home, 'sessions', `${id}.json`), prettyJson(heavySession(id)));
  await runWorker('updateThenExit.mjs', [home, id], { needsResult: false });
  const lockLeft = fs.existsSync(new internals.HomePaths(home).sessionLock(id));
  const manager = new core.SessionManager({ home });
  const start = performance.now();
  let error = null;
  try {
    await manager.updateSession(id, { metadata: { next_writer: true } });
  } catch (err) {
    error = `${err.code ?? ''} ${err.message}`.trim();
  }
  const nextWriterMs = performance.now() - start;
  const { metadata } = await manager.getSession(id);
  manager.close();
  return {
    lockLeft,
    nextWriterMs,
    error,
    exitingUpdateOnDisk: metadata.written_by_exiting_process === true,
    pass: !lockLeft && !error,
  };
}

export async function benchThroughput({ perProcess, rounds, processCounts }, log) {
  const home = makeTempHome('throughput');
  try {
    const runs = [];
    // Alternate 1 and 4 processes so both see the same machine on average.
    for (let round = 0; round < rounds; round++) {
      for (const processes of processCounts) {
        const r = await oneRun(home, runs.length, processes, perProcess);
        runs.push(r);
        const counts = r.perProcessCounts.map((p) => `p${p.k}=${p.counted}/${perProcess}`).join(' ');
        log(
          `  ${processes} process(es): ${r.updatesPerSec.toFixed(0)} updates/s, wall ${r.wallMs.toFixed(0)} ms, ` +
            `counter ${r.counter}/${r.expected}, lost ${r.lost} (silently ${r.silentlyLost}) [${counts}]` +
            (r.firstErrors.length ? `, errors: ${r.firstErrors.join('; ')}` : ''),
        );
      }
    }
    const byProcesses = Object.fromEntries(
      processCounts.map((n) => {
        const mine = runs.filter((r) => r.processes === n);
        return [
          n,
          {
            processes: n,
            updatesPerSecMedian: median(mine.map((r) => r.updatesPerSec)),
            wallMsMedian: median(mine.map((r) => r.wallMs)),
            lost: mine.reduce((s, r) => s + r.lost, 0),
            errors: mine.reduce((s, r) => s + r.perProcessCounts.reduce((e, p) => e + p.errors, 0), 0),
          },
        ];
      }),
    );
    const lost = runs.reduce((s, r) => s + r.lost, 0);
    const perProcessMismatch = runs.some((r) => r.perProcessCounts.some((p) => p.counted !== p.done));
    const exit = await exitCheck(home);
    log(
      `  process exiting right after its update: lock left behind: ${exit.lockLeft ? 'YES' : 'no'}, ` +
        `next writer waited ${exit.nextWriterMs.toFixed(0)} ms${exit.error ? ` and failed: ${exit.error}` : ''}`,
    );
    return { perProcess, runs, byProcesses, lost, target: 0, pass: lost === 0 && !perProcessMismatch, exitCheck: exit };
  } finally {
    removeTempHome(home);
  }
}
