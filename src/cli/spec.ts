// The shape of a command in the CLI's table: its words, positionals and options, each with a one-line
// explanation. The parser reads options from here and the help is printed from here, so they cannot drift.
import type { SessionManager } from '../core';
import type { Io } from './io';
import type { GLOBAL_OPTIONS, OPTIONS } from './options';

/** Commands take options from the shared catalogue only: the parser finds command words with it. */
export type OptionKey = keyof typeof OPTIONS | keyof typeof GLOBAL_OPTIONS;

/** How an option takes its value; the command receives the matching type (see OptionValue). */
export type OptionKind = 'flag' | 'count' | 'text' | 'texts' | 'parsed';

export interface OptionSpec<T = unknown> {
  kind: OptionKind;
  /** One letter: `-p` for --path. */
  short?: string;
  /** The value's name in help and usage: DIR, N. Options that take no value have none. */
  value?: string;
  /** One line for the help. */
  help: string;
  /** `parsed` options: turns the text into the value, or throws a ValueError saying what it needs. */
  parse?: (raw: string) => T;
  /** Internal (the VS Code extension's runner uses it): parsed like any other, left out of the help. */
  hidden?: boolean;
}

export interface PositionalSpec<T = string> {
  /** Shown as <name> in usage lines and error messages. */
  name: string;
  help: string;
  optional?: boolean;
  /** Checks the text before the command runs (a session id that could not name a file is refused). */
  parse?: (raw: string) => T;
  /**
   * Names a session: a MapReduce job id given here is turned into its session's id before the command runs
   * (SessionManager.resolveSessionId), so every command that takes a session takes a job id too.
   */
  session?: boolean;
}

type Option<K extends OptionKind, T = never> = OptionSpec<T> & { kind: K };

export const flag = (help: string, short?: string): Option<'flag'> => ({ kind: 'flag', help, short });
/** Repeatable: `-vvv` counts 3. */
export const count = (help: string, short?: string): Option<'count'> => ({ kind: 'count', help, short });
export const text = (value: string, help: string, short?: string): Option<'text'> => ({
  kind: 'text',
  value,
  help,
  short,
});
/** Repeatable, each occurrence one value: `--map a --map b`. */
export const texts = (value: string, help: string, short?: string): Option<'texts'> => ({
  kind: 'texts',
  value,
  help,
  short,
});
export const parsed = <T>(
  value: string,
  help: string,
  parse: (raw: string) => T,
  short?: string,
): Option<'parsed', T> => ({
  kind: 'parsed',
  value,
  help,
  parse,
  short,
});

/** What a command body receives for one option. */
export type OptionValue<S> = S extends { kind: 'flag' }
  ? boolean
  : S extends { kind: 'count' }
    ? number
    : S extends { kind: 'texts' }
      ? string[]
      : S extends { kind: 'parsed'; parse?: (raw: string) => infer T }
        ? T | undefined
        : string | undefined;

export type OptionValues<O> = { [K in keyof O]: OptionValue<O[K]> };

/** A positional is its text unless it has a parse; an optional one may be absent. */
type PositionalValue<S> =
  (S extends { parse: (raw: string) => infer T } ? T : string) | (S extends { optional: true } ? undefined : never);

export type PositionalValues<P extends readonly PositionalSpec<unknown>[]> = { [K in keyof P]: PositionalValue<P[K]> };

/** What every command body is given: the Io to print on, the session store (opened on first use), its arguments. */
export interface CommandContext<O, P extends readonly PositionalSpec<unknown>[]> {
  io: Io;
  manager(): SessionManager;
  opts: OptionValues<O>;
  args: PositionalValues<P>;
}

/** The values the parser read, by option key (a flag, a count, one text, several texts, or a parsed value). */
export type RawValues = Record<string, unknown>;

export interface Command {
  /** The words that name it: ['sessions', 'list']. */
  path: string[];
  /** Other spellings of its last word: `ls` for `list`. */
  aliases: string[];
  /** One line for the overview. */
  summary: string;
  /** The paragraphs of its own help. */
  description: string;
  positionals: readonly PositionalSpec<unknown>[];
  options: Record<string, OptionSpec>;
  /** 'read': its body only reads the home (the core's store facade), so it runs from the small dist/cli-read.js. */
  runner?: 'read';
  /**
   * Answers from a cache the entry can read without loading the core (`sessions list --json` unchanged), printing
   * to `io` and returning true; false: run the command. `home` is the --home given, if any.
   */
  fromCache?(io: Io, opts: RawValues, home: string | undefined): boolean;
  invoke(io: Io, manager: () => SessionManager, opts: RawValues, args: unknown[]): Promise<number>;
}

/** Commands under one word: `sessions list|show|…`. */
export interface Group {
  name: string;
  summary: string;
  description: string;
  subcommands: Command[];
}

/**
 * One command: its options and positionals typed for its body. The parser fills the values from
 * these same specs (every option key present, every required positional there, every value parsed),
 * which is what makes the one widening below sound.
 */
export function defineCommand<
  O extends { [K in keyof O]: K extends OptionKey ? OptionSpec : never },
  const P extends readonly PositionalSpec<unknown>[],
>(def: {
  path: string[];
  aliases?: string[];
  summary: string;
  description: string;
  positionals: P;
  options: O;
  runner?: 'read';
  fromCache?(io: Io, opts: OptionValues<O>, home: string | undefined): boolean;
  run(ctx: CommandContext<O, P>): Promise<number>;
}): Command {
  const fromCache = def.fromCache;
  return {
    path: def.path,
    aliases: def.aliases ?? [],
    summary: def.summary,
    description: def.description,
    positionals: def.positionals,
    options: def.options,
    runner: def.runner,
    fromCache: fromCache && ((io, opts, home) => fromCache(io, opts as OptionValues<O>, home)),
    invoke: async (io, manager, opts, args) => {
      const resolved = await resolveSessions(def.positionals, args, manager);
      return def.run({ io, manager, opts: opts as OptionValues<O>, args: resolved as unknown as PositionalValues<P> });
    },
  };
}

/** The one place where a session positional given as a job id becomes the session's id. */
async function resolveSessions(
  specs: readonly PositionalSpec<unknown>[],
  args: unknown[],
  manager: () => SessionManager,
): Promise<unknown[]> {
  if (!specs.some((s, i) => s.session && typeof args[i] === 'string')) return args;
  return Promise.all(
    args.map((a, i) => (specs[i]?.session && typeof a === 'string' ? manager().resolveSessionId(a) : a)),
  );
}

/** `dryRun` is spelled `--dry-run`. */
export function longName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** A value that does not fit an option: the parser names the option and what was given. */
export class ValueError extends Error {}
