import type { CommandModule } from '../program.js';
import { accountsCommand } from './accounts.js';
import { adminKeysCommand } from './admin-keys.js';
import { keysCommand } from './keys.js';
import { pricesCommand } from './prices.js';
import { storageCommand } from './storage.js';
import { usageCommand } from './usage.js';

/** Every command group, in the order `--help` lists them. A new group is one file here and one line. */
export const COMMANDS: readonly CommandModule[] = [
  accountsCommand,
  keysCommand,
  pricesCommand,
  usageCommand,
  adminKeysCommand,
  storageCommand,
];
