// The answers a command would otherwise ask the user for, passed in its args object by tests, scripts and
// other commands (`{ confirm: true }`, `{ merge: 'keep', progress: false }`). A tree row, an id or a Uri
// carries none, so every command asks then. A field of the wrong type reads as not given.
import { SESSION_STATUSES, type SessionStatus } from '../../core';
import type { MergeAnswer } from '../messages/runs';
import { field, isArgs, isNonEmptyString, isString, isStringArray } from './targets';

const STATUS_NAMES: ReadonlySet<string> = new Set(SESSION_STATUSES);

/** What a run asks besides the file: the folder it runs in, passes, the merge question, the progress toast. */
export interface RunAnswers {
  readonly folder?: string;
  readonly merge?: MergeAnswer;
  /** false: no progress notification (tests). */
  readonly progress?: boolean;
  readonly iterations?: number;
  readonly inputs?: string[];
  /** Glob patterns, each matching file one input. */
  readonly map?: string[];
  /** One of the workflow's profiles (given: no profile picker). */
  readonly profile?: string;
  /** Values of the workflow's parameters, as typed (given: no parameter prompt). */
  readonly parameters?: Record<string, string>;
}

export function runAnswers(arg: unknown): RunAnswers {
  return {
    folder: field(arg, 'folder', isNonEmptyString),
    merge: field(arg, 'merge', isMergeAnswer),
    progress: field(arg, 'progress', isBoolean),
    iterations: field(arg, 'iterations', isNumber),
    inputs: field(arg, 'inputs', isStringArray),
    map: field(arg, 'map', isStringArray),
    profile: field(arg, 'profile', isNonEmptyString),
    parameters: field(arg, 'parameters', isStringMap),
  };
}

/** `{ confirm: true }`: the caller already said yes to the confirmation. */
export function confirmed(arg: unknown): boolean {
  return field(arg, 'confirm', isBoolean) ?? false;
}

export interface RestoreAnswers {
  readonly confirm: boolean;
  /** Save what is in the way (uncommitted changes, untracked files) and restore anyway. */
  readonly force?: boolean;
  /** Open the files the restore changes (default: when it asks for confirmation). */
  readonly showChanges?: boolean;
}

export function restoreAnswers(arg: unknown): RestoreAnswers {
  return {
    confirm: confirmed(arg),
    force: field(arg, 'force', isBoolean),
    showChanges: field(arg, 'showChanges', isBoolean),
  };
}

export function removeWorktreeAnswer(arg: unknown): boolean | undefined {
  return field(arg, 'removeWorktree', isBoolean);
}

export function olderThanDaysAnswer(arg: unknown): number | undefined {
  return field(arg, 'olderThanDays', isNumber);
}

/** The project folder whose legacy `.prodigy/` migration reads. */
export function projectPathAnswer(arg: unknown): string | undefined {
  return field(arg, 'path', isNonEmptyString);
}

export interface FilterAnswers {
  readonly status?: SessionStatus[];
  readonly text?: string;
  /** Only the sessions whose work is still on their branch (kept, merge conflict, merge failed). */
  readonly notMerged?: boolean;
}

/** The filter to set, when an args object gives one (undefined: ask). */
export function filterAnswers(arg: unknown): FilterAnswers | undefined {
  if (!isArgs(arg)) return undefined;
  return {
    status: field(arg, 'status', isStatusArray),
    text: field(arg, 'text', isString),
    notMerged: field(arg, 'notMerged', isBoolean),
  };
}

function isStringMap(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}

function isBoolean(value: unknown): value is boolean {
  return typeof value === 'boolean';
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isMergeAnswer(value: unknown): value is MergeAnswer {
  return value === 'merge' || value === 'keep' || value === 'discard';
}

function isStatusArray(value: unknown): value is SessionStatus[] {
  return isStringArray(value) && value.every((s) => STATUS_NAMES.has(s));
}
