// 1. Listing 10,000 sessions: the core's listSessions() against reading every file.
import * as fs from 'node:fs';
import { core, internals } from './lib/core.mjs';
import { runWorker } from './lib/child.mjs';
import { fingerprint, naiveList } from './lib/naiveList.mjs';
import { generateSessions, writeSessions } from './lib/sessionGen.mjs';
import { median, summary } from './lib/stats.mjs';
import { makeTempHome, removeTempHome } from './lib/tempHome.mjs';

const TARGET_SPEEDUP = 5;

function timed(fn) {
  const start = performance.now();
  const value = fn();
  return { ms: performance.now() - start, value };
}

async function timedAsync(fn) {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

export async function benchListing({ count, freshSamples, noIndexSamples, warmRounds }, log) {
  const home = makeTempHome('listing');
  try {
    const gen = timed(() => writeSessions(home, generateSessions(count)));
    const sizes = summary(gen.value);
    log(
      `  generated ${count} session files in ${(gen.ms / 1000).toFixed(1)} s ` +
        `(bytes: median ${sizes.median}, p10 ${sizes.p10.toFixed(0)}, p90 ${sizes.p90.toFixed(0)}, max ${sizes.max})`,
    );

    const indexFile = new internals.HomePaths(home).indexFile;
    // The persisted index as a previous process leaves it (close() writes it).
    const builder = new core.SessionManager({ home });
    await builder.listSessions();
    builder.close();
    if (!fs.existsSync(indexFile)) throw new Error(`listSessions()+close() wrote no index at ${indexFile}`);
    log(`  persisted index: ${(fs.statSync(indexFile).size / 1e6).toFixed(1)} MB`);

    const prints = new Set();
    const fresh = async (mode) => {
      const r = await runWorker('listOnce.mjs', [mode, home]);
      prints.add(r.fingerprint);
      return r.ms;
    };

    // Fresh processes, index present. One of each first to warm the page cache and the
    // module cache on disk; then alternate which goes first so drift hits both alike.
    await fresh('naive');
    await fresh('ours');
    const naiveFresh = [];
    const cold = [];
    for (let i = 0; i < freshSamples; i++) {
      if (i % 2 === 0) {
        naiveFresh.push(await fresh('naive'));
        cold.push(await fresh('ours'));
      } else {
        cold.push(await fresh('ours'));
        naiveFresh.push(await fresh('naive'));
      }
    }
    log(`  fresh processes: ${freshSamples} × naive, ${freshSamples} × listSessions() cold`);

    // No index at all: the very first listing in a home. Writing the new index is not
    // timed (the manager does it later, on a timer); the child's close() does it here.
    const noIndex = [];
    for (let i = 0; i < noIndexSamples; i++) {
      fs.rmSync(indexFile, { force: true });
      noIndex.push(await fresh('ours'));
      if (!fs.existsSync(indexFile)) throw new Error('the no-index child did not rebuild the index');
    }
    log(`  fresh processes: ${noIndexSamples} × listSessions() without an index`);

    // In-process: one long-lived manager (the extension's case) against the naive read.
    const manager = new core.SessionManager({ home });
    const firstInProcess = await timedAsync(() => manager.listSessions());
    prints.add(fingerprint(firstInProcess.value.sessions.map((s) => s.id)));
    naiveList(home);
    await manager.listSessions();
    await manager.listSessions({ limit: 50 });
    const naiveWarm = [];
    const warm = [];
    const warmPage = [];
    for (let round = 0; round < warmRounds; round++) {
      const n = timed(() => naiveList(home));
      naiveWarm.push(n.ms);
      prints.add(fingerprint(n.value.map((x) => x.id)));
      for (let k = 0; k < 2; k++) {
        const all = await timedAsync(() => manager.listSessions());
        warm.push(all.ms);
        if (all.value.total !== count) throw new Error(`listSessions() returned ${all.value.total} of ${count}`);
        warmPage.push((await timedAsync(() => manager.listSessions({ limit: 50 }))).ms);
      }
    }
    manager.close();
    log(
      `  in-process: ${warmRounds} × naive, ${warm.length} × listSessions(), ${warmPage.length} × listSessions({limit: 50})`,
    );
    if (prints.size !== 1) throw new Error(`listings disagree: ${[...prints].join(' | ')}`);

    const s = {
      naiveFresh: summary(naiveFresh),
      cold: summary(cold),
      noIndex: summary(noIndex),
      firstInProcessMs: firstInProcess.ms,
      naiveWarm: summary(naiveWarm),
      warm: summary(warm),
      warmPage50: summary(warmPage),
    };
    const coldSpeedup = s.naiveFresh.median / s.cold.median;
    const warmSpeedup = s.naiveWarm.median / s.warm.median;
    return {
      count,
      fileBytes: sizes,
      indexBytes: fs.statSync(indexFile).size,
      ...s,
      ratios: {
        coldSpeedup,
        warmSpeedup,
        // Samples taken side by side, divided pairwise: less sensitive to the machine's drift.
        coldPairedMedian: median(naiveFresh.map((n, i) => n / cold[i])),
        warmPairedMedian: median(warm.map((w, i) => naiveWarm[Math.floor(i / 2)] / w)),
        noIndexSpeedup: s.naiveFresh.median / s.noIndex.median,
        warmPage50Speedup: s.naiveWarm.median / s.warmPage50.median,
      },
      target: TARGET_SPEEDUP,
      pass: { cold: coldSpeedup >= TARGET_SPEEDUP, warm: warmSpeedup >= TARGET_SPEEDUP },
    };
  } finally {
    removeTempHome(home);
  }
}
