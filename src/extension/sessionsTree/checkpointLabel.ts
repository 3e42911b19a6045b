// How a checkpoint row (and a restore message) names a checkpoint: "After 2 · Write the plan (5b707c5)".
// The step comes from its `name:`, else a short form of its command; the full command stays in the tooltip.
import type { CheckpointSummary } from '../../core';

/** How long the step part of a label may get before it is cut at a word. */
const STEP_WIDTH = 48;

/** A pass's label before the step (`input 65 [1/2] · shell: …`, `iteration 2/3 · …`), as runs/runPlan.ts words it. */
const PASS_PREFIX = /^((?:input .*? \[\d+\/\d+\](?:, iteration \d+\/\d+)?|iteration \d+\/\d+)) · /s;

/** A step's display (`claude: /prodigy-code-review`, `shell: cargo test`, `write_file: out.md`): the kind goes. */
const KIND_PREFIX = /^(?:claude|shell|write_file|goose): */;

/**
 * A step's short name: its `name:` as written, or its command without the kind, its first line, cut at a word
 * (`shell: cargo test --all` → `cargo test --all`). A pass's label stays in front (`input 65 [1/2] · …`).
 */
export function shortStepName(stepName: string): string {
  const pass = PASS_PREFIX.exec(stepName);
  const step = pass ? stepName.slice(pass[0].length) : stepName;
  const short = cutAtWord(step.replace(KIND_PREFIX, '').split('\n')[0].replace(/\s+/g, ' ').trim());
  return pass ? `${pass[1]} · ${short}` : short;
}

function cutAtWord(text: string): string {
  if (text.length <= STEP_WIDTH) return text;
  const cut = text.slice(0, STEP_WIDTH);
  const space = cut.lastIndexOf(' ');
  // A long word (a path) is cut where it is; otherwise at the last whole word.
  return `${(space > STEP_WIDTH / 2 ? cut.slice(0, space) : cut).replace(/[\s,;&|]+$/, '')}…`;
}

/**
 * "After 2 · Write the plan (5b707c5)" for a step checkpoint; a safety checkpoint or Prodigy's failure state by its
 * own label ("Before restoring after step 1/3 (1a2b3c4)"); `Checkpoint {ordinal}` (or its id) when nothing else is known.
 */
export function checkpointLabel(c: CheckpointSummary, ordinal?: number): string {
  const commit = c.commit ? ` (${c.commit.slice(0, 7)})` : '';
  if (c.kind === 'session' && c.label) {
    // A restore's safety checkpoint (worktrees/restore.ts labels it `before restoring after step 1/3`).
    const restored = /^before restoring (.+)$/.exec(c.label);
    return `${restored ? `Before the restore to ${restored[1]}` : capitalize(c.label)}${commit}`;
  }
  if (c.step_index !== null) {
    const step = c.step_name ? ` · ${shortStepName(c.step_name)}` : '';
    // A step its when: skipped still has its checkpoint (it counts as done): the row says it did not run.
    return `After ${c.step_index + 1}${step}${c.skipped ? ' (skipped)' : ''}${commit}`;
  }
  return `Checkpoint ${ordinal ?? c.id}${commit}`;
}

function capitalize(text: string): string {
  return text ? text[0].toUpperCase() + text.slice(1) : text;
}
