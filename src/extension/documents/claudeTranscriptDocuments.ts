// A Claude call's kept stream (H/logs/claude-streaming/*.jsonl) as a readable, read-only document
// (`prodigy-transcript:/<title>?<query>`): the core renders it (turns, tools, results, usage), this file makes
// the files it names clickable and adds a link to Claude Code's own transcript when that file exists. A
// transcript of a call still running in this window follows it as Claude's activity arrives.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { claudeCodeTranscriptPath, errorMessage, renderTranscript, type TranscriptLink } from '../../core';
import { Disposable, toDisposable } from '../lifecycle';
import type { RunController } from '../runs/runController';

export const TRANSCRIPT_SCHEME = 'prodigy-transcript';

/** How often, at most, an open transcript of a running call is read again. */
const LIVE_REFRESH_MS = 500;

/** What a transcript document shows: the kept stream, named for people, and the session it belongs to. */
export interface TranscriptSource {
  /** The kept stream (absolute path). */
  readonly file: string;
  /** The tab's title: the workflow and the step or item (`fix-bugs · implement`), never a raw id alone. */
  readonly title: string;
  readonly sessionId: string;
}

/** The document's uri: its path's last segment is the tab title, its query the stream and the session. */
export function transcriptUri(source: TranscriptSource): vscode.Uri {
  // A title is one path segment: a slash in a workflow or step name must not start another.
  const title = source.title.replace(/[\\/]/g, '∕').replace(/\s+/g, ' ').trim() || 'Claude transcript';
  return vscode.Uri.from({
    scheme: TRANSCRIPT_SCHEME,
    path: `/${title} (Claude transcript)`,
    query: JSON.stringify({ file: source.file, session: source.sessionId }),
  });
}

function sourceOf(uri: vscode.Uri): { file: string; session: string } | undefined {
  try {
    const q = JSON.parse(uri.query) as { file?: unknown; session?: unknown };
    return typeof q.file === 'string' && typeof q.session === 'string'
      ? { file: q.file, session: q.session }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Claude Code's own transcript of a session: `claudeCodeTranscriptPath` under `~/.claude`, or under
 * `$CLAUDE_CONFIG_DIR` when this process has it (Claude Code keeps its projects there then).
 */
export function claudeCodeTranscriptFile(cwd: string, claudeSessionId: string): string {
  const standard = claudeCodeTranscriptPath(cwd, claudeSessionId);
  const configDir = process.env.CLAUDE_CONFIG_DIR?.trim();
  if (!configDir) return standard;
  return path.join(configDir, 'projects', path.basename(path.dirname(standard)), path.basename(standard));
}

interface Rendered {
  readonly links: readonly TranscriptLink[];
}

export class ClaudeTranscriptDocuments
  extends Disposable
  implements vscode.TextDocumentContentProvider, vscode.DocumentLinkProvider
{
  private readonly changed = this._register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.changed.event;
  /** The links of each open transcript, from its last rendering (the link provider asks after the content). */
  private readonly rendered = new Map<string, Rendered>();
  private readonly pending = new Map<string, NodeJS.Timeout>();

  constructor(runs: RunController) {
    super();
    this._register(vscode.workspace.registerTextDocumentContentProvider(TRANSCRIPT_SCHEME, this));
    this._register(vscode.languages.registerDocumentLinkProvider({ scheme: TRANSCRIPT_SCHEME }, this));
    this._register(
      vscode.workspace.onDidCloseTextDocument((doc) => {
        if (doc.uri.scheme === TRANSCRIPT_SCHEME) this.rendered.delete(doc.uri.toString());
      }),
    );
    // A call in flight: its stream grows as Claude works, and so does the open transcript.
    this._register(
      runs.onEngineEvent((e) => {
        if (e.type === 'claude-activity' || e.type === 'claude-call') this.touch(e.sessionId);
      }),
    );
    this._register(
      toDisposable(() => {
        for (const t of this.pending.values()) clearTimeout(t);
      }),
    );
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const source = sourceOf(uri);
    if (!source) return `Not a Claude transcript: ${uri.toString()}`;
    let content: string;
    try {
      content = await fs.promises.readFile(source.file, 'utf8');
    } catch (err) {
      this.rendered.set(uri.toString(), { links: [] });
      return (
        `The Claude stream this transcript is read from is gone: ${source.file}\n` +
        `(${errorMessage(err)}). Prodigy keeps each call's stream in H/logs/claude-streaming until it is deleted.\n`
      );
    }
    const transcript = renderTranscript(content);
    let text = transcript.text;
    const links = [...transcript.links];
    const own =
      transcript.cwd && transcript.claudeSessionId
        ? claudeCodeTranscriptFile(transcript.cwd, transcript.claudeSessionId)
        : undefined;
    if (own && fs.existsSync(own)) {
      const prefix = "Claude Code's own transcript: ";
      const line = text.split('\n').length - 1;
      text += `\n${prefix}${own}\n`;
      links.push({ line: line + 1, start: prefix.length, end: prefix.length + own.length, target: own });
    }
    this.rendered.set(uri.toString(), { links });
    return text;
  }

  provideDocumentLinks(doc: vscode.TextDocument): vscode.DocumentLink[] {
    const links = this.rendered.get(doc.uri.toString())?.links ?? [];
    const out: vscode.DocumentLink[] = [];
    for (const l of links) {
      // A path Claude named relative to a folder the transcript does not know, or a file since removed: no link
      // that can only fail.
      if (!path.isAbsolute(l.target) || !fs.existsSync(l.target)) continue;
      if (l.line >= doc.lineCount) continue;
      const link = new vscode.DocumentLink(new vscode.Range(l.line, l.start, l.line, l.end), vscode.Uri.file(l.target));
      link.tooltip = `Open ${l.target}`;
      out.push(link);
    }
    return out;
  }

  /** Re-reads the open transcripts of `sessionId`, at most every LIVE_REFRESH_MS each. */
  private touch(sessionId: string): void {
    for (const doc of vscode.workspace.textDocuments) {
      if (doc.uri.scheme !== TRANSCRIPT_SCHEME || sourceOf(doc.uri)?.session !== sessionId) continue;
      const key = doc.uri.toString();
      if (this.pending.has(key)) continue;
      this.pending.set(
        key,
        setTimeout(() => {
          this.pending.delete(key);
          this.changed.fire(doc.uri);
        }, LIVE_REFRESH_MS),
      );
    }
  }
}
