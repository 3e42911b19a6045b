// Commands about a session's Claude calls: Show Claude Transcript (a session's latest call, a checkpoint's
// step, a MapReduce item's agent, read from the stream Prodigy kept) and Continue in Claude Code (a terminal
// running `claude --resume <id>` where the stopped session's last call ran, before resuming the workflow).
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import {
  checkpointStepText,
  displayName,
  findSessionWorktree,
  itemIndex,
  itemLabel,
  listDeadLetters,
  listJobItems,
  readLastLines,
  readTotals,
  summarize,
  worktreeRoots,
  type SessionManager,
} from '../../core';
import { readSettings } from '../config';
import { transcriptUri, type TranscriptSource } from '../documents/claudeTranscriptDocuments';
import { showContinuingInClaude, showNoClaudeSession, showNoTranscript, showTranscriptGone } from '../messages/claude';
import { describeSession } from '../messages/words';
import type { RunController } from '../runs/runController';
import { guarded, livenessOf, nameOf, requireTrust, type CommandContext, type CommandTable } from './context';
import { orList, sessionIdOrPick } from './pickers';
import { toTranscriptTarget, type TranscriptTarget } from './targets';

/**
 * How far back a log is searched for the stream of its latest Claude call: a call's own activity lines
 * (one per tool) come after it, and a long call has hundreds.
 */
const LOG_LINES_SEARCHED = 5000;
const STREAM_LINE = /Claude streaming log: (.+\.jsonl)\s*$/;

export function claudeCommands({ homes, runs }: CommandContext): CommandTable {
  return {
    // A row of any kind that has a transcript; from the palette, a session that used Claude is picked.
    'prodigy.showClaudeTranscript': async (arg) => {
      const { manager } = homes.current;
      const target =
        toTranscriptTarget(arg) ??
        (await pickClaudeSession(manager, runs, arg, 'Show Claude Transcript').then((sessionId) =>
          sessionId ? ({ kind: 'session', sessionId } as const) : undefined,
        ));
      if (!target) return undefined;
      return guarded(`could not show the Claude transcript of ${await nameOf(manager, target.sessionId)}`, async () => {
        const found = await findTranscript(manager, runs, target);
        if (!found.source) {
          showNoTranscript(found.what);
          return undefined;
        }
        if (!fs.existsSync(found.source.file)) {
          showTranscriptGone(found.what, found.source.file);
          return undefined;
        }
        const doc = await vscode.workspace.openTextDocument(transcriptUri(found.source));
        await vscode.window.showTextDocument(doc, { preview: true });
        return doc.uri;
      });
    },

    // Returns the terminal's name and folder (tests read them back from vscode.window.terminals).
    'prodigy.continueInClaude': async (arg) => {
      if (!requireTrust()) return undefined;
      const { manager } = homes.current;
      const id = await pickClaudeSession(manager, runs, arg, 'Continue in Claude Code', ['Failed', 'Paused']);
      if (!id) return undefined;
      return guarded(`could not continue ${await nameOf(manager, id)} in Claude Code`, async () => {
        const session = await manager.getSession(id);
        if (session.status !== 'Failed' && session.status !== 'Paused')
          throw new Error(`it is ${session.status}; only a Failed or Paused session is continued in Claude Code`);
        const last = readTotals(session.metadata)?.last;
        if (!last?.claude_session_id) {
          showNoClaudeSession(describeSession(session));
          return undefined;
        }
        const name = displayName(summarize(session, manager.paths.sessionFile(id)));
        const cwd = await resumeFolder(manager, id, last.cwd);
        const terminal = vscode.window.createTerminal({ name: `${name} (Claude Code)`, cwd });
        terminal.show();
        terminal.sendText(`${shellWord(readSettings().claude.command)} --resume ${shellWord(last.claude_session_id)}`);
        showContinuingInClaude(id, describeSession(session));
        return { name: terminal.name, cwd };
      });
    },
  };
}

/** A session named by `arg`, else one picked among those that used Claude (in `statuses`, by default any). */
function pickClaudeSession(
  manager: SessionManager,
  runs: RunController,
  arg: unknown,
  title: string,
  statuses: Parameters<typeof sessionIdOrPick>[2] = ['Running', 'Paused', 'Failed', 'Completed', 'Cancelled'],
): Promise<string | undefined> {
  return sessionIdOrPick(manager, arg, statuses, {
    title,
    none: `no ${statuses.length < 5 ? `${orList(statuses.map((s) => s.toLowerCase()))} ` : ''}session made a Claude call.`,
    only: (s) => s.cost_usd !== null,
    liveness: livenessOf(runs, manager.paths),
  });
}

/**
 * Where `claude --resume` runs: the folder the call ran in (Claude Code files its sessions by folder, so
 * that is where it finds this one), else the session's worktree when that folder is gone (a MapReduce
 * agent's slot is removed after the map phase).
 */
async function resumeFolder(manager: SessionManager, id: string, cwd: string | null): Promise<string> {
  if (cwd && fs.existsSync(cwd)) return cwd;
  const worktree = await findSessionWorktree(worktreeRoots(manager), id);
  if (worktree && fs.existsSync(worktree.path)) return worktree.path;
  throw new Error(`the folder its Claude call ran in (${cwd ?? 'not recorded'}) is gone, and so is its worktree`);
}

/** `word` as one POSIX shell word (a path with spaces, a quote). */
function shellWord(word: string): string {
  if (/^[\w@%+=:,./-]+$/.test(word)) return word;
  if (process.platform === 'win32') return `"${word.replace(/"/g, '""')}"`;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

// ---- Finding a transcript

interface FoundTranscript {
  /** What it is about, for messages (`"fix-bugs" (started 14:02)`, `item 3 of "fix-bugs" (started 14:02)`). */
  what: string;
  source: TranscriptSource | undefined;
}

async function findTranscript(
  manager: SessionManager,
  runs: RunController,
  target: TranscriptTarget,
): Promise<FoundTranscript> {
  const { sessionId } = target;
  const session = await manager.getSession(sessionId);
  const name = displayName(summarize(session, manager.paths.sessionFile(sessionId)));
  const who = describeSession(session);
  const source = (file: string | null | undefined, part: string | null): TranscriptSource | undefined =>
    file ? { file, sessionId, title: part ? `${name} · ${part}` : name } : undefined;

  if (target.kind === 'checkpoint') {
    const c =
      target.checkpoint ??
      (await manager.listCheckpoints(sessionId)).checkpoints.find((x) => x.id === target.checkpointId);
    if (!c) throw new Error(`it has no checkpoint ${target.checkpointId}`);
    const step = c.step_name ?? checkpointStepText(c);
    return { what: `${who} ${step ?? 'checkpoint'}`, source: source(c.json_log_location, step) };
  }

  if (target.kind === 'item') {
    const { itemId } = target;
    // The agent's log names each of its calls' streams as it starts (so a call still running has one);
    // a failed item's dead-letter entry names its last attempt's.
    const stream =
      target.stream ??
      latestStreamIn(manager.paths.agentLogFile(sessionId, itemId)) ??
      (await failedItemStream(manager, sessionId, itemId));
    // Named by the item itself ("gamma (#3)"), as its row is.
    const job = await listJobItems(manager, sessionId).catch(() => null);
    const index = itemIndex(itemId);
    const label = itemLabel(itemId, index !== null ? job?.work_items[index] : undefined);
    return { what: `${label} of ${who}`, source: source(stream, label) };
  }

  // A session: its latest call, the one in flight included (its log names the stream as the call starts),
  // else the last one its record counted.
  const last = readTotals(session.metadata)?.last;
  const logged = latestStreamIn(manager.paths.sessionLogFile(sessionId));
  const file = logged ?? last?.json_log_location;
  const running = runs.active().find((r) => r.sessionId === sessionId);
  const step = file && file === last?.json_log_location ? last.step : (running?.display ?? null);
  return { what: who, source: source(file, step ? firstLine(step) : null) };
}

/** The stream of the latest Claude call a session's or agent's log names, or null. */
function latestStreamIn(logFile: string): string | null {
  let lines: string[];
  try {
    lines = readLastLines(logFile, LOG_LINES_SEARCHED).lines;
  } catch {
    return null;
  }
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = STREAM_LINE.exec(lines[i]);
    if (m) return m[1];
  }
  return null;
}

async function failedItemStream(manager: SessionManager, sessionId: string, itemId: string): Promise<string | null> {
  try {
    const item = (await listDeadLetters(manager, sessionId)).find((d) => d.item_id === itemId);
    const file = item?.failure_history[item.failure_history.length - 1]?.json_log_location;
    return file?.endsWith('.jsonl') ? file : null;
  } catch {
    return null;
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}
