// Reading the command line against the command table: first which command (its words may come after
// global options), then that command's own options and positionals. An option the command does not
// take, a missing or extra argument and a value that does not fit are usage errors naming the command.
import { parseArgs } from 'node:util';
import { COMMAND_TABLE, isGroup } from './commandTable';
import { UsageError } from './io';
import { GLOBAL_OPTIONS, OPTIONS } from './options';
import { flag, longName, ValueError, type Command, type Group, type OptionSpec, type RawValues } from './spec';

export type Invocation =
  | { kind: 'overview' }
  | { kind: 'version' }
  | { kind: 'help'; target: Command | Group }
  | { kind: 'command'; command: Command; values: RawValues; args: unknown[] };

const TOP_LEVEL: Record<string, OptionSpec> = { ...GLOBAL_OPTIONS, version: flag('Print the version') };
/** Every option any command takes: enough to tell option values from command words. */
const EVERY_OPTION: Record<string, OptionSpec> = { ...OPTIONS, ...TOP_LEVEL };
const EVERY_LONG_NAME = new Set(Object.keys(EVERY_OPTION).map(longName));

type Token = NonNullable<ReturnType<typeof parseArgs>['tokens']>[number];

export function parseCommandLine(argv: string[]): Invocation {
  const tokens = tokenize(argv, EVERY_OPTION);
  const words = tokens.filter((t) => t.kind === 'positional');
  const helpAsked = tokens.some((t) => t.kind === 'option' && t.name === 'help');
  const beforeCommand = tokens.filter((t) => t.index < (words[0]?.index ?? argv.length));
  if (words.length === 0) {
    checkOptions(beforeCommand, TOP_LEVEL, null);
    return beforeCommand.some((t) => t.kind === 'option' && t.name === 'version') && !helpAsked
      ? { kind: 'version' }
      : { kind: 'overview' };
  }
  // A command's own options may come before its words too (its parse below checks them); an option no
  // command has is named here, or its value-looking neighbour would be taken for the command.
  const unknown = beforeCommand.find((t) => t.kind === 'option' && !EVERY_LONG_NAME.has(t.name));
  if (unknown?.kind === 'option') throw new UsageError(`unknown option ${unknown.rawName}`);
  if (words[0].value === 'help') return helpFor(words.slice(1).map((w) => w.value));

  const entry = findTopLevel(words[0].value);
  if (!entry) throw new UsageError(`unknown command "${words[0].value}"`);
  const used = new Set([words[0].index]);
  let command: Command;
  if (isGroup(entry)) {
    const sub = words[1];
    if (!sub) {
      if (helpAsked) return { kind: 'help', target: entry };
      throw new UsageError(`missing a command: ${choices(entry)}`, entry.name);
    }
    const found = entry.subcommands.find((c) => c.path[1] === sub.value || c.aliases.includes(sub.value));
    if (!found)
      throw new UsageError(
        `unknown command "${entry.name} ${sub.value}": ${entry.name} takes ${choices(entry)}`,
        entry.name,
      );
    command = found;
    used.add(sub.index);
  } else command = entry;

  return parseFor(
    command,
    argv.filter((_, i) => !used.has(i)),
  );
}

/** The options and positionals of one command, from what follows its words. */
function parseFor(command: Command, argv: string[]): Invocation {
  const specs: Record<string, OptionSpec> = { ...GLOBAL_OPTIONS, ...command.options };
  const where = command.path.join(' ');
  const tokens = tokenize(argv, specs);
  // --help anywhere wins over whatever else is wrong: it is how one finds out what is right.
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help')) return { kind: 'help', target: command };
  const values = checkOptions(tokens, specs, where);

  const given = tokens.flatMap((t) => (t.kind === 'positional' ? [t.value] : []));
  const expected = command.positionals;
  const required = expected.filter((p) => !p.optional).length;
  if (given.length < required) throw new UsageError(`missing <${expected[given.length].name}>`, where);
  if (given.length > expected.length) throw new UsageError(`unexpected argument "${given[expected.length]}"`, where);
  const args = given.map((raw, i) => {
    const parse = expected[i].parse;
    if (!parse) return raw;
    try {
      return parse(raw);
    } catch (err) {
      if (err instanceof ValueError) throw new UsageError(err.message, where);
      throw err;
    }
  });
  return { kind: 'command', command, values, args };
}

/**
 * Every option token checked against `specs`, and their values by key: flags false and counts 0
 * when absent, repeatable texts [], the others undefined; a repeated single value keeps the last.
 */
function checkOptions(tokens: Token[], specs: Record<string, OptionSpec>, where: string | null): RawValues {
  const keyOf = optionKeys(specs);
  const values: RawValues = {};
  for (const [key, spec] of Object.entries(specs))
    values[key] = spec.kind === 'flag' ? false : spec.kind === 'count' ? 0 : spec.kind === 'texts' ? [] : undefined;
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    const key = keyOf.get(t.name);
    const spec = key === undefined ? undefined : specs[key];
    if (key === undefined || !spec) throw new UsageError(`unknown option ${t.rawName}`, where ?? undefined);
    const needs = `${t.rawName} needs a value (${spec.value})`;
    switch (spec.kind) {
      case 'flag':
      case 'count':
        if (t.value !== undefined) throw new UsageError(`${t.rawName} takes no value`, where ?? undefined);
        values[key] = spec.kind === 'flag' ? true : Number(values[key]) + 1;
        break;
      default: {
        // Without strict parsing, `--limit --json` would take "--json" as the limit.
        if (t.value === undefined || (!t.inlineValue && /^-[^\d]/.test(t.value)))
          throw new UsageError(needs, where ?? undefined);
        const value = spec.kind === 'parsed' ? parseValue(spec, t.rawName, t.value, where) : t.value;
        const before = values[key];
        values[key] = spec.kind === 'texts' ? [...(Array.isArray(before) ? before : []), value] : value;
      }
    }
  }
  return values;
}

function parseValue(spec: OptionSpec, rawName: string, value: string, where: string | null): unknown {
  try {
    return spec.parse ? spec.parse(value) : value;
  } catch (err) {
    if (err instanceof ValueError)
      throw new UsageError(`${rawName} ${err.message}, not "${value}"`, where ?? undefined);
    throw err;
  }
}

/** Option keys by their long spelling: `dry-run` → dryRun. */
function optionKeys(specs: Record<string, OptionSpec>): Map<string, string> {
  return new Map(Object.keys(specs).map((k) => [longName(k), k]));
}

/** `help`, `help sessions`, `help sessions list`. */
function helpFor(words: string[]): Invocation {
  if (words.length === 0) return { kind: 'overview' };
  const entry = findTopLevel(words[0]);
  if (!entry) throw new UsageError(`unknown command "${words[0]}"`);
  if (words.length === 1) return { kind: 'help', target: entry };
  const sub = isGroup(entry)
    ? entry.subcommands.find((c) => c.path[1] === words[1] || c.aliases.includes(words[1]))
    : undefined;
  if (!sub || words.length > 2) throw new UsageError(`unknown command "${words.join(' ')}"`);
  return { kind: 'help', target: sub };
}

/** `list, show or clean`. */
function choices(group: Group): string {
  const words = group.subcommands.map((c) => c.path[1]);
  return words.length > 1 ? `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}` : words[0];
}

function findTopLevel(word: string): Command | Group | undefined {
  return COMMAND_TABLE.find((e) => (isGroup(e) ? e.name === word : e.path[0] === word || e.aliases.includes(word)));
}

/** Node's tokenizer, not strict: the checks and their messages are ours. */
function tokenize(argv: string[], specs: Record<string, OptionSpec>): Token[] {
  const options: Record<string, { type: 'boolean' | 'string'; short?: string }> = {};
  for (const [key, spec] of Object.entries(specs)) {
    options[longName(key)] = {
      type: spec.kind === 'flag' || spec.kind === 'count' ? 'boolean' : 'string',
      ...(spec.short ? { short: spec.short } : {}),
    };
  }
  return parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true }).tokens;
}
