#!/usr/bin/env node
// virtsim CLI entry: exit 0 ok, 1 failure (API error, failed task or scenario), 2 usage error.
import { CommanderError } from 'commander';
import { buildProgram } from './program.js';
import { CliError } from './errors.js';
import { printable } from './format.js';

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed the message (or the help)
      return err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : 2;
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

process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0); // `virtsim events export | head`
});
process.on('SIGINT', () => process.exit(130));

process.exitCode = await main(process.argv);
