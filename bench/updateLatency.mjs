// 2. One update's latency against the floor: the crash-safe write of the same bytes
// (temp file in the same folder, write, fsync, close, rename) that any correct
// implementation has to pay. Everything above it is lock, validation and bookkeeping.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { core } from './lib/core.mjs';
import { runWorker } from './lib/child.mjs';
import { heavySession, prettyJson } from './lib/sessionGen.mjs';
import { median, summary } from './lib/stats.mjs';
import { makeTempHome, removeTempHome } from './lib/tempHome.mjs';

const TARGET_RATIO = 1.5;
const SESSION_ID = 'workflow-1748779200000';

// A turn of the event loop between samples, as between two real updates; the core
// releases its lock on the next turn, so this also keeps that release out of the floor.
const yieldTurn = () => new Promise((resolve) => setImmediate(resolve));

function floorWriter(dir, bytes) {
  const target = path.join(dir, 'floor-target.bin');
  const tmp = path.join(dir, `.floor-target.bin.${process.pid}.tmp`);
  return () => {
    const fd = fs.openSync(tmp, 'wx', 0o644);
    fs.writeSync(fd, bytes);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, target);
  };
}

/**
 * Info only (the target stays against the floor above): the same write plus the file-system work a
 * correct cross-process read-modify-write cannot skip: the lock directory (mkdir + stat, removed on
 * the next turn, as proper-lockfile does), and a stat + read of the record to see other writers.
 */
function lockedFloorWriter(dir, bytes, locksDir) {
  const write = floorWriter(dir, bytes);
  const target = path.join(dir, 'floor-target.bin');
  const lock = path.join(locksDir, 'floor-target.lock');
  fs.mkdirSync(locksDir, { recursive: true });
  return () => {
    fs.mkdirSync(lock);
    fs.statSync(lock);
    if (fs.statSync(target, { throwIfNoEntry: false })) fs.readFileSync(target);
    write();
    return () => fs.rmdirSync(lock);
  };
}

/**
 * Info: the parts of a locked read-modify-write beyond the floor, each timed on its own (differences of medians
 * are too noisy at this scale): taking and dropping a lock directory (mkdir + rmdir, as proper-lockfile does),
 * and the CPU work of reading the record, parsing it and writing its new text (no disk write).
 */
function partTimers(dir, locksDir, recordFile) {
  const lock = path.join(locksDir, 'part-timer.lock');
  fs.mkdirSync(locksDir, { recursive: true });
  return {
    lock: () => {
      fs.mkdirSync(lock);
      fs.rmdirSync(lock);
    },
    readModify: () => {
      const record = JSON.parse(fs.readFileSync(recordFile, 'utf8'));
      record.metadata.n = (record.metadata.n ?? 0) + 1;
      return JSON.stringify(record, null, 2);
    },
  };
}

/** Runs in a fresh process, so the heap and JIT state other sections leave cannot interfere. */
export const benchUpdateLatency = (config) => runWorker('updateLatency.mjs', [JSON.stringify(config)]);

export async function measureUpdateLatency({ iterations, warmup }, log) {
  const home = makeTempHome('update');
  try {
    const sessionFile = path.join(home, 'sessions', `${SESSION_ID}.json`);
    fs.writeFileSync(sessionFile, prettyJson(heavySession(SESSION_ID)));
    const manager = new core.SessionManager({ home });
    const update = (i) => manager.updateSession(SESSION_ID, { metadata: { n: i % 10 } });

    // Warm-up writes the record the way the core does, so the floor copies its exact bytes.
    await update(0);
    const bytes = fs.readFileSync(sessionFile);
    const floor = floorWriter(path.dirname(sessionFile), bytes);
    const lockedFloor = lockedFloorWriter(path.dirname(sessionFile), bytes, path.join(home, 'floor-locks'));
    const parts = partTimers(path.dirname(sessionFile), path.join(home, 'part-locks'), sessionFile);
    const lockTimes = [];
    const readModifyTimes = [];
    for (let i = 0; i < warmup; i++) {
      await update(i);
      await yieldTurn();
      floor();
      await yieldTurn();
      lockedFloor()();
      await yieldTurn();
    }

    const ours = [];
    const base = [];
    const locked = [];
    for (let i = 1; i <= iterations; i++) {
      let start = performance.now();
      await update(i);
      ours.push(performance.now() - start);
      await yieldTurn();
      start = performance.now();
      floor();
      base.push(performance.now() - start);
      await yieldTurn();
      start = performance.now();
      const release = lockedFloor();
      locked.push(performance.now() - start);
      await yieldTurn();
      release();
      await yieldTurn();
      start = performance.now();
      parts.lock();
      lockTimes.push(performance.now() - start);
      start = performance.now();
      parts.readModify();
      readModifyTimes.push(performance.now() - start);
    }
    manager.close();

    const finalBytes = fs.statSync(sessionFile).size;
    if (finalBytes !== bytes.length) log(`  note: record size drifted ${bytes.length} → ${finalBytes} bytes`);
    const last = JSON.parse(fs.readFileSync(sessionFile, 'utf8'));
    if (last.metadata.n !== iterations % 10) throw new Error(`last update not on disk (n = ${last.metadata.n})`);
    log(`  ${iterations} interleaved pairs after ${warmup} warm-up pairs; record ${bytes.length} bytes`);

    const update_ = summary(ours);
    const floor_ = summary(base);
    const lockedFloor_ = summary(locked);
    const ratio = update_.median / floor_.median;
    return {
      iterations,
      recordBytes: bytes.length,
      update: update_,
      floor: floor_,
      ratio,
      p90Ratio: update_.p90 / floor_.p90,
      // Each pair ran back to back, so its ratio cancels slow drifts of the disk.
      pairedRatioMedian: median(ours.map((u, i) => u / base[i])),
      extraMs: update_.median - floor_.median,
      lockedFloor: lockedFloor_,
      lockedFloorRatio: update_.median / lockedFloor_.median,
      lockMs: median(lockTimes),
      readModifyMs: median(readModifyTimes),
      target: TARGET_RATIO,
      pass: ratio <= TARGET_RATIO,
    };
  } finally {
    removeTempHome(home);
  }
}
