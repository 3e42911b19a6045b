// A session's log: every line a step printed and every message the run gave, masked, kept
// in H/vscode/logs/{id}.log (so any session's log can be reopened) and passed to listeners.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { errorMessage } from '../errors';
import { writeAllSync, writeFailure } from '../storage/fileWrite';
import type { Activity } from '../claude/callTracker';
import type { EngineListener, MessageLevel, OutputStream } from './events';
import type { SecretMasker } from './secrets';

const ICONS: Record<MessageLevel, string> = { info: 'ℹ️', progress: '🔄', success: '✅', warning: '⚠️', error: '❌' };

export class SessionLog {
  private fd: number | undefined;
  private pending = '';
  private flushQueued = false;

  constructor(
    readonly sessionId: string,
    readonly file: string,
    readonly masker: SecretMasker,
    private readonly listener: EngineListener,
  ) {
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      this.fd = fs.openSync(file, 'a', 0o600);
    } catch (err) {
      this.stop('The session log cannot be written', err);
    }
  }

  output(stream: OutputStream, raw: string): void {
    const line = this.masker.mask(raw);
    this.append(`${stream === 'stderr' ? '  ! ' : '  | '}${line}`);
    this.listener({ type: 'output', sessionId: this.sessionId, stream, line });
  }

  /**
   * A readable line of what Claude is doing (never its raw JSON), for the file and listeners; `tool` is the
   * tool running now. `itemId` names the MapReduce item whose agent it is.
   */
  claude(activity: Activity, tool: string | null, itemId: string | null): void {
    const text = this.masker.mask(activity.text);
    this.append(`  ${text}`);
    this.listener({
      type: 'claude-activity',
      sessionId: this.sessionId,
      itemId,
      kind: activity.kind,
      text,
      tool: tool === null ? null : this.masker.mask(tool),
    });
  }

  /** Where a foreach is (events.ts `foreach-progress`): for listeners only, the file has its log lines. */
  foreachProgress(step: string, done: number, total: number, current: string | undefined, itemId: string | null): void {
    this.listener({
      type: 'foreach-progress',
      sessionId: this.sessionId,
      itemId,
      step: this.masker.mask(step),
      done,
      total,
      ...(current === undefined ? {} : { current: this.masker.mask(current) }),
    });
  }

  /** A message for the file and listeners; `fileNote` is a line written just before it, to the file only. */
  message(level: MessageLevel, raw: string, fileNote?: string): void {
    const text = this.masker.mask(raw);
    this.append(`${fileNote === undefined ? '' : `${this.masker.mask(fileNote)}\n`}${ICONS[level]} ${text}`);
    this.listener({ type: 'message', sessionId: this.sessionId, level, text });
  }

  /** A line for the file only (headers, timestamps). */
  note(raw: string): void {
    this.append(this.masker.mask(raw));
  }

  close(): void {
    this.flush();
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  /**
   * Lines logged in one turn of the event loop (a chunk of output: hundreds of lines of a fast stream) are written
   * together, in one write at the end of that turn, before any other I/O: the file reads the same, and a fast stream
   * costs a write per chunk instead of one per line.
   */
  private append(line: string): void {
    if (this.fd === undefined) return;
    this.pending += `${line}\n`;
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => this.flush());
  }

  private flush(): void {
    this.flushQueued = false;
    if (this.fd === undefined || this.pending === '') return;
    const text = this.pending;
    this.pending = '';
    try {
      writeAllSync(this.fd, text, this.file);
    } catch (err) {
      this.stop('The session log stops here', err);
    }
  }

  /**
   * The log alone does not stop the run (a full disk stops it at the step's checkpoint, with the reason in
   * the record), but it is never silent: the file ends here, and listeners hear why, once.
   */
  private stop(what: string, err: unknown): void {
    this.close();
    this.listener({
      type: 'message',
      sessionId: this.sessionId,
      level: 'warning',
      text: `${what}: ${errorMessage(writeFailure(this.file, err))}`,
    });
  }
}
