// The extension manifest agrees with itself and with the code: every command a menu, a welcome
// view or a CodeLens names is contributed (or built in), every contributed command is registered
// in src/extension, every setting the code reads is declared, and the .vsix ships the schema.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { ROOT } from './helpers/env.mjs';

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const contributed = new Set(pkg.contributes.commands.map((c) => c.command));
const BUILT_IN = new Set([
  'workbench.action.openSettings',
  'workbench.action.files.openFolder',
  'workbench.trust.manage',
]);

function sourcesIn(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sourcesIn(p));
    else if (p.endsWith('.ts')) out.push(fs.readFileSync(p, 'utf8'));
  }
  return out;
}
const extensionSource = sourcesIn(path.join(ROOT, 'src', 'extension')).join('\n');

describe('package.json', () => {
  it('every command in a menu is contributed', () => {
    const missing = [];
    for (const [menu, items] of Object.entries(pkg.contributes.menus)) {
      for (const item of items) if (!contributed.has(item.command)) missing.push(`${menu}: ${item.command}`);
    }
    assert.deepEqual(missing, []);
  });

  it('every command linked from a welcome view is contributed or built in', () => {
    const linked = pkg.contributes.viewsWelcome.flatMap((w) =>
      [...w.contents.matchAll(/\(command:([\w.]+)/g)].map((m) => m[1]),
    );
    assert.ok(linked.length > 0);
    assert.deepEqual(
      linked.filter((c) => !contributed.has(c) && !BUILT_IN.has(c)),
      [],
    );
  });

  it('every contributed command is registered by the extension code', () => {
    const unregistered = [...contributed].filter((c) => !extensionSource.includes(`'${c}'`));
    assert.deepEqual(unregistered, []);
  });

  it('commands that need a tree row are hidden from the palette', () => {
    const hidden = new Set(
      pkg.contributes.menus.commandPalette.filter((m) => m.when === 'false').map((m) => m.command),
    );
    for (const c of [
      'prodigy.openSessionFile',
      'prodigy.copySessionId',
      'prodigy.loadMoreSessions',
      'prodigy.showCheckpointChanges',
      'prodigy.revealWorktree',
    ]) {
      assert.ok(hidden.has(c), `${c} is hidden from the palette`);
    }
  });

  it('running commands are disabled in untrusted workspaces, and trust is declared', () => {
    for (const c of [
      'prodigy.runWorkflow',
      'prodigy.runWorkflowFile',
      'prodigy.resumeSession',
      'prodigy.restoreCheckpoint',
    ]) {
      assert.match(pkg.contributes.commands.find((x) => x.command === c).enablement ?? '', /isWorkspaceTrusted/, c);
    }
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  });

  it('every setting the extension reads is declared', () => {
    const read = [...extensionSource.matchAll(/c\.get<[^>]+>\('([\w.]+)'\)/g)].map((m) => `prodigy.${m[1]}`);
    assert.ok(read.length >= 6);
    const declared = Object.keys(pkg.contributes.configuration.properties);
    assert.deepEqual(
      read.filter((k) => !declared.includes(k)),
      [],
    );
  });

  it('the workflow schema is contributed for YAML and shipped in the .vsix', () => {
    // GitHub Actions files live in a `workflows` folder too: they are excluded, not given our schema.
    const match = pkg.contributes.yamlValidation[0].fileMatch;
    assert.ok(
      match.includes('!**/.github/workflows/*.yml') && match.includes('!**/.github/workflows/*.yaml'),
      match.join(', '),
    );
    const url = pkg.contributes.yamlValidation[0].url;
    assert.ok(fs.existsSync(path.join(ROOT, url)));
    const ignore = fs.readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8');
    assert.match(ignore, new RegExp(`^!${url.replace(/^\.\//, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  });
  it('is ready for the Marketplace: a 128×128 PNG icon it ships, repository, homepage, bugs, categories, keywords, a banner', () => {
    const icon = fs.readFileSync(path.join(ROOT, pkg.icon));
    // PNG signature, then the IHDR chunk's width and height (big-endian).
    assert.deepEqual([...icon.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.deepEqual([icon.readUInt32BE(16), icon.readUInt32BE(20)], [128, 128]);
    const ignore = fs.readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8');
    assert.match(ignore, new RegExp(`^!${pkg.icon.replace('.', '\\.')}$`, 'm'), 'the icon is packaged');
    assert.match(pkg.repository.url, /^https:\/\/github\.com\/[\w.-]+\/[\w.-]+\.git$/);
    assert.ok(pkg.homepage.startsWith(pkg.repository.url.replace(/\.git$/, '')));
    assert.ok(pkg.bugs.url.startsWith(pkg.repository.url.replace(/\.git$/, '')));
    assert.ok(
      pkg.categories.some((c) => c !== 'Other'),
      pkg.categories.join(', '),
    );
    assert.ok(pkg.keywords.length >= 3 && pkg.keywords.length <= 30, 'the Marketplace takes at most 30 keywords');
    assert.match(pkg.galleryBanner.color, /^#[0-9a-fA-F]{6}$/);
    assert.ok(['dark', 'light'].includes(pkg.galleryBanner.theme));
  });

  it('vsce ls lists what the extension needs: the bundles, every bundle the CLI loads, the schema, media; no sources', () => {
    const listed = execFileSync(path.join(ROOT, 'node_modules', '.bin', 'vsce'), ['ls'], {
      cwd: ROOT,
      encoding: 'utf8',
    })
      .split('\n')
      .filter(Boolean);
    const loadedByCli = [
      ...fs.readFileSync(path.join(ROOT, 'dist', 'cli.js'), 'utf8').matchAll(/require\("\.\/([\w.-]+\.js)"\)/g),
    ];
    assert.ok(loadedByCli.length > 0, 'dist/cli.js loads its command runner');
    for (const [, file] of loadedByCli) assert.ok(listed.includes(`dist/${file}`), `dist/${file} is shipped`);
    for (const file of [
      'dist/extension.js',
      'dist/cli.js',
      'package.json',
      'README.md',
      pkg.icon,
      'schemas/workflow.schema.json',
    ])
      assert.ok(listed.includes(file), `${file} is shipped`);
    const stray = listed.filter((f) => /^(src|test|node_modules|bench|scripts)\/|\.map$|\.ts$/.test(f));
    assert.deepEqual(stray, [], 'no sources, tests, source maps or dependencies in the .vsix');
  });
});
