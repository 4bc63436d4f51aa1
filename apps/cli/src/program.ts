// The `virtsim` command tree.
import { Command } from 'commander';
import { clustersCommand, hostsCommand, rulesCommand, tasksCommand, vmsCommand } from './commands/resources.js';
import { auditCommand, eventsCommand, simCommand, stateCommand, verifyCommand } from './commands/log.js';
import { configCommand, scenarioCommand } from './commands/scenario.js';
import { cpuCommand } from './commands/cpu.js';
import { invariantsCommand } from './commands/invariants.js';
import { whatifCommand } from './commands/whatif.js';
import { demoCommand } from './commands/demo.js';
import { completionCommand } from './completion.js';
import { addExamples } from './examples.js';

export function buildProgram(): Command {
  const program = new Command('virtsim')
    .description('command-line client for the virtsim simulated virtualization platform')
    .version('0.1.0')
    .option('--url <url>', 'server URL (env VIRTSIM_URL, config url:, default http://127.0.0.1:8080)')
    .option('--token <token>', 'API token (env VIRTSIM_TOKEN, config token:, or $VIRTSIM_DATA_DIR/admin-token, default ./.virtsim/admin-token)')
    .option('--json', 'JSON output for scripts')
    .option('--no-progress', 'no progress bars')
    .option('--timeout <seconds>', 'fail a request the server has not answered in this many seconds (env VIRTSIM_TIMEOUT_SECONDS, default 300)')
    .showHelpAfterError('(run with --help for usage)')
    .enablePositionalOptions(false)
    .exitOverride();
  for (const c of [
    clustersCommand(), hostsCommand(), vmsCommand(), rulesCommand(), tasksCommand(),
    eventsCommand(), simCommand(), stateCommand(), verifyCommand(), auditCommand(), invariantsCommand(), whatifCommand(), cpuCommand(),
    scenarioCommand(), configCommand(), demoCommand(), completionCommand(),
  ]) program.addCommand(c);
  // subcommands report usage errors through the same override
  const override = (cmd: Command) => {
    cmd.exitOverride();
    cmd.commands.forEach(override);
  };
  program.commands.forEach(override);
  return addExamples(program);
}
