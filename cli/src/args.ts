import { parseArgs } from 'node:util';
import type { z } from 'zod';
import { UsageError } from './errors.ts';

/**
 * The command line: `agent-marketplace <command> [<subcommand>] <arguments> [options]`, options anywhere.
 * Each command declares its arguments and options; node:util parseArgs does the rest.
 */
export interface OptionSpec {
  type: 'string' | 'boolean';
  /** The value's name in help (`--notes <file>`). */
  value?: string;
  description: string;
  required?: boolean;
}

export type Options = Record<string, OptionSpec>;

export interface CommandSpec<C = unknown> {
  /** One or two words: `publish`, `publishers create`. */
  name: string;
  /** `<id>` required, `[dir]` optional, in order. */
  args: string[];
  summary: string;
  /** More help, printed under the usage line. */
  details?: string;
  options: Options;
  run(ctx: C, input: ParsedInput): Promise<number | void>;
}

export interface ParsedInput {
  args: Record<string, string | undefined>;
  /** The command's own options, by name; booleans false when absent. */
  opts: Record<string, string | boolean | undefined>;
}

/** What usage and messages call the binary (`am` is the same file under a short name). */
export const PROGRAM = 'agent-marketplace';

export const GLOBAL_OPTIONS: Options = {
  api: { type: 'string', value: 'url', description: 'The API base (AM_API_URL; default http://127.0.0.1:5000, the local stack)' },
  'api-key': { type: 'string', value: 'key', description: "The project's Firebase web API key (AM_FIREBASE_API_KEY; default demo-api-key, the emulator's)" },
  json: { type: 'boolean', description: 'Print the result as JSON (errors too, on stderr)' },
  help: { type: 'boolean', description: 'Show help' },
};

export interface Globals {
  api: string | undefined;
  apiKey: string | undefined;
  json: boolean;
}

export type CommandLine<C> =
  | { kind: 'help'; command: CommandSpec<C> | null }
  | { kind: 'run'; command: CommandSpec<C>; input: ParsedInput; globals: Globals };

type ParseOptions = Record<string, { type: 'string' | 'boolean'; short?: string }>;

const parseOptionsOf = (options: Options): ParseOptions =>
  Object.fromEntries(Object.entries(options).map(([name, o]) => [name, name === 'help' ? { type: o.type, short: 'h' } : { type: o.type }]));

/** The command the positionals name: the longest match of two words, then one. */
function findCommand<C>(commands: CommandSpec<C>[], words: string[]): CommandSpec<C> | null {
  const two = words.slice(0, 2).join(' ');
  return commands.find((c) => c.name === two) ?? commands.find((c) => c.name === words[0]) ?? null;
}

/** parseArgs' messages name the option: keep them, minus its advice about `--` that does not fit here. */
const parseArgsMessage = (err: unknown) => (err as Error).message.replace(/\. To specify a positional argument.*$/s, '.');

export function parseCommandLine<C>(argv: string[], commands: CommandSpec<C>[]): CommandLine<C> {
  // First pass, loose: every known option with its type, so option values are not taken for
  // command words. Unknown options are caught by the strict second pass.
  const every: Options = Object.assign({}, GLOBAL_OPTIONS, ...commands.map((c) => c.options));
  const loose = parseArgs({ args: argv, options: parseOptionsOf(every), strict: false, allowPositionals: true });
  const words = loose.positionals;
  if (words[0] === 'help') return { kind: 'help', command: findCommand(commands, words.slice(1)) };
  const command = findCommand(commands, words);
  if (!command) {
    if (loose.values['help'] === true && words.length === 0) return { kind: 'help', command: null };
    throw new UsageError(words.length === 0 ? 'Name a command.' : `Unknown command: ${words.join(' ')}.`);
  }

  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options: parseOptionsOf({ ...GLOBAL_OPTIONS, ...command.options }), strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError(parseArgsMessage(err), command.name);
  }
  if (parsed.values['help'] === true) return { kind: 'help', command };

  const given = parsed.positionals.slice(command.name.split(' ').length);
  const required = command.args.filter((a) => a.startsWith('<'));
  if (given.length < required.length) throw new UsageError(`Missing ${required.slice(given.length).join(' ')}.`, command.name);
  if (given.length > command.args.length) throw new UsageError(`Unexpected argument: ${given[command.args.length]}.`, command.name);
  const args = Object.fromEntries(command.args.map((a, i) => [a.slice(1, -1), given[i]]));

  const opts: ParsedInput['opts'] = {};
  for (const [name, spec] of Object.entries(command.options)) {
    const value = parsed.values[name];
    if (spec.required && (value === undefined || value === '')) throw new UsageError(`Missing --${name} <${spec.value ?? 'value'}>.`, command.name);
    opts[name] = spec.type === 'boolean' ? value === true : (value as string | undefined);
  }
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    kind: 'run',
    command,
    input: { args, opts },
    globals: { api: str(parsed.values['api']), apiKey: str(parsed.values['api-key']), json: parsed.values['json'] === true },
  };
}

const optionLines = (options: Options) => {
  const left = (name: string, o: OptionSpec) => `--${name}${o.type === 'string' ? ` <${o.value ?? 'value'}>` : ''}`;
  const width = Math.max(...Object.entries(options).map(([n, o]) => left(n, o).length));
  return Object.entries(options).map(([n, o]) => `  ${left(n, o).padEnd(width)}  ${o.description}${o.required ? ' (required)' : ''}`);
};

export function usageLine(command: CommandSpec<unknown>): string {
  const required = Object.entries(command.options).filter(([, o]) => o.required).map(([n, o]) => `--${n} <${o.value ?? 'value'}>`);
  const optional = Object.values(command.options).some((o) => !o.required) ? ['[options]'] : [];
  return [PROGRAM, command.name, ...command.args, ...required, ...optional].join(' ');
}

export function commandHelp(command: CommandSpec<unknown>): string {
  const lines = [`Usage: ${usageLine(command)}`, '', command.summary];
  if (command.details) lines.push('', command.details);
  if (Object.keys(command.options).length > 0) lines.push('', 'Options:', ...optionLines(command.options));
  lines.push('', 'Global options:', ...optionLines(GLOBAL_OPTIONS));
  return `${lines.join('\n')}\n`;
}

export function overallHelp(commands: CommandSpec<unknown>[]): string {
  const names = commands.map((c) => [c.name, ...c.args].join(' '));
  const width = Math.max(...names.map((n) => n.length));
  return [
    `${PROGRAM}: build, publish and run agents on Agent Marketplace (also installed as \`am\`).`,
    '',
    `Usage: ${PROGRAM} <command> [arguments] [options]`,
    '',
    'Commands:',
    ...commands.map((c, i) => `  ${names[i]!.padEnd(width)}  ${c.summary}`),
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'Environment: AM_API_URL, AM_FIREBASE_API_KEY, AM_TOKEN (an ID token, for CI), AM_CONFIG_DIR, FIREBASE_AUTH_EMULATOR_HOST.',
    `Run '${PROGRAM} <command> --help' for a command's options.`,
    '',
  ].join('\n');
}

/**
 * Arguments checked with the contract's schema, so a bad id is a usage error here rather than a
 * 400 there. `label` names a scalar; for an object, each field's label (`{ id: '<id>', name: '--name' }`).
 */
export function checked<T>(schema: z.ZodType<T>, value: unknown, label: string | Record<string, string>, command: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const key = issue.path.map(String).join('.');
    const name = typeof label === 'string' ? label : (label[key] ?? key);
    const got = typeof label === 'string' ? value : (value as Record<string, unknown>)[key];
    return `${name}: ${issue.message} (got ${JSON.stringify(got) ?? 'nothing'})`;
  });
  throw new UsageError(`${problems.join('; ')}.`, command);
}
