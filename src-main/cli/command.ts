import { parseArgs } from 'node:util';
import type { CliOutput } from './output';

/** One option: what parseArgs needs, plus what the help says about it. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  default?: string | boolean | string[];
  /** What it does, in a line ("0 = unlimited" where that applies). */
  help: string;
  /** The value's placeholder in the help (FILE, N, URL); strings only. */
  value?: string;
}
export type OptionSpecs = Record<string, OptionSpec>;

type ValueOf<S extends OptionSpec> = S['type'] extends 'boolean' ? (S['multiple'] extends true ? boolean[] : boolean) : S['multiple'] extends true ? string[] : string;

/** Parsed option values: present when given or defaulted. */
export type OptionValues<O extends OptionSpecs> = {
  [K in keyof O]: O[K]['default'] extends string | boolean | string[] ? ValueOf<O[K]> : ValueOf<O[K]> | undefined;
};

/** The same options with no defaults: for an `edit` command, an option not given keeps what is saved. */
export type WithoutDefaults<O extends OptionSpecs> = { [K in keyof O]: Omit<O[K], 'default'> & { default?: undefined } };

export function withoutDefaults<const O extends OptionSpecs>(options: O): WithoutDefaults<O> {
  return Object.fromEntries(Object.entries(options).map(([name, { default: _unused, ...option }]) => [name, option])) as WithoutDefaults<O>;
}

export interface CommandInput<O extends OptionSpecs> {
  values: OptionValues<O>;
  positionals: string[];
}

/** A command (`backup`) or a subcommand (`site add`): its options, its help, and what it does. */
export interface CommandSpec<O extends OptionSpecs = OptionSpecs> {
  /** As typed: `backup`, `site add`. */
  name: string;
  summary: string;
  /** Synopsis lines, each after `sitevault `. */
  usage: string[];
  /** Paragraphs after the synopsis, when the summary is not enough. */
  details?: string[];
  positionals?: Array<{ name: string; help: string }>;
  options: O;
  /** Environment variables the command reads: name → what for. */
  env?: Record<string, string>;
  /** Exit codes beyond 0, 1 and 2. */
  exitCodes?: Record<number, string>;
  /** `--read-data` alone means 100: arguments rewritten before parsing. */
  normalize?: (args: string[]) => string[];
  run(input: CommandInput<O>, io: CliOutput, env: NodeJS.ProcessEnv): Promise<number>;
}

/** A command made of subcommands (`site add|list|…`). */
export interface CommandGroup {
  name: string;
  summary: string;
  subcommands: CommandSpec[];
}

export type CommandEntry = CommandSpec | CommandGroup;

export function isGroup(entry: CommandEntry): entry is CommandGroup {
  return 'subcommands' in entry;
}

/** Keeps the option literals' types (for `values`) while checking them against OptionSpecs. */
export function defineCommand<const O extends OptionSpecs>(spec: CommandSpec<O>): CommandSpec {
  return spec as unknown as CommandSpec;
}

export function parseCommand<O extends OptionSpecs>(spec: CommandSpec<O>, args: string[]): CommandInput<O> {
  const options = Object.fromEntries(
    Object.entries(spec.options).map(([name, { type, short, multiple, default: fallback }]) => [
      name,
      { type, ...(short ? { short } : {}), ...(multiple ? { multiple } : {}), ...(fallback !== undefined ? { default: fallback } : {}) },
    ]),
  );
  const parsed = parseArgs({ args: spec.normalize ? spec.normalize(args) : args, options, allowPositionals: true, strict: true });
  return { values: parsed.values as OptionValues<O>, positionals: parsed.positionals };
}

/** Whether the arguments ask for help rather than for work. */
export function wantsHelp(args: readonly string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}

const STANDARD_EXITS: Record<number, string> = { 0: 'done', 1: 'failed (the message says why)', 2: 'wrong usage (an unknown option, a missing value)' };

function table(rows: Array<[string, string]>, indent = '  '): string[] {
  const width = Math.min(32, Math.max(...rows.map(([left]) => left.length)) + 2);
  return rows.map(([left, right]) => (left.length + 2 > width ? `${indent}${left}\n${indent}${' '.repeat(width)}${right}` : `${indent}${left.padEnd(width)}${right}`));
}

function optionLabel(name: string, option: OptionSpec): string {
  const flag = `${option.short ? `-${option.short}, ` : ''}--${name}`;
  return option.type === 'string' ? `${flag} ${option.value ?? 'VALUE'}` : flag;
}

function defaultNote(option: OptionSpec): string {
  if (option.default === undefined || option.default === false) return '';
  if (Array.isArray(option.default)) return '';
  return ` Default: ${String(option.default)}.`;
}

/** The help of one command, made from its own definition so that the two cannot drift. */
export function commandHelp(spec: CommandSpec): string {
  const lines = [`sitevault ${spec.name}: ${spec.summary}`, '', 'Usage:', ...spec.usage.map((u) => `  sitevault ${u}`)];
  if (spec.details?.length) lines.push('', ...spec.details);
  if (spec.positionals?.length) lines.push('', 'Arguments:', ...table(spec.positionals.map((p) => [p.name, p.help])));
  const options = Object.entries(spec.options).map(([name, option]): [string, string] => [optionLabel(name, option), `${option.help}${defaultNote(option)}`]);
  options.push(['-h, --help', 'Show this help.']);
  lines.push('', 'Options:', ...table(options));
  if (spec.env && Object.keys(spec.env).length > 0) lines.push('', 'Environment:', ...table(Object.entries(spec.env)));
  const exits = { ...STANDARD_EXITS, ...spec.exitCodes };
  lines.push('', 'Exit codes:', ...table(Object.entries(exits).map(([code, meaning]) => [code, meaning])));
  return lines.join('\n');
}

export function groupHelp(group: CommandGroup): string {
  return [
    `sitevault ${group.name}: ${group.summary}`,
    '',
    'Commands:',
    ...table(group.subcommands.map((sub) => [sub.name, sub.summary])),
    '',
    `Run 'sitevault ${group.name} COMMAND --help' for one command's options.`,
  ].join('\n');
}
