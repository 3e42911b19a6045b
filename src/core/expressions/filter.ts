// The work-item `filter` language (prodigy-workflows.md §6.8 item 2), parsed once into a predicate.
//
//   or      := and (("||" | OR) and)*                      OR binds loosest
//   and     := unary (("&&" | AND) unary)*
//   unary   := "!" unary | primary
//   primary := "(" or ")" | function | path [op value | "in" list | "matches" string]
//   op      := "==" | "=" | "!=" | ">" | "<" | ">=" | "<="
//   value   := 'string' | "string" | number | true | false | null
//   list    := "[" [value ("," value)*] "]"
//   function:= contains|starts_with|ends_with|matches "(" path "," value ")" | length "(" path "," number ")"
//            | is_null|is_not_null|is_number|is_string|is_bool|is_array|is_object "(" path ")"
//   path    := name ("." name | "[" n "]" | "['key']")*  |  "@" (the item itself) followed by the same
//
// Meaning. Values of different JSON types never compare (a number against a string is false, under every
// operator, `!=` included). A missing field is false under every operator and function, except that
// `== null` is true for a missing field and for null (Prodigy's rule), and `!= null` needs a present, non-null
// value. A bare path (no operator) is true when the field is present and neither null nor false.
// AND/OR are case-insensitive words. Infix `path matches 're'` is accepted as well as `matches(path, 're')`
// (Prodigy itself rejects the infix form). Regexes are JavaScript's; a leading `(?i)`, `(?m)` or `(?s)`
// (Rust's inline flags) becomes the flag.
import { ExpressionKind, ExpressionSyntaxError, describeFound } from './syntaxError';
import {
  FieldPath,
  NAME_CHAR,
  compareStrings,
  getPath,
  isObject,
  jsonEqual,
  parseFieldPathAt,
  readQuoted,
  skipSpaces,
} from './fieldPath';

export type Predicate = (item: unknown) => boolean;
type Literal = string | number | boolean | null;
type CompareOp = '==' | '!=' | '>' | '<' | '>=' | '<=';

/** Compiles a `filter` expression; a malformed one throws `ExpressionSyntaxError` with its column. */
export function compileFilter(expr: string): Predicate {
  const { predicate, end } = parseFilterAt(expr, 0, 'filter');
  if (end < expr.length) {
    throw new ExpressionSyntaxError(
      'filter',
      expr,
      end,
      `expected an operator (== != > < >= <= in matches), && / || / AND / OR, or the end, ${describeFound(expr, end)}`,
    );
  }
  return predicate;
}

/**
 * Parses one filter expression starting at `start` in `text` and stops at the first character that cannot
 * continue it (the `)` closing a JSONPath `[?( … )]`, or the end). `end` is that offset, spaces skipped.
 * Errors name `kind` and the whole `text`, with positions in it.
 */
export function parseFilterAt(
  text: string,
  start: number,
  kind: ExpressionKind,
): { predicate: Predicate; end: number } {
  const parser = new FilterParser(text, start, kind);
  const predicate = parser.parseOr();
  return { predicate, end: skipSpaces(text, parser.pos) };
}

const COMPARE_OPS: readonly string[] = ['==', '!=', '>=', '<=', '=', '>', '<'];

const STRING_FUNCTIONS: Record<string, (value: string, arg: string) => boolean> = {
  starts_with: (v, a) => v.startsWith(a),
  ends_with: (v, a) => v.endsWith(a),
};

const TYPE_FUNCTIONS: Record<string, (value: unknown) => boolean> = {
  is_null: (v) => v === null,
  is_not_null: (v) => v !== null && v !== undefined,
  is_number: (v) => typeof v === 'number',
  is_string: (v) => typeof v === 'string',
  is_bool: (v) => typeof v === 'boolean',
  is_array: (v) => Array.isArray(v),
  is_object: (v) => isObject(v),
};

const FUNCTION_NAMES = ['contains', 'starts_with', 'ends_with', 'matches', 'length', ...Object.keys(TYPE_FUNCTIONS)];

class FilterParser {
  pos: number;

  constructor(
    private readonly text: string,
    start: number,
    private readonly kind: ExpressionKind,
  ) {
    this.pos = start;
  }

  parseOr(): Predicate {
    const parts = [this.parseAnd()];
    while (this.takeSymbol('||') || this.takeWord('or')) parts.push(this.parseAnd());
    return parts.length === 1 ? parts[0] : (item) => parts.some((p) => p(item));
  }

  private parseAnd(): Predicate {
    const parts = [this.parseUnary()];
    while (this.takeSymbol('&&') || this.takeWord('and')) parts.push(this.parseUnary());
    return parts.length === 1 ? parts[0] : (item) => parts.every((p) => p(item));
  }

  private parseUnary(): Predicate {
    this.skip();
    if (this.text[this.pos] === '!' && this.text[this.pos + 1] !== '=') {
      this.pos++;
      const inner = this.parseUnary();
      return (item) => !inner(item);
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Predicate {
    this.skip();
    const { text } = this;
    if (text[this.pos] === '(') {
      const open = this.pos;
      this.pos++;
      const inner = this.parseOr();
      this.skip();
      if (text[this.pos] !== ')') {
        throw this.error(`expected ")" to close the "(" at column ${open + 1}, ${describeFound(text, this.pos)}`);
      }
      this.pos++;
      return inner;
    }
    if (this.pos >= text.length || text[this.pos] === ')') {
      throw this.error(`expected a condition, ${describeFound(text, this.pos)}`);
    }
    const word = /^[\p{L}_][\p{L}\p{N}_-]*/u.exec(text.slice(this.pos))?.[0];
    if (word && text[skipSpaces(text, this.pos + word.length)] === '(') return this.parseFunction(word);
    const path = this.parsePath();
    this.skip();
    const op = COMPARE_OPS.find((o) => text.startsWith(o, this.pos));
    if (op) {
      this.pos += op.length;
      const value = this.parseLiteral();
      return comparison(path, op === '=' ? '==' : (op as CompareOp), value);
    }
    if (this.takeWord('in')) {
      const values = this.parseList();
      return (item) => values.some((v) => equals(getPath(item, path.segments), v));
    }
    if (this.takeWord('matches')) {
      const re = this.parseRegex();
      return (item) => {
        const v = getPath(item, path.segments);
        return typeof v === 'string' && re.test(v);
      };
    }
    return (item) => {
      const v = getPath(item, path.segments);
      return v !== undefined && v !== null && v !== false;
    };
  }

  private parseFunction(name: string): Predicate {
    const namePos = this.pos;
    if (!FUNCTION_NAMES.includes(name)) {
      throw this.error(`unknown function "${name}" (known: ${FUNCTION_NAMES.join(', ')})`, namePos);
    }
    this.pos = skipSpaces(this.text, this.pos + name.length) + 1; // past "("
    this.skip();
    const path = this.parsePath();
    let predicate: Predicate;
    if (name in TYPE_FUNCTIONS) {
      const test = TYPE_FUNCTIONS[name];
      predicate = (item) => test(getPath(item, path.segments));
    } else {
      this.expect(',', `${name}() takes two arguments: a field and a value`);
      if (name === 'matches') {
        const re = this.parseRegex();
        predicate = (item) => {
          const v = getPath(item, path.segments);
          return typeof v === 'string' && re.test(v);
        };
      } else if (name === 'length') {
        const at = skipSpaces(this.text, this.pos);
        const n = this.parseLiteral();
        if (typeof n !== 'number') throw this.error('length() needs a number as its second argument', at);
        predicate = (item) => lengthOf(getPath(item, path.segments)) === n;
      } else if (name === 'contains') {
        const needle = this.parseLiteral();
        predicate = (item) => {
          const v = getPath(item, path.segments);
          if (typeof v === 'string') return typeof needle === 'string' && v.includes(needle);
          return Array.isArray(v) && v.some((el) => jsonEqual(el, needle));
        };
      } else {
        const at = skipSpaces(this.text, this.pos);
        const arg = this.parseLiteral();
        if (typeof arg !== 'string') throw this.error(`${name}() needs a quoted string as its second argument`, at);
        const test = STRING_FUNCTIONS[name];
        predicate = (item) => {
          const v = getPath(item, path.segments);
          return typeof v === 'string' && test(v, arg);
        };
      }
    }
    this.expect(
      ')',
      `${name}() takes ${name in TYPE_FUNCTIONS ? 'one argument: a field' : 'two arguments: a field and a value'}`,
    );
    return predicate;
  }

  private parsePath(): FieldPath {
    const { path, end } = parseFieldPathAt(this.text, this.pos, this.kind);
    this.pos = end;
    return path;
  }

  private parseLiteral(): Literal {
    this.skip();
    const { text } = this;
    const c = text[this.pos];
    if (c === "'" || c === '"') {
      const { value, end } = readQuoted(text, this.pos, this.kind);
      this.pos = end;
      return value;
    }
    const num = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(this.pos));
    if (num && !NAME_CHAR.test(text[this.pos + num[0].length] ?? '')) {
      this.pos += num[0].length;
      return Number(num[0]);
    }
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, this.pos) && !NAME_CHAR.test(text[this.pos + word.length] ?? '')) {
        this.pos += word.length;
        return value;
      }
    }
    const bare = /^[\p{L}_][\p{L}\p{N}_-]*/u.exec(text.slice(this.pos))?.[0];
    throw this.error(
      `expected a value (a quoted string, a number, true, false or null), ${describeFound(text, this.pos)}` +
        (bare ? ` (quote text: '${bare}')` : ''),
    );
  }

  private parseList(): Literal[] {
    this.skip();
    if (this.text[this.pos] !== '[')
      throw this.error(`expected a list like ['a', 'b'] after "in", ${describeFound(this.text, this.pos)}`);
    this.pos++;
    const values: Literal[] = [];
    this.skip();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return values;
    }
    for (;;) {
      values.push(this.parseLiteral());
      this.skip();
      if (this.text[this.pos] === ',') {
        this.pos++;
        continue;
      }
      if (this.text[this.pos] === ']') {
        this.pos++;
        return values;
      }
      throw this.error(`expected "," or "]" in the list, ${describeFound(this.text, this.pos)}`);
    }
  }

  private parseRegex(): RegExp {
    const at = skipSpaces(this.text, this.pos);
    const pattern = this.parseLiteral();
    if (typeof pattern !== 'string') throw this.error('matches needs a quoted regular expression', at);
    try {
      return toRegExp(pattern);
    } catch (e) {
      throw this.error(
        `invalid regular expression: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`,
        at,
      );
    }
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

  /** A keyword, case-insensitive, as a whole word. */
  private takeWord(word: string): boolean {
    this.skip();
    const candidate = this.text.slice(this.pos, this.pos + word.length);
    if (candidate.toLowerCase() !== word || NAME_CHAR.test(this.text[this.pos + word.length] ?? '')) return false;
    this.pos += word.length;
    return true;
  }

  private expect(symbol: string, hint: string): void {
    this.skip();
    if (this.text[this.pos] !== symbol)
      throw this.error(`expected "${symbol}" (${hint}), ${describeFound(this.text, this.pos)}`);
    this.pos++;
  }

  private error(problem: string, at = this.pos): ExpressionSyntaxError {
    return new ExpressionSyntaxError(this.kind, this.text, at, problem);
  }
}

function comparison(path: FieldPath, op: CompareOp, literal: Literal): Predicate {
  const { segments } = path;
  if (literal === null) {
    if (op === '==') return (item) => getPath(item, segments) == null;
    if (op === '!=') return (item) => getPath(item, segments) != null;
    return () => false; // nothing orders against null
  }
  switch (op) {
    case '==':
      return (item) => equals(getPath(item, segments), literal);
    case '!=':
      return (item) => {
        const v = getPath(item, segments);
        return typeof v === typeof literal && v !== null && v !== literal;
      };
    default: {
      const holds = ORDER_TESTS[op];
      return (item) => {
        const order = orderAgainst(getPath(item, segments), literal);
        return order !== undefined && holds(order);
      };
    }
  }
}

const ORDER_TESTS: Record<'>' | '<' | '>=' | '<=', (order: number) => boolean> = {
  '>': (o) => o > 0,
  '<': (o) => o < 0,
  '>=': (o) => o >= 0,
  '<=': (o) => o <= 0,
};

/** `==` against a literal: null matches null and a missing field; otherwise same type and value. */
function equals(value: unknown, literal: Literal): boolean {
  if (literal === null) return value == null;
  return value === literal;
}

/** Sign of value − literal for two numbers or two strings; `undefined` when they do not compare. */
function orderAgainst(value: unknown, literal: Literal): number | undefined {
  if (typeof value === 'number' && typeof literal === 'number') return value - literal;
  if (typeof value === 'string' && typeof literal === 'string') return compareStrings(value, literal);
  return undefined;
}

function lengthOf(value: unknown): number | undefined {
  if (typeof value === 'string') return [...value].length;
  if (Array.isArray(value)) return value.length;
  if (isObject(value)) return Object.keys(value).length;
  return undefined;
}

/** A JavaScript RegExp from a pattern that may start with Rust-style inline flags `(?i)`, `(?ms)`. */
export function toRegExp(pattern: string): RegExp {
  const m = /^\(\?([ims]+)\)/.exec(pattern);
  return m ? new RegExp(pattern.slice(m[0].length), [...new Set(m[1])].join('')) : new RegExp(pattern);
}
