import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The built `mediagate` entry point, as `npm start` runs it. test/global-setup.ts builds dist/ once per
 * run (only if src/ changed since the last build): a process started from dist/ is ready in about half
 * the time of one started through tsx, which compiles every module again in each process.
 */
export const entryPoint = join(repoRoot, 'dist', 'main.js');
