/** The signals that stop a local stack: Ctrl-C, a plain `kill`, and the terminal closing. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Handles the stop signals from now on, so they are caught at any moment, start-up included
 * (their default action kills the process and leaves the detached emulators running). The first
 * one aborts the returned signal, for a start-up in progress to stop what it started, and calls
 * `onStop`; later ones are ignored while that runs.
 */
export function handleStopSignals(onStop: (signal: string) => void): AbortSignal {
  const controller = new AbortController();
  for (const name of STOP_SIGNALS) {
    process.on(name, () => {
      if (controller.signal.aborted) return;
      controller.abort(new Error(`stopped by ${name}`));
      onStop(name);
    });
  }
  return controller.signal;
}
