// What a message says to do next follows the user (issue 14, item 11): in the CLI it names `prodigy-vscode`
// commands, in VS Code the palette commands and the Sessions view's actions. The wording is chosen per process
// (src/core/nextStep.ts): the CLI's by default, VS Code's in the extension and in a runner the extension
// started (WORDING_ENV). And no other core file words a `prodigy-vscode` command in a string.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DIST_CLI, ROOT, core } from './helpers/env.mjs';
import { hermeticGit } from './helpers/git.mjs';
import { engineEnv } from './helpers/engine.mjs';

const ts = createRequire(import.meta.url)('typescript');

hermeticGit({ before, after });

const ID = 'workflow-1';
const STEPS = [
  { kind: 'resume', sessionId: ID },
  { kind: 'resume', sessionId: ID, lead: 'resume it' },
  { kind: 'resume-with-higher-budget', sessionId: ID },
  { kind: 'merge', sessionId: ID },
  { kind: 'retry-failed-items', sessionId: ID },
  { kind: 'migrate' },
  { kind: 'force-remove-worktree', sessionId: ID },
  { kind: 'list-checkpoints', sessionId: ID },
];

describe('next step: the two wordings', () => {
  afterEach(() => core.setWording('cli'));

  it("the CLI's words are the CLI commands, as before", () => {
    assert.equal(core.currentWording(), 'cli', 'the default');
    assert.deepEqual(
      STEPS.map((s) => core.nextStep(s)),
      [
        `resume with: prodigy-vscode resume ${ID}`,
        `resume it with: prodigy-vscode resume ${ID}`,
        `resume with: prodigy-vscode resume ${ID} --max-cost <USD>`,
        `merge later with: prodigy-vscode merge ${ID}`,
        `retry with: prodigy-vscode dlq retry ${ID}`,
        'import it first: prodigy-vscode migrate',
        `\`prodigy-vscode worktree clean ${ID} -f\` removes it anyway`,
        `list them with: prodigy-vscode checkpoints list ${ID}`,
      ],
    );
    assert.equal(core.nextStepSentence(STEPS[3]), `Merge later with: prodigy-vscode merge ${ID}`);
  });

  it("VS Code's words name its commands and row actions, never the CLI", () => {
    core.setWording('vscode');
    for (const step of STEPS) {
      const text = core.nextStep(step);
      assert.doesNotMatch(text, /prodigy-vscode|--max-cost/, text);
      assert.equal(text, core.nextStep(step, 'vscode'));
    }
    assert.equal(
      core.nextStepSentence(STEPS[0]),
      'Resume it with "Prodigy: Resume Session…" or Resume on its row in the Sessions view',
    );
    assert.match(
      core.nextStep(STEPS[2]),
      /^raise the prodigy\.claude\.maxCostPerSession setting, then resume it with /,
    );
    assert.equal(core.nextStep(STEPS[3]), 'merge it later with Merge on its row in the Sessions view');
    assert.match(core.nextStep(STEPS[4]), /Retry Failed Items on its row in the Sessions view/);
    assert.equal(core.nextStep(STEPS[5]), 'import it first with "Prodigy: Migrate Legacy Sessions"');
    assert.equal(core.nextStep(STEPS[0], 'cli'), `resume with: prodigy-vscode resume ${ID}`, 'asked for explicitly');
  });

  it("every palette command VS Code's words name exists, by that title, and is in the palette", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const hidden = new Set(
      (pkg.contributes.menus.commandPalette ?? []).filter((m) => m.when === 'false').map((m) => m.command),
    );
    const inPalette = new Map(
      pkg.contributes.commands.filter((c) => !hidden.has(c.command)).map((c) => [`${c.category}: ${c.title}`, c]),
    );
    const named = new Set(
      STEPS.flatMap((s) => [...core.nextStep(s, 'vscode').matchAll(/"(Prodigy: [^"]+)"/g)].map((m) => m[1])),
    );
    assert.ok(named.size >= 3, [...named].join(', '));
    for (const title of named) assert.ok(inPalette.has(title), `"${title}" is not a command in the palette`);
    const setting = pkg.contributes.configuration.properties ?? {};
    assert.ok('prodigy.claude.maxCostPerSession' in setting, 'the budget setting exists');
  });

  it('the environment asks for a wording (a runner the extension started)', () => {
    assert.equal(core.wordingFromEnv({ [core.WORDING_ENV]: 'vscode' }), 'vscode');
    assert.equal(core.wordingFromEnv({ [core.WORDING_ENV]: 'other' }), 'cli');
    assert.equal(core.wordingFromEnv({}), 'cli');
  });
});

const FAILING = 'name: fails\ncommands:\n  - shell: "echo wording=${PRODIGY_MESSAGE_WORDING:-unset}; exit 3"\n';
const KEEPS = '- shell: "echo feature > feature.txt && git add feature.txt && git commit -qm feature"\n';

describe('next step: what a run writes to its session log', () => {
  afterEach(() => core.setWording('cli'));

  it('with VS Code words: a failed run names Resume Session, a kept branch names Merge, and no CLI command', async (t) => {
    core.setWording('vscode');
    const e = engineEnv(t);
    const failed = await e.runText(FAILING);
    assert.equal(failed.status, 'Failed');
    const log = e.log(failed);
    assert.match(
      log,
      /Fix the cause, then resume it with "Prodigy: Resume Session…" or Resume on its row in the Sessions view/,
    );
    assert.doesNotMatch(log, /prodigy-vscode/);

    const kept = await e.runText(KEEPS);
    assert.equal(kept.merge.status, 'kept');
    const keptLog = e.log(kept);
    assert.match(
      keptLog,
      /Kept branch prodigy-\S+ \(1 new commit\)\. Merge it later with Merge on its row in the Sessions view/,
    );
    assert.doesNotMatch(keptLog, /prodigy-vscode/);
  });

  it('with the CLI default, the same runs name the CLI commands', async (t) => {
    const e = engineEnv(t);
    const failed = await e.runText(FAILING);
    assert.match(
      e.log(failed),
      new RegExp(`Fix the cause, then resume with: prodigy-vscode resume ${failed.sessionId}`),
    );
    const kept = await e.runText(KEEPS);
    assert.match(e.log(kept), new RegExp(`Merge later with: prodigy-vscode merge ${kept.sessionId}`));
  });

  it('an error names VS Code commands too: resuming a session with no record', async (t) => {
    core.setWording('vscode');
    const e = engineEnv(t);
    await assert.rejects(core.resumeWorkflow({ manager: e.manager, sessionId: 'workflow-404' }), (err) => {
      assert.match(err.message, /import it first with "Prodigy: Migrate Legacy Sessions"$/);
      return true;
    });
  });

  it('a runner the extension started (WORDING_ENV=vscode) writes VS Code words; its steps do not see the variable', (t) => {
    const e = engineEnv(t);
    const file = e.writeWorkflow(FAILING);
    const r = spawnSync(process.execPath, [DIST_CLI, 'run', file, '--path', e.repo, '--json', '--home', e.home], {
      encoding: 'utf8',
      env: { ...process.env, PRODIGY_HOME: '', [core.WORDING_ENV]: 'vscode' },
      timeout: 60_000,
    });
    assert.equal(r.status, 1, r.stderr);
    const id = JSON.parse(r.stdout).session_id;
    const log = fs.readFileSync(e.manager.paths.sessionLogFile(id), 'utf8');
    assert.match(log, /Fix the cause, then resume it with "Prodigy: Resume Session…"/);
    assert.doesNotMatch(log, /prodigy-vscode/);
    assert.match(log, /wording=unset/, 'the workflow runs with the environment a CLI run has');
  });
});

/**
 * Every string literal and template piece of a TypeScript source (comments are not tokens) that contains
 * `prodigy-vscode ` (a command, not the program's name alone), as `line: text`.
 */
function cliCommandStrings(fileName, text) {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found = [];
  const visit = (node) => {
    if (
      (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateLiteralToken(node)) &&
      node.text.includes('prodigy-vscode ')
    ) {
      found.push(`${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${node.text}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('next step: the rule stays', () => {
  it('the checker finds a CLI command in a string or a template, and not in a comment', () => {
    const text = [
      '// resume with: prodigy-vscode resume X (a comment)',
      '/** `prodigy-vscode merge X` */',
      "const a = 'retry with: prodigy-vscode dlq retry X';",
      'const b = `Resume with: prodigy-vscode resume ${id} now`;',
      'const c = `${x} then prodigy-vscode migrate`;',
      "const d = 'the prodigy-vscode CLI';",
      "const e = 'prodigy-vscode';",
    ].join('\n');
    assert.deepEqual(cliCommandStrings('sample.ts', text), [
      '3: retry with: prodigy-vscode dlq retry X',
      '4: Resume with: prodigy-vscode resume ',
      '5:  then prodigy-vscode migrate',
      '6: the prodigy-vscode CLI',
    ]);
  });

  it('no core file but nextStep.ts words a prodigy-vscode command (messages go through nextStep)', () => {
    const coreDir = path.join(ROOT, 'src', 'core');
    const faults = fs
      .readdirSync(coreDir, { recursive: true })
      .filter((f) => f.endsWith('.ts') && f !== 'nextStep.ts')
      .flatMap((f) =>
        cliCommandStrings(f, fs.readFileSync(path.join(coreDir, f), 'utf8')).map((hit) => `src/core/${f}:${hit}`),
      );
    assert.deepEqual(faults, []);
  });
});
