// The Get Started walkthrough (package.json contributes.walkthroughs) holds together: every step has a title, a
// short description with a button, completion events and a markdown page that exists and ships in the .vsix;
// every command a step names is contributed or built in. Its demo workflow (media/walkthrough/) is a real
// Prodigy workflow: the real CLI validates it and runs it to the end in a git repository, without Claude, and
// with its Claude step switched on (the fake Claude). The e2e test (test/e2e/walkthrough.e2e.mjs) clicks through it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, tempHome } from './helpers/env.mjs';
import { spawnCli } from './helpers/cli.mjs';
import { git, hermeticGit, makeRepo } from './helpers/git.mjs';

hermeticGit({ before, after });

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const contributed = new Set(pkg.contributes.commands.map((c) => c.command));
/** Commands VS Code itself has: the view's focus command comes with the contributed view. */
const BUILT_IN = new Set(['workbench.action.files.openFolder', 'prodigy.sessions.focus']);
const DEMO = path.join(ROOT, 'media', 'walkthrough', 'prodigy-demo.workflow.yml');
const FAKE_CLAUDE = path.join(ROOT, 'test', 'fixtures', 'bin', 'claude');

describe('the Get Started walkthrough', () => {
  const [walkthrough] = pkg.contributes.walkthroughs ?? [];

  it('is contributed once, with a title, a description and six steps', () => {
    assert.equal(pkg.contributes.walkthroughs.length, 1);
    assert.equal(walkthrough.id, 'getStarted');
    assert.ok(walkthrough.title && walkthrough.description);
    assert.deepEqual(
      walkthrough.steps.map((s) => s.id),
      ['openFolder', 'openDemo', 'runDemo', 'watch', 'stopResume', 'restore'],
    );
  });

  it('each step: a short title, 1-3 sentences and a button, completion events, a markdown page that ships', () => {
    const ignore = fs.readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8').split('\n');
    assert.ok(ignore.includes('!media/walkthrough/**'), '.vscodeignore ships media/walkthrough/');
    for (const step of walkthrough.steps) {
      assert.ok(step.title.length <= 30, `${step.id}: title "${step.title}"`);
      const [text, ...buttons] = step.description.split('\n');
      const sentences = text.split(/(?<=[.!?])\s+(?=[A-Z])/).length;
      assert.ok(sentences >= 1 && sentences <= 3, `${step.id}: ${sentences} sentences: ${text}`);
      assert.ok(buttons.length >= 1, `${step.id}: a button`);
      for (const b of buttons) assert.match(b, /^\[[^\]]+\]\(command:[\w.]+\)$/, `${step.id}: button line ${b}`);
      assert.ok(step.completionEvents?.length > 0, `${step.id}: completion events`);
      const page = path.join(ROOT, step.media.markdown);
      assert.match(step.media.markdown, /^media\/walkthrough\/[\w-]+\.md$/);
      assert.ok(fs.readFileSync(page, 'utf8').startsWith('# '), `${step.media.markdown} exists, with a heading`);
    }
  });

  it('every command a step links to or completes on is contributed or built in', () => {
    const named = walkthrough.steps.flatMap((s) => [
      ...[...s.description.matchAll(/\(command:([\w.]+)\)/g)].map((m) => m[1]),
      ...s.completionEvents.filter((e) => e.startsWith('onCommand:')).map((e) => e.slice('onCommand:'.length)),
    ]);
    assert.ok(named.includes('prodigy.openDemoWorkflow'));
    assert.deepEqual(
      named.filter((c) => !contributed.has(c) && !BUILT_IN.has(c)),
      [],
    );
    const views = walkthrough.steps.flatMap((s) => s.completionEvents.filter((e) => e.startsWith('onView:')));
    const known = new Set(Object.values(pkg.contributes.views).flatMap((v) => v.map((x) => `onView:${x.id}`)));
    assert.deepEqual(
      views.filter((v) => !known.has(v)),
      [],
    );
  });

  it('Open Demo Workflow is a Prodigy command in the palette', () => {
    const cmd = pkg.contributes.commands.find((c) => c.command === 'prodigy.openDemoWorkflow');
    assert.equal(cmd?.category, 'Prodigy');
    assert.equal(cmd?.title, 'Open Demo Workflow');
  });
});

describe('the demo workflow', () => {
  /** The demo with a shorter countdown (its only wait) and, optionally, its Claude step on. */
  function demoCopy(repo, { askClaude = false } = {}) {
    let text = fs.readFileSync(DEMO, 'utf8');
    text = text.replace(/^ {2}COUNTDOWN: 20$/m, '  COUNTDOWN: 1');
    if (askClaude) text = text.replace(/^ {2}ASK_CLAUDE: false$/m, '  ASK_CLAUDE: true');
    assert.match(text, /COUNTDOWN: 1\n/);
    const file = path.join(repo, 'prodigy-demo.workflow.yml');
    fs.writeFileSync(file, text);
    return file;
  }

  it('validates', () => {
    const r = spawnCli(['validate', DEMO]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /standard workflow "prodigy-demo", 5 steps/);
  });

  it('runs to the end in a git repository without Claude: two commits, the Claude step skipped', (t) => {
    const { repo } = makeRepo(t);
    const { home } = tempHome(t);
    const r = spawnCli(['--home', home, 'run', demoCopy(repo), '--path', repo]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Skipping 'Ask Claude': when: \$\{ASK_CLAUDE\} == true is false/);
    const id = /^Session: (\S+)$/m.exec(r.stdout)?.[1];
    const worktree = path.join(home, 'worktrees', path.basename(repo), id);
    assert.equal(fs.readFileSync(path.join(worktree, 'demo', 'report.md'), 'utf8'), 'Files in the repository: 2\n');
    assert.match(fs.readFileSync(path.join(worktree, 'demo', 'plan.md'), 'utf8'), /^# Plan\n\n1\. count the files/);
    assert.deepEqual(git(worktree, 'log', '--format=%s', 'main..HEAD').split('\n'), [
      'demo: write the report',
      'demo: write the plan',
    ]);
    const record = JSON.parse(fs.readFileSync(path.join(home, 'sessions', `${id}.json`), 'utf8'));
    assert.equal(record.status, 'Completed');
  });

  it('with ASK_CLAUDE: true, step 4 asks Claude (the fake one)', (t) => {
    const { repo } = makeRepo(t);
    const { home } = tempHome(t);
    const log = path.join(home, 'claude-calls.jsonl');
    const r = spawnCli(
      ['--home', home, 'run', demoCopy(repo, { askClaude: true }), '--path', repo, '--claude-command', FAKE_CLAUDE],
      {
        FAKE_CLAUDE_LOG: log,
      },
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const calls = fs.readFileSync(log, 'utf8').trim().split('\n').map(JSON.parse);
    assert.equal(calls.length, 1);
    assert.match(calls[0].prompt, /^Add a third item to demo\/plan\.md/);
  });
});
