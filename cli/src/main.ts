import { ApiError } from '@agent-marketplace/client';
import { commandHelp, overallHelp, parseCommandLine, PROGRAM, usageLine, type CommandSpec } from './args.ts';
import { login, logout } from './commands/account.ts';
import { init } from './commands/init.ts';
import { publish, validate } from './commands/publish.ts';
import { addMember, createPublisher, listMembers, listPublishers } from './commands/publishers.ts';
import { logs, triggerRun } from './commands/runs.ts';
import { deprecate, listVersions, showVersion, undeprecate, unyank, yank } from './commands/versions.ts';
import { createContext, type Context } from './context.ts';
import { CliError, UsageError } from './errors.ts';
import { PackError } from './pack.ts';
import { settingsFrom, type Io } from './settings.ts';

export const COMMANDS: CommandSpec<Context>[] = [
  login,
  logout,
  listPublishers,
  createPublisher,
  listMembers,
  addMember,
  init,
  validate,
  publish,
  listVersions,
  showVersion,
  deprecate,
  undeprecate,
  yank,
  unyank,
  triggerRun,
  logs,
];

/** Exit codes: 0 done, 1 the command failed (an API error, a failed scan), 2 the command line is wrong. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** The error as one JSON object (under --json) or lines for a person, and its exit code. */
function report(err: unknown, io: Io, json: boolean): number {
  if (err instanceof UsageError) {
    const command = COMMANDS.find((c) => c.name === err.command);
    if (json) io.stderr(`${JSON.stringify({ error: { code: 'usage', message: err.message } })}\n`);
    else io.stderr(`${PROGRAM}: ${err.message}\nUsage: ${command ? usageLine(command) : `${PROGRAM} <command> [options]`}\nRun '${PROGRAM} ${command ? `${command.name} ` : ''}--help' for more.\n`);
    return EXIT.usage;
  }
  let error: { code: string; message: string; status?: number; requestId?: string | null; errors?: unknown[] };
  if (err instanceof ApiError) {
    const errors = err.problem?.errors;
    error = { code: err.code, status: err.status, message: err.message, requestId: err.requestId, ...(errors ? { errors } : {}) };
  } else if (err instanceof CliError || err instanceof PackError) {
    error = { code: err.code, message: err.message };
  } else {
    error = { code: 'internal', message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
  // An ApiError's message already names its code and request id (describeInEnglish).
  io.stderr(json ? `${JSON.stringify({ error })}\n` : `error: ${err instanceof ApiError ? '' : `${error.code}: `}${error.message}\n`);
  return EXIT.failed;
}

/** Runs one command line; the exit code. Nothing here calls process.exit, so tests run it in process. */
export async function run(argv: string[], io: Io): Promise<number> {
  // Known before parsing, so even a usage error can come out as JSON.
  const json = argv.includes('--json');
  try {
    const line = parseCommandLine(argv, COMMANDS);
    if (line.kind === 'help') {
      io.stdout(line.command ? commandHelp(line.command) : overallHelp(COMMANDS));
      return EXIT.ok;
    }
    const settings = settingsFrom({ api: line.globals.api, apiKey: line.globals.apiKey }, io.env);
    return (await line.command.run(createContext(io, settings, line.globals.json), line.input)) ?? EXIT.ok;
  } catch (err) {
    return report(err, io, json);
  }
}
