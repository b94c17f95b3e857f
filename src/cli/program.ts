import { Command } from 'commander';
import { type CliIo, type CommandContext, withOperator } from './context.js';

/** Runs a command's action against the database, with `--json` taken from the command line. */
export type Run = (command: Command, action: (ctx: CommandContext) => Promise<void>) => Promise<void>;

/** One command group (`accounts`, `keys`, …): adds itself to the program. One file each, in commands/. */
export type CommandModule = (program: Command, run: Run) => void;

/** Thrown by an action for a usage mistake commander cannot see (two options that exclude each other). */
export class UsageError extends Error {}

export function buildProgram(io: CliIo, modules: readonly CommandModule[], env?: Record<string, string | undefined>) {
  const program = new Command('mediagate')
    .description(
      'Operate a mediagate gateway: accounts, API keys, prices, usage and admin keys. Works on the database the gateway ' +
        'uses (same MEDIAGATE_CONFIG, DATABASE_URL, DATABASE_SCHEMA, MEDIAGATE_DATA_DIR), with the gateway running ' +
        'or not. Run without a command to start the gateway.',
    )
    .option('--json', 'print exactly one JSON document on stdout, for scripts')
    .exitOverride()
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(add --help for usage)');
  const run: Run = (command, action) => withOperator(io, command.optsWithGlobals().json === true, action, env);
  for (const register of modules) register(program, run);
  return program;
}
