import { Command } from 'commander';
import { type Config, loadConfig } from '../config/index.js';
import { type CliIo, type CommandContext, type CommandOutput, commandOutput, withOperator } from './context.js';

/** Runs a command's action against the database, with `--json` taken from the command line. */
export type Run = (command: Command, action: (ctx: CommandContext) => Promise<void>) => Promise<void>;

/** Runs an action that needs the gateway's configuration but not its database (`storage copy-local`). */
export type RunOnConfig = (
  command: Command,
  action: (ctx: CommandOutput & { config: Config }) => Promise<void>,
) => Promise<void>;

/** One command group (`accounts`, `keys`, …): adds itself to the program. One file each, in commands/. */
export type CommandModule = (program: Command, run: Run, runOnConfig: RunOnConfig) => void;

/** Thrown by an action for a usage mistake commander cannot see (two options that exclude each other). */
export class UsageError extends Error {}

export function buildProgram(io: CliIo, modules: readonly CommandModule[], env?: Record<string, string | undefined>) {
  const program = new Command('mediagate')
    .description(
      'Operate a mediagate gateway: accounts, API keys, prices, usage, admin keys and storage. Works on the database the gateway ' +
        'uses (same MEDIAGATE_CONFIG, DATABASE_URL, DATABASE_SCHEMA, MEDIAGATE_DATA_DIR), with the gateway running ' +
        'or not. Run without a command to start the gateway.',
    )
    .option('--json', 'print exactly one JSON document on stdout, for scripts')
    .exitOverride()
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(add --help for usage)');
  const run: Run = (command, action) => withOperator(io, command.optsWithGlobals().json === true, action, env);
  const runOnConfig: RunOnConfig = (command, action) =>
    action({ config: loadConfig(env), ...commandOutput(io, command.optsWithGlobals().json === true) });
  for (const register of modules) register(program, run, runOnConfig);
  return program;
}
