// Where the cursor is in a block-style YAML document, by indentation alone: the path of the mapping whose
// key is being typed (`['commands', 0, 'on_failure']`), and the keys that mapping already has. Works on
// half-typed text, which a YAML parser would reject, so completion keeps working while a step is written.
// Flow style (`{a: 1}`) is not followed: completion offers nothing inside it. No `vscode` here.

export type KeyPath = Array<string | number>;

interface LineShape {
  /** Column of the first character that is not a space. */
  indent: number;
  /** Columns of the `- ` item markers at the start of the line. */
  items: number[];
  /** Column where the content after the markers starts. */
  contentCol: number;
  /** The key at `contentCol`, when the content is `key:` (unquoted or quoted). */
  key?: string;
  /** What follows `key:` on the line, trimmed ('' for a block that continues below). */
  value?: string;
}

const KEY = /^(?:"([^"]*)"|'([^']*)'|([^\s#'"{}[\],&*!|>%@`-][^:#]*?|-[^\s:#][^:#]*?))\s*:(?:\s+(.*))?$/;

function shape(text: string): LineShape | undefined {
  let i = 0;
  while (i < text.length && text[i] === ' ') i++;
  if (i === text.length || text[i] === '#') return undefined;
  const indent = i;
  const items: number[] = [];
  while (text[i] === '-' && (i + 1 === text.length || text[i + 1] === ' ')) {
    items.push(i);
    i++;
    while (text[i] === ' ') i++;
  }
  const m = KEY.exec(text.slice(i).trimEnd());
  if (!m) return { indent, items, contentCol: i };
  return { indent, items, contentCol: i, key: m[1] ?? m[2] ?? m[3], value: (m[4] ?? '').trim() };
}

/** `key:` with nothing after it (or only a comment): its value is the block below. */
function opensBlock(s: LineShape): boolean {
  return s.key !== undefined && (s.value === '' || s.value!.startsWith('#'));
}

/**
 * The path of the node at `col` on line `line`: a mapping whose keys are at `col` ('map'), or a sequence
 * whose `- ` markers are at `col` ('seq'). Undefined when the text above does not hold it (inside a
 * multi-line scalar, a flow collection, a broken indentation).
 */
function pathOf(lines: readonly string[], line: number, col: number, kind: 'map' | 'seq'): KeyPath | undefined {
  const here = shape(lines[line] ?? '');
  if (here) {
    // The first key of a list item (`- shell: x`), or a nested item (`- - x`): the item marker on this line.
    const marker =
      kind === 'map'
        ? here.contentCol === col && here.items.length
          ? here.items[here.items.length - 1]
          : undefined
        : here.items[here.items.indexOf(col) - 1];
    if (marker !== undefined) {
      const seq = pathOf(lines, line, marker, 'seq');
      return seq && [...seq, 0];
    }
  }
  for (let k = line - 1; k >= 0; k--) {
    const s = shape(lines[k]);
    if (!s || s.indent > col) continue;
    if (kind === 'map') {
      if (s.contentCol === col) {
        if (s.items.length) {
          const seq = pathOf(lines, k, s.items[s.items.length - 1], 'seq');
          return seq && [...seq, 0];
        }
        continue; // a sibling key
      }
      if (s.contentCol > col) continue; // a sequence at the keys' column, or deeper content
      if (!opensBlock(s)) return undefined;
      const parent = pathOf(lines, k, s.contentCol, 'map');
      return parent && [...parent, s.key!];
    }
    if (s.indent === col && s.items.length) continue; // a sibling item
    if (s.contentCol <= col && opensBlock(s)) {
      const parent = pathOf(lines, k, s.contentCol, 'map');
      return parent && [...parent, s.key!];
    }
    return undefined;
  }
  return [];
}

export interface KeyPosition {
  /** The mapping the key is (being) written in. */
  readonly path: KeyPath;
  /** Keys that mapping already has, other than the one at the cursor. */
  readonly siblings: ReadonlySet<string>;
  /** Column where the key starts, and the part of it before the cursor. */
  readonly col: number;
  readonly typed: string;
}

/**
 * When the cursor (0-based `line`, `character`) is where a key is written (`  - sh|`, an empty line in a
 * step), the mapping it belongs to; undefined in a value, a comment or flow style.
 */
export function keyPositionAt(lines: readonly string[], line: number, character: number): KeyPosition | undefined {
  const text = lines[line] ?? '';
  const before = /^( *)((?:- +)*)([A-Za-z_$][\w.$-]*)?$/.exec(text.slice(0, character));
  if (!before) return undefined;
  const typed = before[3] ?? '';
  const col = character - typed.length;
  const path = pathOf(lines, line, col, 'map');
  if (!path) return undefined;
  return { path, siblings: siblingKeys(lines, line, col), col, typed };
}

/** The key under the cursor (for hover): its name, the path of its mapping and its column span. */
export function keyAt(
  lines: readonly string[],
  line: number,
  character: number,
): { path: KeyPath; key: string; start: number; end: number } | undefined {
  const s = shape(lines[line] ?? '');
  if (!s?.key) return undefined;
  const quoted = /^["']/.test((lines[line] ?? '').slice(s.contentCol));
  const start = s.contentCol;
  const end = start + s.key.length + (quoted ? 2 : 0);
  if (character < start || character > end) return undefined;
  const path = pathOf(lines, line, start, 'map');
  return path && { path, key: s.key, start, end };
}

function siblingKeys(lines: readonly string[], line: number, col: number): Set<string> {
  const keys = new Set<string>();
  const here = shape(lines[line] ?? '');
  const opensItem = here !== undefined && here.items.length > 0 && here.contentCol === col;
  if (!opensItem)
    for (let k = line - 1; k >= 0; k--) {
      const s = shape(lines[k]);
      if (!s || s.indent > col) continue;
      if (s.indent === col) {
        if (!s.items.length && s.key !== undefined) keys.add(s.key);
        continue;
      }
      // Above the mapping: the line that opens its list item (`- shell: x`) has one of its keys.
      if (s.items.length && s.contentCol === col && s.key !== undefined) keys.add(s.key);
      break;
    }
  for (let k = line + 1; k < lines.length; k++) {
    const s = shape(lines[k]);
    if (!s || s.indent > col) continue;
    if (s.indent < col) break;
    if (!s.items.length && s.key !== undefined) keys.add(s.key);
  }
  return keys;
}
