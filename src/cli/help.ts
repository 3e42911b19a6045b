// The help texts, printed from the command table the parser reads: the overview (`--help`), a group's
// (`sessions --help`) and a command's own (`sessions list --help`): usage line, description, options.
import { COMMAND_TABLE, isGroup } from './commandTable';
import { GLOBAL_OPTIONS } from './options';
import { flag, longName, type Command, type Group, type OptionSpec } from './spec';

const PROGRAM = 'prodigy-vscode';
const WIDTH = 100;
const VERSION_OPTION = { version: flag('Print the version') };

export function overviewHelp(): string {
  const rows: [string, string][] = [];
  for (const entry of COMMAND_TABLE) {
    for (const c of isGroup(entry) ? entry.subcommands : [entry]) rows.push([commandWords(c), c.summary]);
  }
  rows.push(['help [<command>]', "Show this help, or a command's"]);
  return [
    `Usage: ${PROGRAM} [--home DIR] <command> [options]`,
    '',
    wrap(
      'Runs Prodigy workflows as sessions with checkpoints, and works on the sessions of the Prodigy home: ' +
        '--home DIR, else $PRODIGY_HOME, else ~/.prodigy.',
    ),
    '',
    'Commands:',
    columns(rows),
    '',
    'Global options:',
    optionRows({ ...GLOBAL_OPTIONS, ...VERSION_OPTION }),
    '',
    wrap(`\`${PROGRAM} <command> --help\` (or \`${PROGRAM} help <command>\`) shows a command's options.`),
    wrap('Exit codes: 0 done, 1 failed, 2 usage error, 3 merge not done, 130 stopped (Ctrl-C).'),
  ].join('\n');
}

export function groupHelp(group: Group): string {
  return [
    `Usage: ${PROGRAM} ${group.name} <${group.subcommands.map((c) => c.path[1]).join('|')}> [options]`,
    '',
    wrap(group.description),
    '',
    'Commands:',
    columns(group.subcommands.map((c) => [commandWords(c), c.summary])),
    '',
    wrap(`\`${PROGRAM} ${group.name} <command> --help\` shows a command's options.`),
  ].join('\n');
}

export function commandHelp(command: Command): string {
  const own = Object.fromEntries(
    Object.entries(command.options).filter(([k, spec]) => !(k in GLOBAL_OPTIONS) && !spec.hidden),
  );
  // A command may say in its own words what a global option does there (-v on run).
  const globals = Object.fromEntries(
    Object.entries(GLOBAL_OPTIONS).map(([k, spec]) => [k, command.options[k] ?? spec]),
  );
  const lines = [usageLine(command, own), '', ...command.description.split('\n').map((p) => wrap(p))];
  if (command.positionals.length)
    lines.push(
      '',
      'Arguments:',
      columns(command.positionals.map((p) => [`<${p.name}>`, `${p.help}${p.optional ? ' (optional)' : ''}`])),
    );
  if (Object.keys(own).length) lines.push('', 'Options:', optionRows(own));
  lines.push('', 'Global options:', optionRows(globals));
  const words = command.path.slice(0, -1);
  if (command.aliases.length)
    lines.push('', `Also spelled: ${command.aliases.map((a) => [PROGRAM, ...words, a].join(' ')).join(', ')}`);
  return lines.join('\n');
}

/** `sessions show <session-id>`, `worktree clean [<session-id>]`. */
function commandWords(c: Command): string {
  return [...c.path, ...c.positionals.map((p) => (p.optional ? `[<${p.name}>]` : `<${p.name}>`))].join(' ');
}

/** `Usage: prodigy-vscode sessions list [--json] [--status S] [--limit N]`, wrapped under itself. */
function usageLine(command: Command, options: Record<string, OptionSpec>): string {
  const parts = Object.entries(options).map(([key, spec]) => {
    const name = spec.short ? `-${spec.short}` : `--${longName(key)}`;
    const repeat = spec.kind === 'texts' || spec.kind === 'count' ? '…' : '';
    return `[${name}${spec.value ? ` ${spec.value}` : ''}]${repeat}`;
  });
  return fill(parts, `Usage: ${PROGRAM} ${commandWords(command)}`, '  ');
}

function optionRows(options: Record<string, OptionSpec>): string {
  return columns(
    Object.entries(options).map(([key, spec]) => {
      const long = `--${longName(key)}${spec.value ? ` ${spec.value}` : ''}`;
      return [spec.short ? `-${spec.short}, ${long}` : `    ${long}`, spec.help];
    }),
  );
}

/** Two columns: names padded to the widest, explanations wrapped under themselves. */
function columns(rows: [string, string][]): string {
  const left = Math.min(Math.max(...rows.map(([name]) => name.length)), 40);
  const indent = ' '.repeat(2 + left + 2);
  return rows
    .map(([name, text]) =>
      name.length > left
        ? `  ${name}\n${fill(text.split(' '), indent, indent)}`
        : fill(text.split(' '), `  ${name.padEnd(left)}  `, indent),
    )
    .join('\n');
}

/** A paragraph wrapped at WIDTH. */
function wrap(text: string): string {
  return fill(text.split(' '), '', '');
}

/** Greedy fill of `units` (words, or whole `[--map GLOB]…` parts) at WIDTH after `first`; later lines start with `indent`. */
function fill(units: string[], first: string, indent: string): string {
  const lines: string[] = [];
  let line = first;
  // A `first` that ends in a space (a padded name) takes the first unit as it is; otherwise a space between.
  let empty = first === '' || first.endsWith(' ');
  for (const unit of units) {
    if (!empty && line.length + 1 + unit.length > WIDTH) {
      lines.push(line);
      line = indent;
      empty = true;
    }
    line = empty ? `${line}${unit}` : `${line} ${unit}`;
    empty = false;
  }
  lines.push(line);
  return lines.join('\n');
}
