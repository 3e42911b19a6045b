// Fault injection for test/unit/fault-injection.test.mjs, loaded into a child CLI process with
// `node --import faults.mjs dist/cli.js …` (before the bundle). It wraps node:fs's write functions and, at the Nth write
// under PRODIGY_FAULT_ROOT, fails it with ENOSPC, makes it short, or kills the process with SIGKILL.
// The bundle calls fs through the module object (esbuild's __toESM reads the property at each call),
// so replacing the module's properties here reaches every caller, and graceful-fs (proper-lockfile)
// copies them after this file has run. Not a test file. Environment:
//   PRODIGY_FAULT_ROOT  only writes to paths under this folder count (the Prodigy home), never stdout
//   PRODIGY_FAULT_MODE  count | enospc | short | kill
//                         count:  fault nothing; log every write (one JSON line each)
//                         enospc: the Nth write fails with ENOSPC having written nothing; later ones succeed
//                         short:  the Nth data write (writeSync, writeFileSync, appendFileSync; N counts only
//                                 these) writes the first half: writeSync returns the smaller count, as
//                                 write(2) does on a filling disk; the whole-file calls write the half, then
//                                 throw ENOSPC (what Node's own loop meets when the disk fills mid-file)
//                         kill:   SIGKILL to this process just before the Nth write
//   PRODIGY_FAULT_AT    N (1-based); unset: never
//   PRODIGY_FAULT_OP, PRODIGY_FAULT_SITE, PRODIGY_FAULT_FILE  optional: N counts only the writes by that call
//                       from that source line (src/…:line) to a path under the root matching that regex
//   PRODIGY_FAULT_LOG   gets one JSON line per write (count mode) or for the fault: {n, op, file, site, chain}
// `fs` is the CommonJS module object itself (what the bundle's require('node:fs') returns).
import fs from 'node:fs';
import path from 'node:path';

const ROOT = process.env.PRODIGY_FAULT_ROOT ? path.resolve(process.env.PRODIGY_FAULT_ROOT) : null;
const MODE = process.env.PRODIGY_FAULT_MODE || 'count';
const AT = Number(process.env.PRODIGY_FAULT_AT || 0);
const LOG = process.env.PRODIGY_FAULT_LOG || null;

const real = {};
for (const name of Object.keys(fs)) if (typeof fs[name] === 'function') real[name] = fs[name];

/** Descriptors opened for writing under ROOT: writeSync/fsyncSync on them count. */
const writableFds = new Map();
let count = 0;
let fired = false;
/** > 0 while one of our wrappers runs the real call: Node's writeFileSync calls openSync/writeSync itself. */
let depth = 0;

function inner(fn, args) {
  depth += 1;
  try {
    return real[fn].apply(fs, args);
  } finally {
    depth -= 1;
  }
}

function underRoot(p) {
  if (ROOT === null || p === undefined || p === null || typeof p === 'number') return false;
  let s;
  try {
    s = path.resolve(p instanceof URL ? p.pathname : String(p));
  } catch {
    return false;
  }
  return s === ROOT || s.startsWith(ROOT + path.sep);
}

function writesFlags(flags) {
  if (flags === undefined || flags === null) return false;
  if (typeof flags === 'number') {
    const { O_WRONLY, O_RDWR, O_APPEND, O_CREAT, O_TRUNC } = fs.constants;
    return (flags & (O_WRONLY | O_RDWR | O_APPEND | O_CREAT | O_TRUNC)) !== 0;
  }
  return /[wa+]/.test(String(flags));
}

/**
 * Where the write comes from: source frames (src/…:line, mapped when run with --enable-source-maps),
 * innermost first. `site` is the first one, `chain` a few more for a report.
 */
function where() {
  const ours = (new Error().stack || '')
    .split('\n')
    .slice(1)
    .map((f) => /((?:src|node_modules)\/[^\s()]+?):\d+\)?$/.exec(f.trim()))
    .filter(Boolean)
    .map((m) => m[1]);
  return { site: ours[0] ?? 'unknown', chain: ours.slice(0, 6).join(' < ') };
}

function log(entry) {
  if (LOG) real.appendFileSync(LOG, `${JSON.stringify({ pid: process.pid, mode: MODE, ...entry })}\n`);
}

function enospc(syscall, file) {
  const err = new Error(`ENOSPC: no space left on device, ${syscall}${file ? ` '${file}'` : ''}`);
  return Object.assign(err, { errno: -28, code: 'ENOSPC', syscall, ...(file ? { path: String(file) } : {}) });
}

/**
 * A target instead of N: the AT-th write by `op` from source line `site` to a path (relative to ROOT)
 * matching `file`. Robust to other writes coming in another order than in the counting run (a record
 * write coalesced with the next one, say); the stack is only looked at for writes that match the rest.
 */
const TARGET = process.env.PRODIGY_FAULT_SITE
  ? {
      op: process.env.PRODIGY_FAULT_OP,
      site: process.env.PRODIGY_FAULT_SITE,
      file: new RegExp(process.env.PRODIGY_FAULT_FILE ?? ''),
    }
  : null;

/** Called before each write under ROOT: 'fail', 'short', or null (do it). `data`: the call carries bytes. */
function decide(op, file, data) {
  if (MODE === 'short' && !data) return null;
  if (MODE === 'count') {
    count += 1;
    log({ n: count, op, file: String(file), ...where() });
    return null;
  }
  if (fired) return null;
  let origin;
  if (TARGET) {
    if (op !== TARGET.op || !TARGET.file.test(path.relative(ROOT, path.resolve(String(file))))) return null;
    origin = where();
    if (origin.site !== TARGET.site) return null;
  }
  count += 1;
  if (count !== AT) return null;
  fired = true;
  log({ n: count, op, file: String(file), ...(origin ?? where()) });
  if (MODE === 'kill') process.kill(process.pid, 'SIGKILL');
  return MODE === 'enospc' ? 'fail' : 'short';
}

const half = (n) => (n > 1 ? Math.floor(n / 2) : 0);

fs.openSync = function openSync(file, flags) {
  if (depth > 0) return inner('openSync', arguments);
  const counted = underRoot(file) && writesFlags(flags);
  if (counted && decide('openSync', file, false) === 'fail') throw enospc('open', file);
  const fd = inner('openSync', arguments);
  if (counted) writableFds.set(fd, String(file));
  return fd;
};

fs.closeSync = function closeSync(fd) {
  if (depth === 0) writableFds.delete(fd);
  return inner('closeSync', arguments);
};

fs.writeSync = function writeSync(fd, buffer, ...rest) {
  if (depth > 0 || !writableFds.has(fd)) return inner('writeSync', arguments);
  const what = decide('writeSync', writableFds.get(fd), true);
  if (what === 'fail') throw enospc('write');
  if (what !== 'short') return inner('writeSync', arguments);
  // Both signatures, as (buf, offset, length, position).
  let buf;
  let offset = 0;
  let length;
  let position = null;
  if (typeof buffer === 'string') {
    buf = Buffer.from(buffer, typeof rest[1] === 'string' ? rest[1] : 'utf8');
    length = buf.length;
    position = typeof rest[0] === 'number' ? rest[0] : null;
  } else {
    buf = Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    if (rest[0] !== null && typeof rest[0] === 'object') {
      offset = rest[0].offset ?? 0;
      length = rest[0].length ?? buf.length - offset;
      position = rest[0].position ?? null;
    } else {
      offset = rest[0] ?? 0;
      length = rest[1] ?? buf.length - offset;
      position = rest[2] ?? null;
    }
  }
  const n = half(length);
  return n === 0 ? 0 : inner('writeSync', [fd, buf, offset, n, position]);
};

/** writeFileSync / appendFileSync: fail, or write half and then fail, as a disk filling mid-file does. */
function wholeFile(name) {
  fs[name] = function (file, data, options) {
    const counted = typeof file === 'number' ? writableFds.has(file) : underRoot(file);
    if (depth > 0 || !counted) return inner(name, arguments);
    const what = decide(name, typeof file === 'number' ? writableFds.get(file) : file, true);
    if (what === 'fail') throw enospc('write', file);
    if (what === 'short') {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
      try {
        inner(name, [file, bytes.subarray(0, half(bytes.length)), options]);
      } catch {
        // not even the half: the caller sees the ENOSPC below either way
      }
      throw enospc('write', file);
    }
    return inner(name, arguments);
  };
}
wholeFile('writeFileSync');
wholeFile('appendFileSync');

/** Calls that carry no bytes: in enospc mode they fail, in kill mode they are kill points. */
function noData(name, syscall, target) {
  fs[name] = function (...args) {
    const file = depth > 0 ? undefined : target(args);
    if (file !== undefined && decide(name, file, false) === 'fail') throw enospc(syscall, file);
    return inner(name, args);
  };
}
noData('renameSync', 'rename', ([from, to]) => (underRoot(to) || underRoot(from) ? to : undefined));
noData('linkSync', 'link', ([, to]) => (underRoot(to) ? to : undefined));
noData('symlinkSync', 'symlink', ([, to]) => (underRoot(to) ? to : undefined));
noData('copyFileSync', 'copyfile', ([, to]) => (underRoot(to) ? to : undefined));
noData('fsyncSync', 'fsync', ([fd]) => writableFds.get(fd));
noData('fdatasyncSync', 'fdatasync', ([fd]) => writableFds.get(fd));
noData('ftruncateSync', 'ftruncate', ([fd]) => writableFds.get(fd));
noData('truncateSync', 'truncate', ([file]) => (underRoot(file) ? file : undefined));
// A mkdir counts only when it creates something (a recursive mkdir of an existing folder writes nothing).
noData('mkdirSync', 'mkdir', ([dir]) => (underRoot(dir) && !real.existsSync(dir) ? dir : undefined));

// proper-lockfile takes a session's lock with an async mkdir of H/vscode/locks/{id}.lock.
fs.mkdir = function mkdir(dir, ...rest) {
  const cb = rest[rest.length - 1];
  if (typeof cb === 'function' && underRoot(dir) && !real.existsSync(dir) && decide('mkdir', dir, false) === 'fail') {
    process.nextTick(cb, enospc('mkdir', dir));
    return undefined;
  }
  return real.mkdir.call(fs, dir, ...rest);
};

if (MODE === 'count') process.on('exit', () => log({ total: count }));
