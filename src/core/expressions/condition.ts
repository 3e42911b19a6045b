// The `when:` condition language of a step (Prodigy's docs, "Conditional Execution"), parsed once at load time
// (a malformed condition is a positioned load error) and evaluated against the run's variables at run time.
//
//   or       := and (("||" | "or") and)*                    or binds loosest; and/or/not are case-insensitive
//   and      := unary (("&&" | "and") unary)*
//   unary    := ("!" | "not") unary | compare
//   compare  := operand [op operand]                        one comparison: `a == b == c` is an error
//   op       := "==" | "!=" | "<" | "<=" | ">" | ">=" | "contains" | "=~" | "matches"
//   operand  := "(" or ")" | "${" or "}" | "${" path ":-" text "}" | 'text' | "text" | number | true | false | path
//   path     := name ("." name | "[" digits "]")*            names: letters, digits, _ and - (`${test-step.exit_code}`)
//
// The docs write a condition two ways, `"${x} == 0"` and `"${x == 0}"`; both are this one grammar: `${…}` holds
// a condition, and a bare path in it (or outside it: the docs' `variable == 'value'`) is a variable. A variable
// is its value as ONE operand: never re-read as condition text, so a captured output holding quotes or `&&` cannot
// change the condition. `${…}` inside a quoted string is replaced by the variable's text.
//
// Meaning. A condition that reads an undefined variable is false: the variable alone is false, and so is every
// comparison with it (`!=` included), so `!` of such a comparison is true. Two values that both read as numbers
// (`85`, "85", " 85\n") compare as numbers; `true`/`false` compare as booleans with "true"/"false" text; anything
// else compares as text, with surrounding whitespace ignored (captured output ends in a newline). `<`-style
// comparisons of a number with non-number text are false. A value alone is true unless it is false, 0, null,
// empty, or the text "false" or "0" (a captured `echo false` skips the step). `contains` tests text (or a list's
// elements); `=~`/`matches` tests a regular expression (JavaScript's; a leading `(?i)` becomes the flag).
import { toRegExp } from './filter';
import { readQuoted, skipSpaces } from './fieldPath';
import { ExpressionSyntaxError, describeFound } from './syntaxError';
import { ProdigyError } from '../errors';

/** How a condition reads a variable: `found: false` for an undefined one. */
export type VariableLookup = (path: string) => { found: boolean; value?: unknown };

/** A parsed `when:` condition: `test` evaluates it; `variables` are the paths it reads, in order. */
export interface Condition {
  readonly text: string;
  readonly variables: readonly string[];
  test(lookup: VariableLookup): boolean;
}

type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'contains' | 'matches';

type Node =
  | { type: 'var'; path: string; fallback?: string }
  | { type: 'literal'; value: string | number | boolean }
  | { type: 'text'; parts: Array<string | { path: string }> }
  | { type: 'not'; inner: Node }
  | { type: 'and' | 'or'; parts: Node[] }
  | { type: 'compare'; op: CompareOp; left: Node; right: Node; regex?: RegExp };

/** Parses a `when:` condition; a malformed one throws `ExpressionSyntaxError` (kind `when`) with its column. */
export function compileCondition(text: string): Condition {
  const parser = new ConditionParser(text);
  const root = parser.parseOr();
  const end = skipSpaces(text, parser.pos);
  if (end < text.length) {
    throw new ExpressionSyntaxError(
      'when',
      text,
      end,
      `expected a comparison (== != < <= > >= contains =~), && / || / and / or, or the end, ${describeFound(text, end)}`,
    );
  }
  return {
    text,
    variables: parser.variables,
    test: (lookup) => truthy(evaluate(root, lookup)),
  };
}

const MISSING = Symbol('missing');
type Value = unknown;

const OPERATORS: ReadonlyArray<[string, CompareOp]> = [
  ['==', '=='],
  ['!=', '!='],
  ['=~', 'matches'],
  ['<=', '<='],
  ['>=', '>='],
  ['<', '<'],
  ['>', '>'],
];
const WORD_OPERATORS: ReadonlyArray<[string, CompareOp]> = [
  ['contains', 'contains'],
  ['matches', 'matches'],
];
const KEYWORDS = new Set(['and', 'or', 'not', 'contains', 'matches', 'true', 'false']);
const NAME = /^[\p{L}_][\p{L}\p{N}_-]*/u;
const NAME_CHAR = /[\p{L}\p{N}_-]/u;

class ConditionParser {
  pos = 0;
  readonly variables: string[] = [];

  constructor(private readonly text: string) {}

  parseOr(): Node {
    const parts = [this.parseAnd()];
    while (this.takeSymbol('||') || this.takeWord('or')) parts.push(this.parseAnd());
    return parts.length === 1 ? parts[0] : { type: 'or', parts };
  }

  private parseAnd(): Node {
    const parts = [this.parseUnary()];
    while (this.takeSymbol('&&') || this.takeWord('and')) parts.push(this.parseUnary());
    return parts.length === 1 ? parts[0] : { type: 'and', parts };
  }

  private parseUnary(): Node {
    this.skip();
    if (this.text[this.pos] === '!' && this.text[this.pos + 1] !== '=' && this.text[this.pos + 1] !== '~') {
      this.pos++;
      return { type: 'not', inner: this.parseUnary() };
    }
    if (this.takeWord('not')) return { type: 'not', inner: this.parseUnary() };
    return this.parseCompare();
  }

  private parseCompare(): Node {
    const left = this.parseOperand();
    this.skip();
    const op =
      OPERATORS.find(([s]) => this.text.startsWith(s, this.pos)) ?? WORD_OPERATORS.find(([w]) => this.atWord(w));
    if (!op) return left;
    this.pos += op[0].length;
    const rightAt = skipSpaces(this.text, this.pos);
    const right = this.parseOperand();
    if (op[1] !== 'matches' || right.type !== 'literal' || typeof right.value !== 'string')
      return { type: 'compare', op: op[1], left, right };
    // A literal pattern is checked now, so a bad one is a load error at its column.
    return { type: 'compare', op: op[1], left, right, regex: this.regex(right.value, rightAt) };
  }

  private parseOperand(): Node {
    this.skip();
    const { text } = this;
    const start = this.pos;
    const c = text[start];
    if (c === '(') {
      this.pos++;
      const inner = this.parseOr();
      this.expectClose(')', start);
      return inner;
    }
    if (c === '$' && text[start + 1] === '{') return this.parseBraced();
    if (c === "'" || c === '"') {
      const { value, end } = readQuoted(text, start, 'when');
      this.pos = end;
      return this.textLiteral(value, start);
    }
    const num = /^-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(start));
    if (num && !NAME_CHAR.test(text[start + num[0].length] ?? '')) {
      this.pos += num[0].length;
      return { type: 'literal', value: Number(num[0]) };
    }
    const word = NAME.exec(text.slice(start))?.[0];
    if (word) {
      const lower = word.toLowerCase();
      if (lower === 'true' || lower === 'false') {
        this.pos += word.length;
        return { type: 'literal', value: lower === 'true' };
      }
      if (KEYWORDS.has(lower)) throw this.error(`expected a value or a variable before "${word}"`);
      return this.parsePath();
    }
    if (c === '$' && NAME.test(text.slice(start + 1))) {
      throw this.error(`write a variable as \${name} (or name), not $name`);
    }
    throw this.error(
      `expected a value (a variable like \${name}, a quoted string, a number, true or false) or "(", ${describeFound(text, start)}`,
    );
  }

  /** `${…}`: a variable (with an optional `:-default`), or a whole condition. */
  private parseBraced(): Node {
    const open = this.pos;
    this.pos += 2;
    this.skip();
    if (this.text[this.pos] === '}') throw this.error('empty ${}: expected a variable or a condition inside');
    const word = NAME.exec(this.text.slice(this.pos))?.[0];
    if (word && !KEYWORDS.has(word.toLowerCase())) {
      const save = this.pos;
      const v = this.parsePath();
      if (this.text.startsWith(':-', this.pos)) {
        const close = this.text.indexOf('}', this.pos);
        if (close < 0) throw this.error(`expected "}" to close the "\${" at column ${open + 1}`, this.text.length);
        const fallback = this.text.slice(this.pos + 2, close);
        this.pos = close + 1;
        return { ...(v as { type: 'var'; path: string }), fallback };
      }
      this.pos = save;
    }
    const inner = this.parseOr();
    this.expectClose('}', open, '${');
    return inner;
  }

  private parsePath(): Node {
    const { text } = this;
    const start = this.pos;
    let end = start + (NAME.exec(text.slice(start))?.[0].length ?? 0);
    for (;;) {
      if (text[end] === '.' && /[\p{L}\p{N}_]/u.test(text[end + 1] ?? '')) {
        end += 1;
        while (end < text.length && NAME_CHAR.test(text[end])) end++;
      } else if (text[end] === '[' && /^\[\d+\]/.test(text.slice(end))) {
        end = text.indexOf(']', end) + 1;
      } else break;
    }
    const path = text.slice(start, end);
    this.pos = end;
    this.note(path);
    return { type: 'var', path };
  }

  /** A quoted string; `${name}` inside it is the variable's text. */
  private textLiteral(value: string, at: number): Node {
    if (!value.includes('${')) return { type: 'literal', value };
    const parts: Array<string | { path: string }> = [];
    let last = 0;
    for (const m of value.matchAll(/\$\{([^}]*)\}/g)) {
      const path = m[1].trim();
      if (!/^[\p{L}_][\p{L}\p{N}_-]*(?:\.[\p{L}\p{N}_-]+|\[\d+\])*$/u.test(path))
        throw this.error(`expected a variable name inside \${…} in the string, found ${JSON.stringify(m[0])}`, at);
      parts.push(value.slice(last, m.index), { path });
      this.note(path);
      last = m.index + m[0].length;
    }
    parts.push(value.slice(last));
    return { type: 'text', parts };
  }

  private regex(pattern: string, at: number): RegExp {
    try {
      return toRegExp(pattern);
    } catch (e) {
      const reason = (e as Error).message.replace(/^Invalid regular expression: /, '');
      throw this.error(`invalid regular expression: ${reason}`, at);
    }
  }

  private note(path: string): void {
    if (!this.variables.includes(path)) this.variables.push(path);
  }

  private skip(): void {
    this.pos = skipSpaces(this.text, this.pos);
  }

  private takeSymbol(symbol: string): boolean {
    this.skip();
    if (!this.text.startsWith(symbol, this.pos)) return false;
    this.pos += symbol.length;
    return true;
  }

  private atWord(word: string): boolean {
    const candidate = this.text.slice(this.pos, this.pos + word.length);
    return candidate.toLowerCase() === word && !NAME_CHAR.test(this.text[this.pos + word.length] ?? '');
  }

  private takeWord(word: string): boolean {
    this.skip();
    if (!this.atWord(word)) return false;
    this.pos += word.length;
    return true;
  }

  private expectClose(symbol: string, open: number, opener = '('): void {
    this.skip();
    if (this.text[this.pos] !== symbol) {
      throw this.error(
        `expected "${symbol}" to close the "${opener}" at column ${open + 1}, ${describeFound(this.text, this.pos)}`,
      );
    }
    this.pos++;
  }

  private error(problem: string, at = this.pos): ExpressionSyntaxError {
    return new ExpressionSyntaxError('when', this.text, at, problem);
  }
}

// ---- evaluation ----------------------------------------------------------------------------------

function evaluate(node: Node, lookup: VariableLookup): Value {
  switch (node.type) {
    case 'literal':
      return node.value;
    case 'var': {
      const hit = lookup(node.path);
      if (node.fallback !== undefined && (!hit.found || textOf(hit.value) === '')) return node.fallback;
      return hit.found && hit.value !== undefined ? hit.value : MISSING;
    }
    case 'text': {
      let out = '';
      for (const part of node.parts) {
        if (typeof part === 'string') out += part;
        else {
          const hit = lookup(part.path);
          if (!hit.found) return MISSING;
          out += textOf(hit.value);
        }
      }
      return out;
    }
    case 'not':
      return !truthy(evaluate(node.inner, lookup));
    case 'and':
      return node.parts.every((p) => truthy(evaluate(p, lookup)));
    case 'or':
      return node.parts.some((p) => truthy(evaluate(p, lookup)));
    case 'compare':
      return compare(node, evaluate(node.left, lookup), evaluate(node.right, lookup));
  }
}

function compare(node: Extract<Node, { type: 'compare' }>, left: Value, right: Value): boolean {
  if (left === MISSING || right === MISSING) return false;
  switch (node.op) {
    case 'contains':
      if (Array.isArray(left)) return left.some((el) => equal(el, right));
      return textOf(left).includes(textOf(right));
    case 'matches': {
      let re = node.regex;
      if (!re) {
        try {
          re = toRegExp(textOf(right));
        } catch (e) {
          throw new ProdigyError(`when: "${textOf(right)}" is not a valid regular expression: ${(e as Error).message}`);
        }
      }
      return re.test(textOf(left));
    }
    case '==':
      return equal(left, right);
    case '!=':
      return !equal(left, right);
    default: {
      const order = orderOf(left, right);
      if (order === undefined) return false;
      if (node.op === '<') return order < 0;
      if (node.op === '<=') return order <= 0;
      if (node.op === '>') return order > 0;
      return order >= 0;
    }
  }
}

function equal(a: Value, b: Value): boolean {
  const na = numberOf(a);
  const nb = numberOf(b);
  if (na !== undefined && nb !== undefined) return na === nb;
  if (typeof a === 'boolean' || typeof b === 'boolean') {
    const ba = booleanOf(a);
    const bb = booleanOf(b);
    return ba !== undefined && ba === bb;
  }
  return textOf(a).trim() === textOf(b).trim();
}

/** Sign of a − b for two numbers or two texts that are not numbers; undefined when they do not compare. */
function orderOf(a: Value, b: Value): number | undefined {
  const na = numberOf(a);
  const nb = numberOf(b);
  if (na !== undefined && nb !== undefined) return na - nb;
  if (na !== undefined || nb !== undefined || typeof a === 'boolean' || typeof b === 'boolean') return undefined;
  const ta = textOf(a).trim();
  const tb = textOf(b).trim();
  return ta < tb ? -1 : ta > tb ? 1 : 0;
}

const NUMBER_TEXT = /^\s*-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

function numberOf(v: Value): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && NUMBER_TEXT.test(v)) return Number(v);
  return undefined;
}

function booleanOf(v: Value): boolean | undefined {
  if (typeof v === 'boolean') return v;
  const t = typeof v === 'string' ? v.trim().toLowerCase() : '';
  return t === 'true' ? true : t === 'false' ? false : undefined;
}

function truthy(v: Value): boolean {
  if (v === MISSING || v === null || v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    return t !== '' && t !== 'false' && t !== '0';
  }
  if (Array.isArray(v)) return v.length > 0;
  return true;
}

/** A value as text, as interpolation renders it: strings as is, lists of strings joined with ", ", else JSON. */
function textOf(v: Value): string {
  if (v === MISSING || v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v) && v.every((e) => typeof e === 'string')) return v.join(', ');
  return JSON.stringify(v);
}
