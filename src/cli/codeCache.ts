// Loading a CLI bundle the way `require` does, but with V8's code cache: compiling dist/cli-run.js (1.5 MB) is
// most of what loading it costs (~70 ms here, ~35 ms from the cache). The first run of a build writes the compiled
// code to the user's cache folder (…/prodigy-vscode/v8/, keyed by the bundle's size and time and by the Node and
// V8 versions), later runs start from it. Any trouble with the cache (unwritable, stale, rejected by V8) only
// means compiling as `require` would: the cache never changes what runs.
import * as fs from 'node:fs';
import Module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';

/** `$XDG_CACHE_HOME/prodigy-vscode/v8`, else `~/.cache/prodigy-vscode/v8`. */
function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'prodigy-vscode', 'v8');
}

/** The bundle `file`'s exports, loaded once per process (it is put in require.cache, as `require` would). */
export function requireWithCodeCache(file: string): unknown {
  const known = require.cache[file];
  if (known) return known.exports;
  const source = fs.readFileSync(file, 'utf8');
  const name = path.basename(file, '.js');
  let cacheFile: string | null = null;
  let cached: Buffer | undefined;
  try {
    const st = fs.statSync(file);
    cacheFile = path.join(
      cacheDir(),
      `${name}-${st.size}-${Math.trunc(st.mtimeMs)}-${process.version}-${process.versions.v8}-${process.arch}.bin`,
    );
    cached = fs.readFileSync(cacheFile);
  } catch {
    // No cache yet (or no home): compiled below, and kept if it can be.
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData: cached });
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
  require.cache[file] = mod;
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  mod.loaded = true;
  if (cacheFile && (cached === undefined || script.cachedDataRejected)) keep(cacheFile, `${name}-`, script);
  return mod.exports;
}

/** Writes the compiled code whole (temp file, rename), and drops the caches of the bundle's earlier builds. */
function keep(cacheFile: string, prefix: string, script: vm.Script): void {
  try {
    const dir = path.dirname(cacheFile);
    fs.mkdirSync(dir, { recursive: true });
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, script.createCachedData());
    fs.renameSync(tmp, cacheFile);
    for (const other of fs.readdirSync(dir))
      if (other.startsWith(prefix) && other !== path.basename(cacheFile) && !other.endsWith('.tmp'))
        fs.rmSync(path.join(dir, other), { force: true });
  } catch {
    // Not kept: the next run compiles again.
  }
}
