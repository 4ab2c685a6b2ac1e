/**
 * The CLI's own failures. API failures stay `ApiError` (@agent-marketplace/client); a folder
 * that cannot be packed is `PackError` (pack.ts). Each has a stable `code` that `--json`
 * prints, so scripts branch on it, never on the message.
 */

/** The command line itself is wrong: exit 2, with the command's usage. */
export class UsageError extends Error {
  /** The command whose usage to print; null for the top level. */
  readonly command: string | null;

  constructor(message: string, command: string | null = null) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

/** Anything else that stops a command (not signed in, a missing agent.yaml, an upload refused): exit 1. */
export class CliError extends Error {
  readonly code: string;
  /** Field problems to print one a line (from a refused manifest). */
  readonly errors: Array<{ path: string; message: string; line?: number }> | undefined;

  constructor(code: string, message: string, errors?: Array<{ path: string; message: string; line?: number }>) {
    super(message);
    this.name = 'CliError';
    this.code = code;
    this.errors = errors;
  }
}
