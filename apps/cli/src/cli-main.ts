// One run of the virtsim command line: exit 0 ok, 1 failure (API error, failed task or scenario), 2 usage error.
import { Command, CommanderError } from 'commander';
import { buildProgram } from './program.js';
import { CliError, problemOf } from './errors.js';
import { printable } from './format.js';

/** `--json`: a failure is a problem document (RFC 9457) on stderr, one JSON object, instead of text */
export const jsonMode = (argv: string[]) => argv.slice(2).includes('--json') || /(^|\s)(-o\s*|--output[= ])json\b/.test(argv.slice(2).join(' '));

function printProblem(err: unknown, usage = false): void {
  process.stderr.write(`${JSON.stringify(problemOf(err, usage), null, 2)}\n`);
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const json = jsonMode(argv);
  // in --json mode commander's own messages become problem documents (help and version still print as text)
  const quiet = (cmd: Command) => {
    cmd.configureOutput({ writeErr: () => undefined, outputError: () => undefined });
    cmd.commands.forEach(quiet);
  };
  if (json) quiet(program);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed the message (or the help)
      const ok = err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version';
      if (json && !ok) printProblem(err, true);
      return ok ? 0 : 2;
    }
    if (json) {
      printProblem(err);
      return err instanceof CliError ? err.exitCode : 1;
    }
    if (err instanceof CliError) {
      // an API error's message quotes the server: its control codes are shown, not obeyed
      process.stderr.write(`virtsim: ${printable(err.message, true)}\n`);
      for (const d of err.details) process.stderr.write(`  ${printable(d)}\n`);
      return err.exitCode;
    }
    process.stderr.write(`virtsim: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
}

