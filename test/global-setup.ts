import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './helpers/entry-point.js';

/** Builds dist/ before any test file runs, so tests that start the real process use `node dist/main.js`. */
export default function buildEntryPoint(): void {
  const result = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build-if-changed.mjs')], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error(`building dist/ failed (exit ${result.status}); run npm run build`);
}
