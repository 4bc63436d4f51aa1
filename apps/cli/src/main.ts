#!/usr/bin/env node
// virtsim CLI entry (the run itself: cli-main.ts).
import { main } from './cli-main.js';

process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0); // `virtsim events export | head`
});
process.on('SIGINT', () => process.exit(130));

process.exitCode = await main(process.argv);
