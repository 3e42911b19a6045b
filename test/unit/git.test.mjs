// The git layer (core.git) against real git in temp repositories.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { core } from './helpers/env.mjs';
import { caught, commitFile, git, hermeticGit, makeRepo, read, write } from './helpers/git.mjs';

const g = core.git;
const NINE_DIGITS_Z = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/;

hermeticGit({ before, after });

/** A session worktree of a fresh repo, with one commit on its branch touching `file`. */
async function worktreeWithCommit(t, file = 'feature.txt', content = 'from the session\n') {
  const r = makeRepo(t);
  const wt = await g.createSessionWorktree({ repo: r.repo, sessionId: 'session-m1', worktreesRoot: r.worktrees });
  commitFile(wt.path, file, content, 'session work');
  return { ...r, wt };
}

describe('runGit', () => {
  it('resolves output and exit code, and rejects a failure with a GitError naming the folder', async (t) => {
    const { repo } = makeRepo(t);
    const ok = await g.runGit(repo, ['rev-parse', '--abbrev-ref', 'HEAD']);
    assert.deepEqual(ok, { stdout: 'main\n', stderr: '', code: 0 });

    const err = await caught(g.runGit(repo, ['rev-parse', '--verify', 'no-such-ref']));
    assert.ok(err instanceof g.GitError && err instanceof core.ProdigyError);
    assert.deepEqual(err.args, ['rev-parse', '--verify', 'no-such-ref']);
    assert.equal(err.cwd, repo);
    assert.equal(err.code, 128);
    assert.match(err.stderr, /Needed a single revision/);
    assert.equal(err.message, `git rev-parse failed in ${repo}: Needed a single revision`);
    assert.ok(!err.message.includes('\n'));

    const soft = await g.runGit(repo, ['rev-parse', '--verify', 'no-such-ref'], { allowFail: true });
    assert.equal(soft.code, 128);
  });

  it('names a missing folder instead of a confusing ENOENT', async (t) => {
    const { root } = makeRepo(t);
    const err = await caught(g.runGit(path.join(root, 'gone'), ['status']));
    assert.ok(err instanceof g.GitError);
    assert.equal(err.code, null);
    assert.match(err.message, /gone: the folder does not exist$/);
  });

  it('runs git with LC_ALL=C and no prompts, ignoring an inherited GIT_DIR, and adds opts.env', async (t) => {
    const { repo } = makeRepo(t);
    process.env.GIT_DIR = '/nonexistent/.git';
    t.after(() => delete process.env.GIT_DIR);
    const r = await g.runGit(repo, ['-c', 'alias.envdump=!env', 'envdump'], { env: { PRODIGY_PROBE: 'yes' } });
    const env = Object.fromEntries(
      r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    assert.equal(env.LC_ALL, 'C');
    assert.equal(env.GIT_TERMINAL_PROMPT, '0');
    assert.equal(env.PRODIGY_PROBE, 'yes');
    // git sets GIT_DIR for aliases itself; it must be this repo's, not the inherited one.
    assert.notEqual(env.GIT_DIR, '/nonexistent/.git');
  });
});

describe('repository queries', () => {
  it('isGitRepo: a repo yes, a plain or missing folder no', async (t) => {
    const { root, repo } = makeRepo(t);
    fs.mkdirSync(path.join(root, 'plain'));
    assert.equal(await g.isGitRepo(repo), true);
    assert.equal(await g.isGitRepo(path.join(root, 'plain')), false);
    assert.equal(await g.isGitRepo(path.join(root, 'missing')), false);
  });

  it('mainWorktreeRoot: from the repo, a subfolder and a linked worktree; a clear error outside a repo', async (t) => {
    const { root, repo } = makeRepo(t);
    write(repo, 'sub/dir/x.txt', 'x');
    git(repo, 'worktree', 'add', '-q', '-b', 'side', path.join(root, 'linked'));
    assert.equal(await g.mainWorktreeRoot(repo), repo);
    assert.equal(await g.mainWorktreeRoot(path.join(repo, 'sub', 'dir')), repo);
    assert.equal(await g.mainWorktreeRoot(path.join(root, 'linked')), repo);
    fs.mkdirSync(path.join(root, 'plain'));
    const err = await caught(g.mainWorktreeRoot(path.join(root, 'plain')));
    assert.ok(err instanceof g.NotAGitRepositoryError);
    assert.equal(err.message, `Not a git repository: ${path.join(root, 'plain')}`);
  });

  it('currentBranch is null when detached; defaultBranch prefers main, then master, then the current branch', async (t) => {
    const { repo } = makeRepo(t);
    assert.equal(await g.currentBranch(repo), 'main');
    git(repo, 'checkout', '-q', '--detach');
    assert.equal(await g.currentBranch(repo), null);
    assert.equal(await g.defaultBranch(repo), 'main');

    const m = makeRepo(t, { branch: 'master' });
    git(m.repo, 'checkout', '-q', '-b', 'feature/x');
    assert.equal(await g.currentBranch(m.repo), 'feature/x');
    assert.equal(await g.defaultBranch(m.repo), 'master');

    const d = makeRepo(t, { branch: 'develop' });
    assert.equal(await g.defaultBranch(d.repo), 'develop');
  });

  it('commitExists and countCommits', async (t) => {
    const { repo } = makeRepo(t);
    const base = git(repo, 'rev-parse', 'HEAD');
    commitFile(repo, 'a.txt', 'a');
    commitFile(repo, 'b.txt', 'b');
    assert.equal(await g.countCommits(repo, base, 'HEAD'), 2);
    assert.equal(await g.countCommits(repo, 'HEAD', base), 0);
    assert.equal(await g.commitExists(repo, base), true);
    assert.equal(await g.commitExists(repo, 'f'.repeat(40)), false);
    assert.equal(await g.commitExists(repo, 'HEAD^{tree}'), false, 'a tree is not a commit');
  });
});

describe('readHeadSync', () => {
  it('matches git rev-parse HEAD in the main repo, a linked worktree, after pack-refs and when detached', async (t) => {
    const { root, repo } = makeRepo(t);
    commitFile(repo, 'a.txt', 'a');
    assert.match(g.readHeadSync(repo), /^[0-9a-f]{40}$/);
    assert.equal(g.readHeadSync(repo), git(repo, 'rev-parse', 'HEAD'));

    const linked = path.join(root, 'linked');
    git(repo, 'worktree', 'add', '-q', '-b', 'side', linked);
    commitFile(linked, 'side.txt', 'side');
    assert.notEqual(git(linked, 'rev-parse', 'HEAD'), git(repo, 'rev-parse', 'HEAD'));
    assert.equal(g.readHeadSync(linked), git(linked, 'rev-parse', 'HEAD'));

    git(repo, 'pack-refs', '--all');
    assert.ok(!fs.existsSync(path.join(repo, '.git', 'refs', 'heads', 'main')), 'main is only in packed-refs now');
    assert.equal(g.readHeadSync(repo), git(repo, 'rev-parse', 'HEAD'));
    assert.equal(g.readHeadSync(linked), git(linked, 'rev-parse', 'HEAD'));

    git(repo, 'checkout', '-q', '--detach', 'HEAD~1');
    assert.equal(g.readHeadSync(repo), git(repo, 'rev-parse', 'HEAD'));
    assert.equal(await g.headCommit(repo), git(repo, 'rev-parse', 'HEAD'));
  });

  it('is null when there is nothing to read (unborn branch, not a repo); headCommit still asks git', async (t) => {
    const { root } = makeRepo(t);
    const fresh = path.join(root, 'fresh');
    git(root, 'init', '-q', '-b', 'main', fresh);
    assert.equal(g.readHeadSync(fresh), null);
    assert.equal(g.readHeadSync(root), null);
    assert.ok((await caught(g.headCommit(fresh))) instanceof g.GitError);
  });
});

describe('session worktrees', () => {
  it('createSessionWorktree: path, branch, metadata as Prodigy writes it, .gitignore', async (t) => {
    const { repo, worktrees } = makeRepo(t);
    const wt = await g.createSessionWorktree({ repo, sessionId: 'session-abc', worktreesRoot: worktrees });
    const repoDir = path.join(worktrees, 'repo');
    assert.deepEqual(wt, {
      path: path.join(repoDir, 'session-abc'),
      branch: 'prodigy-session-abc',
      originalBranch: 'main',
      repoRoot: repo,
      repoName: 'repo',
      metadataFile: path.join(repoDir, '.metadata', 'session-abc.json'),
    });
    assert.equal(git(wt.path, 'rev-parse', '--abbrev-ref', 'HEAD'), 'prodigy-session-abc');
    assert.equal(git(wt.path, 'rev-parse', 'HEAD'), git(repo, 'rev-parse', 'HEAD'));
    assert.match(git(repo, 'worktree', 'list', '--porcelain'), new RegExp(`worktree ${wt.path}\n`));

    const text = fs.readFileSync(wt.metadataFile, 'utf8');
    assert.ok(!text.endsWith('\n'), 'pretty JSON without a trailing newline, as serde writes it');
    const meta = JSON.parse(text);
    assert.deepEqual(Object.keys(meta), [
      'session_id',
      'worktree_name',
      'branch',
      'original_branch',
      'created_at',
      'updated_at',
      'status',
      'iterations',
      'stats',
      'merged',
      'merged_at',
      'error',
      'merge_prompt_shown',
      'merge_prompt_response',
      'interrupted_at',
      'interruption_type',
      'last_checkpoint',
      'resumable',
    ]);
    assert.match(meta.created_at, NINE_DIGITS_Z);
    assert.equal(meta.updated_at, meta.created_at);
    assert.deepEqual(
      { ...meta, created_at: 'T', updated_at: 'T' },
      {
        session_id: 'session-abc',
        worktree_name: 'session-abc',
        branch: 'prodigy-session-abc',
        original_branch: 'main',
        created_at: 'T',
        updated_at: 'T',
        status: 'in_progress',
        iterations: { completed: 0, max: 10 },
        stats: { files_changed: 0, commits: 0, last_commit_sha: null },
        merged: false,
        merged_at: null,
        error: null,
        merge_prompt_shown: false,
        merge_prompt_response: null,
        interrupted_at: null,
        interruption_type: null,
        last_checkpoint: null,
        resumable: false,
      },
    );
    assert.equal(read(repoDir, '.gitignore'), '.metadata/\n');
    assert.equal(git(repo, 'status', '--porcelain'), '', 'the main checkout is untouched');
  });

  it('keeps an existing .gitignore and records a non-main current branch', async (t) => {
    const { repo, worktrees } = makeRepo(t);
    write(worktrees, 'repo/.gitignore', '.metadata/\n# mine\n');
    git(repo, 'checkout', '-q', '-b', 'feature');
    const wt = await g.createSessionWorktree({ repo, sessionId: 's2', worktreesRoot: worktrees });
    assert.equal(read(worktrees, 'repo/.gitignore'), '.metadata/\n# mine\n');
    assert.equal(wt.originalBranch, 'feature');
    assert.equal(g.readWorktreeState(wt.metadataFile).original_branch, 'feature');
  });

  it('records the default branch when HEAD is detached', async (t) => {
    const { repo, worktrees } = makeRepo(t, { branch: 'master' });
    commitFile(repo, 'a.txt', 'a');
    git(repo, 'checkout', '-q', '--detach', 'HEAD~1');
    const wt = await g.createSessionWorktree({ repo, sessionId: 's-detached', worktreesRoot: worktrees });
    assert.equal(wt.originalBranch, 'master');
    assert.equal(JSON.parse(fs.readFileSync(wt.metadataFile, 'utf8')).original_branch, 'master');
    assert.equal(git(wt.path, 'rev-parse', 'HEAD'), git(repo, 'rev-parse', 'HEAD'), 'created from the detached HEAD');
  });

  it('refuses when the folder or the branch already exists, and rejects unsafe ids', async (t) => {
    const { repo, worktrees } = makeRepo(t);
    await g.createSessionWorktree({ repo, sessionId: 's1', worktreesRoot: worktrees });
    const again = await caught(g.createSessionWorktree({ repo, sessionId: 's1', worktreesRoot: worktrees }));
    assert.ok(again instanceof g.WorktreeExistsError && again instanceof core.ProdigyError);
    assert.match(again.message, /session s1: folder .*s1 already exists/);

    git(repo, 'branch', 'prodigy-s2');
    const branch = await caught(g.createSessionWorktree({ repo, sessionId: 's2', worktreesRoot: worktrees }));
    assert.ok(branch instanceof g.WorktreeExistsError);
    assert.match(branch.message, /branch prodigy-s2 in .*repo already exists/);
    assert.ok(!fs.existsSync(path.join(worktrees, 'repo', 's2')));

    const bad = await caught(g.createSessionWorktree({ repo, sessionId: '../escape', worktreesRoot: worktrees }));
    assert.ok(bad instanceof core.InvalidIdError);
  });

  it('findSessionWorktree looks in every root and every repo folder', async (t) => {
    const { root, repo, worktrees } = makeRepo(t);
    const wt = await g.createSessionWorktree({ repo, sessionId: 'session-find', worktreesRoot: worktrees });
    const empty = path.join(root, 'empty-root');
    fs.mkdirSync(empty);
    assert.deepEqual(await g.findSessionWorktree([path.join(root, 'missing'), empty, worktrees], 'session-find'), wt);
    assert.equal(await g.findSessionWorktree([worktrees], 'session-nope'), null);
    assert.equal(await g.findSessionWorktree([worktrees], '..'), null);

    // Without metadata: the folder is still found; the original branch is unknown.
    fs.rmSync(wt.metadataFile);
    const bare = await g.findSessionWorktree([worktrees], 'session-find');
    assert.equal(bare.path, wt.path);
    assert.equal(bare.originalBranch, '');
    assert.equal(bare.branch, 'prodigy-session-find');
    assert.equal(bare.repoRoot, repo);
  });

  it('removeSessionWorktree: removes folder, metadata, optionally the branch, and logs to cleanup.log', async (t) => {
    const { repo, worktrees } = makeRepo(t);
    const a = await g.createSessionWorktree({ repo, sessionId: 'sa', worktreesRoot: worktrees });
    const b = await g.createSessionWorktree({ repo, sessionId: 'sb', worktreesRoot: worktrees });
    g.updateWorktreeState(a.metadataFile, { merged: true, status: 'merged' });

    await g.removeSessionWorktree(a, { deleteBranch: true });
    assert.ok(!fs.existsSync(a.path) && !fs.existsSync(a.metadataFile));
    assert.equal(git(repo, 'branch', '--list', a.branch), '');
    assert.doesNotMatch(git(repo, 'worktree', 'list'), /sa/);

    write(b.path, 'README.md', 'dirty\n');
    const dirty = await caught(g.removeSessionWorktree(b));
    assert.ok(dirty instanceof g.GitError);
    assert.match(dirty.message, /^git worktree remove failed in .*: .*contains modified or untracked files/);
    assert.ok(fs.existsSync(b.path), 'a dirty worktree is kept without force');
    await g.removeSessionWorktree(b, { force: true });
    assert.ok(!fs.existsSync(b.path));
    assert.equal(git(repo, 'branch', '--list', b.branch), '  prodigy-sb', 'the branch stays unless asked');

    const log = read(worktrees, 'repo/.metadata/cleanup.log');
    const lines = log.split('\n');
    assert.equal(lines.length, 2);
    assert.ok(!log.endsWith('\n'));
    assert.match(
      lines[0],
      /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\] Cleaned up merged worktree session: sa \(branch: prodigy-sa\)$/,
    );
    assert.match(
      lines[1],
      /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\] Removed worktree session: sb \(branch: prodigy-sb\)$/,
    );
  });

  it('removeSessionWorktree prunes a worktree whose folder was deleted by hand', async (t) => {
    const { repo, worktrees } = makeRepo(t);
    const wt = await g.createSessionWorktree({ repo, sessionId: 'gone', worktreesRoot: worktrees });
    fs.rmSync(wt.path, { recursive: true });
    await g.removeSessionWorktree(wt, { deleteBranch: true });
    assert.doesNotMatch(git(repo, 'worktree', 'list', '--porcelain'), /gone/);
    assert.equal(git(repo, 'branch', '--list', wt.branch), '');
  });
});

describe('WorktreeState', () => {
  const prodigyWritten = {
    session_id: 'session-1',
    worktree_name: 'session-1',
    branch: 'prodigy-session-1',
    original_branch: 'main',
    created_at: '2025-01-15T10:30:00.125873412Z',
    updated_at: '2025-01-15T10:31:00Z',
    status: 'interrupted',
    iterations: { completed: 0, max: 10 },
    stats: { files_changed: 0, commits: 0, last_commit_sha: null },
    merged: false,
    merged_at: null,
    error: null,
    merge_prompt_shown: false,
    merge_prompt_response: null,
    interrupted_at: '2025-01-15T10:31:00.5+00:00',
    interruption_type: 'user_interrupt',
    last_checkpoint: {
      iteration: 1,
      timestamp: '2025-01-15T10:31:00Z',
      last_command: '/prodigy-lint',
      last_command_type: { custom: 'lint-all' },
      last_spec_id: null,
      files_modified: ['src/a.rs'],
      command_output: null,
    },
    resumable: true,
  };

  it('reads every value Prodigy writes, and pre-spec-110 files without original_branch', (t) => {
    const { root } = makeRepo(t);
    const file = path.join(root, 'state.json');
    fs.writeFileSync(file, JSON.stringify(prodigyWritten, null, 2));
    assert.deepEqual(g.readWorktreeState(file), prodigyWritten);
    for (const status of g.WORKTREE_STATUSES)
      assert.ok(g.WorktreeState.safeParse({ ...prodigyWritten, status }).success, status);
    for (const t2 of ['termination', 'process_kill', 'unknown'])
      assert.ok(g.WorktreeState.safeParse({ ...prodigyWritten, interruption_type: t2 }).success);

    const { original_branch, ...old } = prodigyWritten;
    assert.equal(original_branch, 'main');
    fs.writeFileSync(file, JSON.stringify(old));
    assert.equal(g.readWorktreeState(file).original_branch, '');
  });

  it('names the file when it is unreadable or missing', (t) => {
    const { root } = makeRepo(t);
    const file = path.join(root, 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ ...prodigyWritten, status: 'InProgress' }));
    const err = (() => {
      try {
        g.readWorktreeState(file);
      } catch (e) {
        return e;
      }
    })();
    assert.ok(err instanceof core.CorruptFileError);
    assert.equal(err.file, file);
    assert.match(err.message, /bad\.json: wrongly shaped: status/);
    assert.throws(() => g.readWorktreeState(path.join(root, 'none.json')), g.WorktreeNotFoundError);
  });

  it('updateWorktreeState applies the patch, bumps updated_at, keeps unknown keys and the field order', (t) => {
    const { root } = makeRepo(t);
    const file = path.join(root, 'state.json');
    const withExtra = { focus: 'performance', ...prodigyWritten, future_field: { x: 1 } };
    fs.writeFileSync(file, JSON.stringify(withExtra, null, 2));
    const mergedAt = '2025-01-15T11:00:00.000000000Z';
    const out = g.updateWorktreeState(file, { merged: true, merged_at: mergedAt, status: 'merged' });
    const onDisk = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.deepEqual(onDisk, out);
    assert.equal(onDisk.focus, 'performance');
    assert.deepEqual(onDisk.future_field, { x: 1 });
    assert.equal(onDisk.status, 'merged');
    assert.equal(onDisk.merged_at, mergedAt);
    assert.equal(onDisk.created_at, prodigyWritten.created_at);
    assert.match(onDisk.updated_at, NINE_DIGITS_Z);
    assert.ok(onDisk.updated_at > prodigyWritten.updated_at);
    assert.deepEqual(Object.keys(onDisk).slice(0, 18), Object.keys(prodigyWritten), '§8 order, unknown keys after');

    const before = fs.readFileSync(file, 'utf8');
    assert.throws(
      () => g.updateWorktreeState(file, { status: 'done' }),
      (e) => e instanceof core.ProdigyError && e.message.includes(file),
    );
    assert.equal(fs.readFileSync(file, 'utf8'), before, 'a rejected update writes nothing');
    assert.deepEqual(
      fs.readdirSync(root).filter((n) => n.endsWith('.tmp')),
      [],
    );
  });
});

describe('working tree changes', () => {
  it('trackedChanges lists staged, unstaged and renamed files; untrackedFiles the rest minus ignored', async (t) => {
    const { repo } = makeRepo(t);
    commitFile(repo, 'a.txt', 'a\n');
    commitFile(repo, 'old name.txt', 'rename me\n');
    commitFile(repo, '.gitignore', 'ignored.log\n');
    assert.deepEqual(await g.trackedChanges(repo), []);

    write(repo, 'a.txt', 'a changed\n');
    write(repo, 'README.md', 'staged\n');
    git(repo, 'add', 'README.md');
    git(repo, 'mv', 'old name.txt', 'new name.txt');
    write(repo, 'fresh file.txt', 'new\n');
    write(repo, 'ignored.log', 'noise\n');

    assert.deepEqual((await g.trackedChanges(repo)).sort(), ['README.md', 'a.txt', 'new name.txt', 'old name.txt']);
    assert.deepEqual(await g.untrackedFiles(repo), ['fresh file.txt']);
  });

  it('saveUncommittedChanges keeps the working tree as is and the change can be applied back', async (t) => {
    const { repo } = makeRepo(t);
    assert.equal(await g.saveUncommittedChanges(repo, 'nothing'), null);
    assert.equal(git(repo, 'stash', 'list'), '');

    write(repo, 'README.md', 'edited\n');
    write(repo, 'untracked.txt', 'stay\n');
    const sha = await g.saveUncommittedChanges(repo, 'prodigy: before restore');
    assert.match(sha, /^[0-9a-f]{40}$/);
    assert.equal(read(repo, 'README.md'), 'edited\n', 'working tree untouched');
    assert.equal(read(repo, 'untracked.txt'), 'stay\n');
    assert.equal(git(repo, 'stash', 'list', '--format=%H %gs'), `${sha} prodigy: before restore`);

    await g.resetHard(repo, 'HEAD');
    assert.equal(read(repo, 'README.md'), 'hello\n');
    git(repo, 'stash', 'apply', '-q', sha);
    assert.equal(read(repo, 'README.md'), 'edited\n');
  });

  it('filesInCommit lists the whole tree of a commit, from any subfolder', async (t) => {
    const { repo } = makeRepo(t);
    const first = git(repo, 'rev-parse', 'HEAD');
    commitFile(repo, 'src/deep/x.ts', 'x');
    assert.deepEqual([...(await g.filesInCommit(repo, first))], ['README.md']);
    assert.deepEqual([...(await g.filesInCommit(path.join(repo, 'src'), 'HEAD'))].sort(), [
      'README.md',
      'src/deep/x.ts',
    ]);
  });

  it('changedFiles reports adds, edits, deletes and renames between commits and against the working tree', async (t) => {
    const { repo } = makeRepo(t);
    commitFile(repo, 'keep.txt', 'keep\n');
    commitFile(repo, 'gone.txt', 'gone\n');
    commitFile(repo, 'move me.txt', 'a file long enough to be detected as a rename\n'.repeat(5));
    const from = git(repo, 'rev-parse', 'HEAD');
    write(repo, 'keep.txt', 'changed\n');
    git(repo, 'rm', '-q', 'gone.txt');
    git(repo, 'mv', 'move me.txt', 'moved.txt');
    write(repo, 'added.txt', 'new\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'mixed');
    const to = git(repo, 'rev-parse', 'HEAD');

    const byPath = (list) => [...list].sort((a, b) => a.path.localeCompare(b.path));
    assert.deepEqual(byPath(await g.changedFiles(repo, from, to)), [
      { status: 'A', path: 'added.txt' },
      { status: 'D', path: 'gone.txt' },
      { status: 'M', path: 'keep.txt' },
      { status: 'R', path: 'moved.txt', oldPath: 'move me.txt' },
    ]);
    assert.deepEqual(await g.changedFiles(repo, to, to), []);
    write(repo, 'added.txt', 'edited, not committed\n');
    assert.deepEqual(await g.changedFiles(repo, to), [{ status: 'M', path: 'added.txt' }]);
  });

  it('keepCommit keeps a commit through branch deletion and gc; resetHard moves HEAD and the files', async (t) => {
    const { repo } = makeRepo(t);
    const base = git(repo, 'rev-parse', 'HEAD');
    git(repo, 'checkout', '-q', '-b', 'tmp1');
    const kept = commitFile(repo, 'kept.txt', 'kept');
    git(repo, 'checkout', '-q', '-b', 'tmp2', base);
    const lost = commitFile(repo, 'lost.txt', 'lost');
    git(repo, 'checkout', '-q', 'main');

    await g.keepCommit(repo, 'refs/prodigy/keep/one', kept);
    assert.equal(git(repo, 'rev-parse', 'refs/prodigy/keep/one'), kept);
    git(repo, 'branch', '-q', '-D', 'tmp1', 'tmp2');
    git(repo, 'reflog', 'expire', '--expire=now', '--all');
    git(repo, 'gc', '-q', '--prune=now');
    assert.equal(await g.commitExists(repo, kept), true);
    assert.equal(await g.commitExists(repo, lost), false, 'control: an unkept commit is collected');
    await assert.rejects(
      g.keepCommit(repo, 'HEAD', kept),
      (e) => e instanceof core.ProdigyError && /must start with refs\//.test(e.message),
    );

    await g.resetHard(repo, kept);
    assert.equal(git(repo, 'rev-parse', 'HEAD'), kept);
    assert.equal(read(repo, 'kept.txt'), 'kept');
  });
});

describe('mergeBranch', () => {
  it('merges the session branch with a --no-ff merge commit', async (t) => {
    const { repo, wt } = await worktreeWithCommit(t);
    commitFile(wt.path, 'second.txt', 'two\n');
    const before = git(repo, 'rev-parse', 'HEAD');
    const result = await g.mergeBranch({ repo, branch: wt.branch, target: wt.originalBranch });
    assert.equal(result.status, 'merged');
    assert.equal(result.commits, 2);
    assert.equal(result.mergeCommit, git(repo, 'rev-parse', 'HEAD'));
    assert.equal(git(repo, 'rev-parse', 'HEAD^1'), before);
    assert.equal(git(repo, 'rev-parse', 'HEAD^2'), git(repo, 'rev-parse', wt.branch));
    assert.equal(git(repo, 'log', '-1', '--format=%s'), "Merge branch 'prodigy-session-m1' into main");
    assert.equal(
      git(repo, 'log', '-1', '--format=%an <%ae>'),
      'Test User <test@example.com>',
      'the configured identity is used',
    );
    assert.equal(read(repo, 'feature.txt'), 'from the session\n');
    assert.equal(git(repo, 'status', '--porcelain'), '');

    assert.deepEqual(await g.mergeBranch({ repo, branch: wt.branch, target: 'main' }), { status: 'up-to-date' });
  });

  it('is up-to-date when the branch has no commits of its own', async (t) => {
    const { repo, worktrees } = makeRepo(t);
    const wt = await g.createSessionWorktree({ repo, sessionId: 'idle', worktreesRoot: worktrees });
    commitFile(repo, 'main-only.txt', 'main moved on');
    const head = git(repo, 'rev-parse', 'HEAD');
    assert.deepEqual(await g.mergeBranch({ repo, branch: wt.branch, target: 'main' }), { status: 'up-to-date' });
    assert.equal(git(repo, 'rev-parse', 'HEAD'), head);
  });

  it('on a conflict aborts, leaving the checkout, the branch and the worktree exactly as they were', async (t) => {
    const { repo, wt } = await worktreeWithCommit(t, 'README.md', 'session version\n');
    commitFile(repo, 'README.md', 'main version\n');
    write(repo, 'notes.txt', 'untracked and unrelated\n');
    write(repo, 'a-local-edit.txt', '');
    const head = git(repo, 'rev-parse', 'HEAD');
    const branchTip = git(repo, 'rev-parse', wt.branch);
    const statusBefore = git(repo, 'status', '--porcelain');

    const result = await g.mergeBranch({ repo, branch: wt.branch, target: 'main', message: 'custom message' });
    assert.deepEqual(result, { status: 'conflict', conflicts: ['README.md'] });
    assert.equal(git(repo, 'rev-parse', 'HEAD'), head);
    assert.equal(read(repo, 'README.md'), 'main version\n');
    assert.equal(read(repo, 'notes.txt'), 'untracked and unrelated\n');
    assert.equal(git(repo, 'status', '--porcelain'), statusBefore);
    assert.ok(!fs.existsSync(path.join(repo, '.git', 'MERGE_HEAD')));
    assert.equal(git(repo, 'rev-parse', wt.branch), branchTip);
    assert.equal(read(wt.path, 'README.md'), 'session version\n');
    assert.equal(git(wt.path, 'status', '--porcelain'), '');
  });

  it('refuses when another branch is checked out, or the branch does not exist', async (t) => {
    const { repo, wt } = await worktreeWithCommit(t);
    git(repo, 'checkout', '-q', '-b', 'elsewhere');
    const err = await caught(g.mergeBranch({ repo, branch: wt.branch, target: 'main' }));
    assert.ok(err instanceof g.MergeRefusedError && err instanceof core.ProdigyError);
    assert.equal(
      err.message,
      `Cannot merge prodigy-session-m1 into main in ${repo}: elsewhere is checked out. Check out main in ${repo} to merge, or merge prodigy-session-m1 yourself`,
    );
    assert.equal(git(repo, 'rev-parse', '--abbrev-ref', 'HEAD'), 'elsewhere');

    git(repo, 'checkout', '-q', 'main');
    const missing = await caught(g.mergeBranch({ repo, branch: 'prodigy-nope', target: 'main' }));
    assert.ok(missing instanceof g.MergeRefusedError);
    assert.match(missing.message, /branch prodigy-nope does not exist/);
  });

  it('refuses over uncommitted changes the merge would touch or staged changes, but merges around unrelated edits', async (t) => {
    const { repo, wt } = await worktreeWithCommit(t, 'README.md', 'session version\n');
    write(repo, 'README.md', 'my local edit\n');
    const touched = await caught(g.mergeBranch({ repo, branch: wt.branch, target: 'main' }));
    assert.ok(touched instanceof g.MergeRefusedError);
    assert.match(touched.message, /uncommitted changes to README\.md, which the merge changes/);
    assert.equal(read(repo, 'README.md'), 'my local edit\n');

    git(repo, 'checkout', '-q', '--', 'README.md');
    commitFile(repo, 'other.txt', 'other\n');
    write(repo, 'other.txt', 'staged edit\n');
    git(repo, 'add', 'other.txt');
    const staged = await caught(g.mergeBranch({ repo, branch: wt.branch, target: 'main' }));
    assert.ok(staged instanceof g.MergeRefusedError);
    assert.match(staged.message, /staged changes in other\.txt/);

    git(repo, 'reset', '-q');
    const result = await g.mergeBranch({ repo, branch: wt.branch, target: 'main' });
    assert.equal(result.status, 'merged');
    assert.equal(read(repo, 'other.txt'), 'staged edit\n', 'the unrelated local edit survives');
    assert.equal(read(repo, 'README.md'), 'session version\n');
  });

  it('refuses when untracked files in the main checkout would be overwritten', async (t) => {
    const { repo, wt } = await worktreeWithCommit(t, 'new.txt', 'from the session\n');
    write(repo, 'new.txt', 'mine, untracked\n');
    const err = await caught(g.mergeBranch({ repo, branch: wt.branch, target: 'main' }));
    assert.ok(err instanceof g.MergeRefusedError);
    assert.match(err.message, /untracked new\.txt would be overwritten/);
    assert.equal(read(repo, 'new.txt'), 'mine, untracked\n');
  });

  it('never aborts a merge the user has in progress', async (t) => {
    const { repo, wt } = await worktreeWithCommit(t);
    git(repo, 'checkout', '-q', '-b', 'theirs');
    commitFile(repo, 'README.md', 'theirs\n');
    git(repo, 'checkout', '-q', 'main');
    commitFile(repo, 'README.md', 'ours\n');
    assert.throws(() => git(repo, 'merge', 'theirs'));
    const err = await caught(g.mergeBranch({ repo, branch: wt.branch, target: 'main' }));
    assert.ok(err instanceof g.MergeRefusedError);
    assert.match(err.message, /a merge is already in progress/);
    assert.ok(fs.existsSync(path.join(repo, '.git', 'MERGE_HEAD')), "the user's merge is still there");
  });

  it('makes the merge commit with a fallback identity when none is configured anywhere', async (t) => {
    const r = makeRepo(t, { identity: false });
    // hermeticGit: no system config, an empty global config, no identity in the environment.
    assert.throws(() => git(r.repo, 'var', 'GIT_COMMITTER_IDENT'), 'git itself has no identity here');
    const wt = await g.createSessionWorktree({ repo: r.repo, sessionId: 'anon', worktreesRoot: r.worktrees });
    commitFile(wt.path, 'feature.txt', 'x\n');
    const result = await g.mergeBranch({ repo: r.repo, branch: wt.branch, target: 'main' });
    assert.equal(result.status, 'merged');
    assert.equal(
      git(r.repo, 'log', '-1', '--format=%an <%ae>|%cn <%ce>|%P'),
      `Prodigy <prodigy@localhost>|Prodigy <prodigy@localhost>|${git(r.repo, 'rev-parse', 'HEAD^1')} ${git(r.repo, 'rev-parse', wt.branch)}`,
    );
    assert.throws(
      () => git(r.repo, 'config', '--get', 'user.email'),
      'the fallback lives in the environment only, never in config',
    );
  });
});
