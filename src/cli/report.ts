/**
 * Where the CLI's messages go: progress and notes to stderr (so stdout stays clean for
 * `--json` and pipes), plain lines when stderr is not a terminal.
 */
export const report = {
  interactive: Boolean(process.stderr.isTTY),
  info(message: string): void {
    process.stderr.write(`${message}\n`);
  },
  warn(message: string): void {
    process.stderr.write(`warning: ${message}\n`);
  },
};
