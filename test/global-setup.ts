import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './helpers/entry-point.js';

/** tsc's exit status when it found type errors but wrote every output anyway (noEmitOnError is off). */
const TYPE_ERRORS_OUTPUT_WRITTEN = 2;

/** Builds dist/ before any test file runs, so tests that start the real process use `node dist/main.js`. */
export default function buildEntryPoint(): void {
  const result = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build-if-changed.mjs')], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
  if (result.status === 0) return;
  // A type error is the typecheck's to report; like tsx, the tests run the emitted JavaScript anyway.
  if (result.status === TYPE_ERRORS_OUTPUT_WRITTEN) {
    process.stderr.write('mediagate tests: src/ has type errors; dist/ was built from it all the same\n');
    return;
  }
  throw new Error(`building dist/ failed (exit ${result.status}); run npm run build`);
}
