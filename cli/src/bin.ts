#!/usr/bin/env node
import { run } from './main.ts';

// `agent-marketplace` and `am` both point here. The exit code is set, not forced: pending
// output is flushed before the process ends.
process.exitCode = await run(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stdin: process.stdin,
  stderrTty: process.stderr.isTTY ? { columns: () => process.stderr.columns || 80 } : null,
});
