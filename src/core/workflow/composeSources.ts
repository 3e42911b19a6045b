// Where the files of a composition are found (Prodigy docs, composition/): a base named by `extends:` and a template
// named by `template.source`, searched in the documented places; a file that is not there is an error at the key.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isPlainMap, show, type LoadContext, type Path } from './loadContext';

/**
 * `extends: NAME`: a path relative to the file (with or without .yml), else, for a bare name, the first of
 * bases/, templates/, workflows/ and the file's own folder (workflow-extension-inheritance.md's search order).
 */
export function findBase(ctx: LoadContext, dir: string, name: string): string {
  const given = resolvePath(dir, name);
  const tried = [given, `${given}.yml`, `${given}.yaml`];
  if (!name.includes('/') && !name.includes(path.sep))
    for (const sub of ['bases', 'templates', 'workflows', '.'])
      for (const ext of ['.yml', '.yaml']) tried.push(path.join(dir, sub, name.replace(/\.ya?ml$/, '') + ext));
  const found = tried.find(isFile);
  if (!found)
    ctx.fail(
      ['extends'],
      `base workflow not found: ${name} (looked for ${unique(tried)
        .map((t) => rel(dir, t))
        .join(', ')})`,
    );
  return found;
}

/**
 * `template.source`: `{file: PATH}`, a string that is a path (has a / or ends in .yml), `{registry: NAME}` or a bare
 * name. A name is looked up in `.prodigy/templates/` of the file's folder or the nearest folder above it that has one,
 * then `~/.prodigy/templates/`, then `templates/` beside the file (complete-examples.md: project templates first).
 */
export function findTemplate(ctx: LoadContext, dir: string, source: unknown): string {
  const at = ['template', 'source'];
  if (isPlainMap(source) && typeof source.file === 'string')
    return existing(ctx, [...at, 'file'], resolvePath(dir, source.file), 'template file');
  let name: string | undefined;
  if (typeof source === 'string') name = source.trim();
  else if (isPlainMap(source) && typeof source.registry === 'string') name = source.registry.trim();
  if (!name)
    ctx.fail(
      source === undefined ? ['template'] : at,
      `template.source must be a template name, {file: PATH} or {registry: NAME}, got ${show(source)}`,
      source === undefined ? 'key' : 'value',
    );
  if (/^https?:\/\//.test(name))
    ctx.fail(at, `templates from URLs are not loaded (as in Prodigy); download it and use {file: PATH}: ${name}`);
  if (typeof source === 'string' && (name.includes('/') || /\.ya?ml$/.test(name)))
    return existing(ctx, at, resolvePath(dir, name), 'template file');
  const file = name.replace(/\.ya?ml$/, '');
  const tried: string[] = [];
  for (let d = dir; ; d = path.dirname(d)) {
    const folder = path.join(d, '.prodigy', 'templates');
    if (fs.existsSync(folder)) {
      tried.push(path.join(folder, `${file}.yml`), path.join(folder, `${file}.yaml`));
      break;
    }
    if (path.dirname(d) === d) break;
  }
  const home = path.join(os.homedir(), '.prodigy', 'templates');
  tried.push(path.join(home, `${file}.yml`), path.join(home, `${file}.yaml`));
  tried.push(path.join(dir, 'templates', `${file}.yml`), path.join(dir, 'templates', `${file}.yaml`));
  const found = tried.find(isFile);
  if (!found)
    ctx.fail(at, `template not found: ${name} (looked for ${tried.filter((t) => t.endsWith('.yml')).join(', ')})`);
  return found;
}

export function resolvePath(dir: string, p: string): string {
  const expanded = p.startsWith('~/') ? path.join(os.homedir(), p.slice(2)) : p;
  return path.resolve(dir, expanded);
}

export function existing(ctx: LoadContext, at: Path, file: string, what: string): string {
  if (!isFile(file)) ctx.fail(at, `${what} not found: ${file}`);
  return file;
}

function isFile(file: string): boolean {
  return fs.statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}

function rel(dir: string, file: string): string {
  return path.relative(dir, file) || file;
}
