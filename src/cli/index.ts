import { CommanderError } from 'commander';
import { OperatorError } from '../accounts/operator-error.js';
import { COMMANDS } from './commands/index.js';
import type { CliIo } from './context.js';
import { buildProgram, UsageError } from './program.js';

/** Flags the gateway itself understands; with only these (or nothing) `mediagate` starts the server. */
const SERVER_FLAGS = new Set(['--print-config']);

/** Whether `mediagate …` was asked to run an operator command rather than start the gateway. */
export function isCliInvocation(argv: readonly string[]): boolean {
  const args = argv.slice(2);
  return args.length > 0 && !args.every((arg) => SERVER_FLAGS.has(arg));
}

/** Where to look next, by what was not found. */
const HINTS: Partial<Record<OperatorError['code'], string>> = {
  account_not_found: '`mediagate accounts list` shows the account ids.',
  key_not_found: '`mediagate keys list` shows the key ids.',
  model_not_found: '`mediagate prices list` shows the models.',
};

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/**
 * Runs one operator command; resolves to the exit code: 0, 1 when the command failed (the message on
 * stderr says why and what to do), 2 for a usage mistake (unknown command or option, a bad value).
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const program = buildProgram(io, COMMANDS);
  const json = argv.includes('--json');
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (err) {
    // Commander has already printed its message (help included).
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof UsageError) {
      io.stderr(`error: ${err.message}\n`);
      return 2;
    }
    const operator = err instanceof OperatorError;
    const hint = operator ? HINTS[err.code] : undefined;
    const message = `${err instanceof Error ? err.message : String(err)}${hint ? ` ${hint}` : ''}`;
    if (json) {
      const code = operator ? err.code : 'failed';
      const param = operator ? err.param : null;
      io.stderr(`${JSON.stringify({ error: { code, message, param } })}\n`);
    } else io.stderr(`error: ${message}\n`);
    return 1;
  }
}
