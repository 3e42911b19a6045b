// Prodigy's git context variables (docs/git-context): what a step, or the workflow so far, changed in git —
// `step.files_added` … `step.deletions`, the same under `workflow.`, and the `merge.*` set of a custom merge.
// Computed from the real git in the step's folder.
import { runGit } from '../git';
import type { Variables } from './interpolation';

export interface GitChanges {
  added: string[];
  modified: string[];
  deleted: string[];
  commits: string[];
  insertions: number;
  deletions: number;
}

/** Untracked files (not ignored) now: a step's new files that nobody committed are "added" too. */
export async function untrackedSet(cwd: string): Promise<Set<string>> {
  const r = await runGit(cwd, ['ls-files', '--others', '--exclude-standard', '-z'], { allowFail: true });
  return new Set(r.code === 0 ? r.stdout.split('\0').filter(Boolean) : []);
}

/**
 * What changed since commit `base`: the commits made on top of it, and the files that differ between it and the
 * working tree (committed or not), plus untracked files that were not there before (`untrackedBefore`).
 */
export async function changesSince(cwd: string, base: string, untrackedBefore: Set<string>): Promise<GitChanges> {
  const [status, numstat, revs, untracked] = await Promise.all([
    runGit(cwd, ['diff', '--no-renames', '--name-status', '-z', base], { allowFail: true }),
    runGit(cwd, ['diff', '--no-renames', '--numstat', base], { allowFail: true }),
    runGit(cwd, ['rev-list', '--reverse', `${base}..HEAD`], { allowFail: true }),
    untrackedSet(cwd),
  ]);
  const out: GitChanges = { added: [], modified: [], deleted: [], commits: [], insertions: 0, deletions: 0 };
  if (status.code === 0) {
    const parts = status.stdout.split('\0');
    for (let i = 0; i + 1 < parts.length; i += 2) {
      const [code, file] = [parts[i], parts[i + 1]];
      if (code === 'A') out.added.push(file);
      else if (code === 'D') out.deleted.push(file);
      else if (code) out.modified.push(file);
    }
  }
  for (const file of untracked) if (!untrackedBefore.has(file)) out.added.push(file);
  if (numstat.code === 0)
    for (const line of numstat.stdout.split('\n')) {
      const [ins, del] = line.split('\t');
      if (/^\d+$/.test(ins)) out.insertions += Number(ins);
      if (/^\d+$/.test(del)) out.deletions += Number(del);
    }
  if (revs.code === 0) out.commits = revs.stdout.split('\n').filter(Boolean);
  return out;
}

/** `step.*` or `workflow.*`: file and commit lists space-separated (Prodigy's format), counts as numbers. */
export function gitContextVariables(scope: 'step' | 'workflow', c: GitChanges): Variables {
  const changed = [...new Set([...c.added, ...c.modified, ...c.deleted])].sort();
  return {
    [`${scope}.files_added`]: c.added.join(' '),
    [`${scope}.files_modified`]: c.modified.join(' '),
    [`${scope}.files_deleted`]: c.deleted.join(' '),
    [`${scope}.files_changed`]: changed.join(' '),
    [`${scope}.commits`]: c.commits.join(' '),
    [`${scope}.commit_count`]: c.commits.length,
    [`${scope}.insertions`]: c.insertions,
    [`${scope}.deletions`]: c.deletions,
  };
}

// The docs' caps, so a huge branch does not flood a prompt.
const MERGE_COMMIT_CAP = 100;
const MERGE_FILE_CAP = 500;

/**
 * The `merge.*` git set for a custom merge (docs: git-merge-variables): the commits `branch` has over `target`
 * (`merge.commits`, JSON objects with id, short_id, author, message, timestamp, parent_ids, stats, files_changed),
 * `merge.commit_ids` (short ids, comma-separated), and the files it changes (`merge.modified_files`, JSON objects
 * with path and status; `merge.file_list` comma-separated). Git failing gives the documented empty defaults.
 */
export async function mergeGitVariables(repo: string, target: string, branch: string): Promise<Variables> {
  const empty: Variables = {
    'merge.commits': [],
    'merge.commit_count': 0,
    'merge.commit_ids': '',
    'merge.modified_files': [],
    'merge.file_count': 0,
    'merge.file_list': '',
  };
  const FS = '\x1f';
  const log = await runGit(
    repo,
    [
      'log',
      '--reverse',
      `--max-count=${MERGE_COMMIT_CAP}`,
      `--format=%H${FS}%h${FS}%an${FS}%ae${FS}%aI${FS}%cn${FS}%ce${FS}%cI${FS}%P${FS}%T${FS}%s`,
      `${target}..${branch}`,
    ],
    { allowFail: true },
  );
  const files = await runGit(repo, ['diff', '--no-renames', '--name-status', '-z', `${target}...${branch}`], {
    allowFail: true,
  });
  if (log.code !== 0 || files.code !== 0) return empty;
  const commits = [];
  for (const line of log.stdout.split('\n').filter(Boolean)) {
    const [id, short, an, ae, at, cn, ce, ct, parents, tree, message] = line.split(FS);
    const stat = await runGit(repo, ['show', '--numstat', '--format=', id], { allowFail: true });
    const changed: string[] = [];
    let insertions = 0;
    let deletions = 0;
    for (const l of stat.stdout.split('\n').filter(Boolean)) {
      const [ins, del, file] = l.split('\t');
      if (/^\d+$/.test(ins)) insertions += Number(ins);
      if (/^\d+$/.test(del)) deletions += Number(del);
      if (file) changed.push(file);
    }
    commits.push({
      id,
      short_id: short,
      author: { name: an, email: ae, timestamp: at },
      committer: { name: cn, email: ce, timestamp: ct },
      message,
      timestamp: at,
      parent_ids: parents ? parents.split(' ') : [],
      tree_id: tree,
      stats: { files_changed: changed.length, insertions, deletions },
      files_changed: changed,
    });
  }
  const parts = files.stdout.split('\0');
  const modified: Array<{ path: string; status: string }> = [];
  for (let i = 0; i + 1 < parts.length && modified.length < MERGE_FILE_CAP; i += 2)
    if (parts[i]) modified.push({ path: parts[i + 1], status: statusWord(parts[i]) });
  return {
    'merge.commits': commits,
    'merge.commit_count': commits.length,
    'merge.commit_ids': commits.map((c) => c.short_id).join(','),
    'merge.modified_files': modified,
    'merge.file_count': modified.length,
    'merge.file_list': modified.map((f) => f.path).join(','),
  };
}

function statusWord(code: string): string {
  return code === 'A' ? 'added' : code === 'D' ? 'deleted' : 'modified';
}
