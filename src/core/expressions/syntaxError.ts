// The one error for a malformed expression (`filter`, `json_path`, `sort_by`, `distinct`, a step's `when`):
// names the setting and the expression, says what is wrong and where (1-based column).
import { ProdigyError } from '../errors';

export type ExpressionKind = 'filter' | 'json_path' | 'sort_by' | 'distinct' | 'when';

export class ExpressionSyntaxError extends ProdigyError {
  /**
   * @param position 0-based offset into `expression` where the problem is (the message shows it 1-based).
   * @param problem what is wrong, e.g. `expected a value, found end of expression`.
   */
  constructor(
    readonly kind: ExpressionKind,
    readonly expression: string,
    readonly position: number,
    readonly problem: string,
  ) {
    super(`Invalid ${kind} "${expression}" at column ${position + 1}: ${problem}`);
  }
}

/** How a token appears in an error: `found ")"`, `found end of expression`. */
export function describeFound(text: string, pos: number): string {
  if (pos >= text.length) return 'found end of expression';
  const rest = text.slice(pos);
  const word = /^[\p{L}\p{N}_-]+/u.exec(rest)?.[0] ?? /^(?:==|!=|>=|<=|&&|\|\||\.\.)/.exec(rest)?.[0] ?? [...rest][0];
  return `found ${JSON.stringify(word.length > 20 ? `${word.slice(0, 20)}…` : word)}`;
}
