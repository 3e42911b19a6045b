// How a session ended (issue 14, "Outcomes"): sessionOutcome for every kind, the merge record the merge back
// and a discard write (real git, real runs), the summary's outcome and a MapReduce session's worktree, the
// `outcome` filter, and the CLI's OUTCOME column, --not-merged / --outcome, --json and `sessions show`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { DIST_CLI, core } from './helpers/env.mjs';
import { git, hermeticGit } from './helpers/git.mjs';
import { engineEnv, mapReduceJob } from './helpers/engine.mjs';

hermeticGit({ before, after });

const { sessionOutcome, OUTCOME_KINDS, NOT_MERGED } = core;

/** A workflow of n steps, each committing a file no other call of it writes. */
let made = 0;
const COMMITS = (n) =>
  Array.from({ length: n }, () => {
    const f = `f${++made}.txt`;
    return `- shell: "echo ${made} > ${f} && git add ${f} && git commit -qm ${f}"`;
  }).join('\n') + '\n';

function cli(e, args) {
  const r = spawnSync(process.execPath, [DIST_CLI, '--home', e.home, ...args], {
    encoding: 'utf8',
    env: { ...process.env, PRODIGY_HOME: '', PRODIGY_DEBUG: '' },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('sessionOutcome', () => {
  const done = (merge, mapreduce = null) => sessionOutcome({ status: 'Completed', merge, mapreduce });
  const at = '2026-01-01T00:00:00Z';

  it('names every kind, with words for people and a detail for "Completed · …"', () => {
    const cases = [
      [{ status: 'Running' }, 'running', 'running', null],
      [{ status: 'Initializing' }, 'running', 'running', null],
      [{ status: 'Paused' }, 'stopped', 'stopped', null],
      [{ status: 'Failed' }, 'failed', 'failed', null],
      [{ status: 'Cancelled' }, 'abandoned', 'abandoned', null],
      [{ status: 'Completed' }, 'completed', 'completed', null],
      [
        { status: 'Completed', merge: { status: 'up-to-date', target: 'main', at } },
        'completed',
        'completed · nothing to merge',
        'nothing to merge',
      ],
      [
        { status: 'Completed', merge: { status: 'merged', commits: 3, target: 'main', at } },
        'merged',
        'merged into main',
        'merged into main',
      ],
      [
        { status: 'Completed', merge: { status: 'kept', branch: 'b', target: 'main', commits: 4, at } },
        'kept',
        'branch kept · 4 unmerged commits',
        'branch kept · 4 unmerged commits',
      ],
      [
        { status: 'Completed', merge: { status: 'kept', branch: 'b', target: 'main', commits: 1, at } },
        'kept',
        'branch kept · 1 unmerged commit',
        'branch kept · 1 unmerged commit',
      ],
      [
        { status: 'Completed', merge: { status: 'discarded', branch: 'b', target: 'main', commits: 2, at } },
        'discarded',
        'discarded · 2 commits deleted',
        'discarded · 2 commits deleted',
      ],
      [
        { status: 'Completed', merge: { status: 'conflict', branch: 'b', target: 'main', conflicts: ['a'], at } },
        'conflict',
        'merge conflict with main',
        'merge conflict with main',
      ],
      [
        { status: 'Completed', merge: { status: 'failed', branch: 'b', target: 'main', message: 'x', at } },
        'merge-failed',
        'merge failed',
        'merge failed',
      ],
      [
        { status: 'Completed', mapreduce: { failed_items: 2, total_items: 8 } },
        'completed-with-failures',
        'completed · 2 of 8 items failed',
        '2 of 8 items failed',
      ],
    ];
    const seen = new Set();
    for (const [facts, kind, text, detail] of cases) {
      const o = sessionOutcome(facts);
      assert.deepEqual([o.kind, o.text, o.detail], [kind, text, detail], JSON.stringify(facts));
      seen.add(o.kind);
    }
    assert.deepEqual([...seen].sort(), [...OUTCOME_KINDS].sort(), 'every kind is covered');
  });

  it('failed items are a warning whatever became of the branch, and say so after it', () => {
    const mr = { failed_items: 2, total_items: 8 };
    const kept = done({ status: 'kept', branch: 'b', target: 'main', commits: 12, at }, mr);
    assert.equal(kept.kind, 'kept');
    assert.equal(kept.text, 'branch kept · 12 unmerged commits · 2 of 8 items failed');
    assert.equal(kept.warning, true);
    assert.equal(
      done({ status: 'merged', target: 'main', commits: 1, at }, mr).text,
      'merged into main · 2 of 8 items failed',
    );
    assert.equal(done(undefined, { failed_items: 0, total_items: 8 }).warning, false);
    assert.equal(done(undefined, { failed_items: 0, total_items: 8 }).kind, 'completed');
  });

  it('a merge record of an unfinished session, or a malformed one, is not read as an ending', () => {
    const merge = { status: 'merged', target: 'main', commits: 1, at };
    assert.equal(sessionOutcome({ status: 'Paused', merge }).kind, 'stopped', 'restored after a merge');
    assert.equal(done('merged').kind, 'completed');
    assert.equal(done({ status: 42 }).kind, 'completed');
    assert.equal(done({ status: 'kept' }).text, 'branch kept', 'an older record without the count');
    assert.equal(done({ status: 'merged' }).text, 'merged');
  });

  it('reads a record as well as facts', () => {
    const record = {
      status: 'Completed',
      metadata: { merge: { status: 'kept', branch: 'b', target: 'trunk', commits: 2, at } },
      mapreduce_data: { failed_items: 1, total_items: 3 },
    };
    assert.equal(sessionOutcome(record).text, 'branch kept · 2 unmerged commits · 1 of 3 items failed');
  });

  it('NOT_MERGED is the work still on its branch', () => {
    assert.deepEqual([...NOT_MERGED].sort(), ['conflict', 'kept', 'merge-failed']);
  });
});

describe('outcomes of real runs', () => {
  it('kept (with its commit count), merged into main, up to date, discarded: recorded, summarised, filtered', async (t) => {
    const e = engineEnv(t);
    const kept = await e.runText(COMMITS(3), { merge: 'never' });
    const merged = await e.runText(COMMITS(2), { merge: 'always' });
    const nothing = await e.runText('- shell: "true"\n', { merge: 'always' });
    const discarded = await e.runText(COMMITS(1), { merge: 'never' });
    for (const o of [kept, merged, nothing, discarded]) assert.equal(o.status, 'Completed', o.error ?? '');

    assert.deepEqual(
      {
        status: e.record(kept.sessionId).metadata.merge.status,
        commits: e.record(kept.sessionId).metadata.merge.commits,
      },
      { status: 'kept', commits: 3 },
    );
    const d = await core.discardSessionWork(e.manager, discarded.sessionId);
    assert.ok(d.worktree && !fs.existsSync(d.worktree), 'the worktree is gone');
    assert.equal(git(e.repo, 'branch', '--list', `prodigy-${discarded.sessionId}`), '', 'the branch is gone');
    const rec = e.record(discarded.sessionId);
    assert.equal(rec.status, 'Completed');
    assert.equal(rec.metadata.merge.status, 'discarded', 'replaces the kept the merge back wrote');
    assert.equal(rec.metadata.merge.commits, 1);

    const { sessions } = await e.manager.listSessions();
    const byId = Object.fromEntries(sessions.map((s) => [s.id, s.outcome]));
    assert.equal(byId[kept.sessionId].text, 'branch kept · 3 unmerged commits');
    assert.equal(byId[merged.sessionId].text, 'merged into main');
    assert.equal(byId[nothing.sessionId].text, 'completed · nothing to merge');
    assert.equal(byId[discarded.sessionId].text, 'discarded · 1 commit deleted');

    const notMerged = await e.manager.listSessions({ outcome: NOT_MERGED });
    assert.deepEqual(
      notMerged.sessions.map((s) => s.id),
      [kept.sessionId],
    );
    assert.deepEqual(
      (await e.manager.listSessions({ outcome: 'merged' })).sessions.map((s) => s.id),
      [merged.sessionId],
    );

    // The CLI, from the same home (a fresh process: the persisted index carries the outcome).
    const list = cli(e, ['sessions', 'list']);
    assert.equal(list.code, 0, list.stderr);
    const [header, ...rows] = list.stdout.trimEnd().split('\n');
    const col = header.indexOf('OUTCOME');
    const next = header.indexOf('PROGRESS');
    assert.ok(col > 0 && next > col, header);
    const cell = (id) =>
      rows
        .find((r) => r.startsWith(`${id} `))
        .slice(col, next)
        .trim();
    assert.equal(cell(kept.sessionId), 'branch kept · 3 unmerged commits');
    assert.equal(cell(merged.sessionId), 'merged into main');
    assert.equal(cell(nothing.sessionId), 'nothing to merge');
    assert.equal(cell(discarded.sessionId), 'discarded · 1 commit deleted');

    const only = cli(e, ['sessions', 'list', '--not-merged']);
    assert.equal(only.code, 0, only.stderr);
    assert.ok(only.stdout.includes(kept.sessionId));
    for (const o of [merged, nothing, discarded]) assert.ok(!only.stdout.includes(o.sessionId), o.sessionId);
    const byKind = cli(e, ['sessions', 'list', '--outcome', 'Discarded', '--json']);
    assert.equal(byKind.code, 0, byKind.stderr);
    const json = JSON.parse(byKind.stdout);
    assert.deepEqual(
      json.sessions.map((s) => [s.id, s.outcome.kind]),
      [[discarded.sessionId, 'discarded']],
    );
    const none = cli(e, ['sessions', 'list', '--outcome', 'conflict']);
    assert.match(none.stdout, /^No sessions in .* with outcome conflict\.$/m);
    const bad = cli(e, ['sessions', 'list', '--outcome', 'mergd']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--outcome needs one of running, stopped/);

    const show = cli(e, ['sessions', 'show', kept.sessionId]);
    assert.match(
      show.stdout,
      new RegExp(
        `^Outcome +branch kept · 3 unmerged commits \\(prodigy-vscode merge ${kept.sessionId} merges it\\)$`,
        'm',
      ),
    );
    assert.match(cli(e, ['sessions', 'show', merged.sessionId]).stdout, /^Outcome +merged into main$/m);

    // Merging the kept one later records merged, and it leaves the not-merged list.
    await core.mergeSession({ manager: e.manager, sessionId: kept.sessionId });
    assert.match(cli(e, ['sessions', 'show', kept.sessionId]).stdout, /^Outcome +merged into main$/m);
    assert.doesNotMatch(cli(e, ['sessions', 'list', '--not-merged']).stdout, new RegExp(kept.sessionId));
  });

  it('a MapReduce job with failed items: a warning with the count, and its worktree found from worktree_path', async (t) => {
    const e = engineEnv(t);
    const out = await e.runText(
      mapReduceJob({
        items: [{ name: 'a' }, { name: 'bad' }, { name: 'c' }],
        agent:
          '    - shell: "test ${item.name} != bad && echo ${item.name} > ${item.name}.txt && git add . && git commit -qm ${item.name}"',
      }),
      { merge: 'never' },
    );
    assert.equal(out.status, 'Completed', out.error ?? '');
    const rec = e.record(out.sessionId);
    assert.equal(rec.mapreduce_data.failed_items, 1);
    assert.equal(rec.workflow_data?.worktree_name ?? null, null, 'the record names no worktree_name');
    const [s] = (await e.manager.listSessions()).sessions;
    assert.equal(s.worktree_name, out.sessionId, 'found from metadata.worktree_path');
    assert.equal(s.outcome.kind, 'kept');
    assert.equal(s.outcome.warning, true);
    assert.match(s.outcome.text, /^branch kept · \d+ unmerged commits · 1 of 3 items failed$/);
    // Merge works on it as on any session with a worktree.
    const merged = await core.mergeSession({ manager: e.manager, sessionId: out.sessionId });
    assert.equal(merged.status, 'merged');
    assert.match((await e.manager.listSessions()).sessions[0].outcome.text, /^merged into main · 1 of 3 items failed$/);
  });
});
