#!/usr/bin/env node
// Runs before `npm start`: builds dist/ only when what it is built from has changed, so a restart with
// nothing changed is ready in about a second instead of waiting for a full TypeScript build.
//
// The stamp (dist/.build-stamp) holds a hash of every file under src/ (names and contents) plus the
// package and tsconfig files. A content hash, not mtimes: a `git checkout` back to an older commit must
// rebuild even though every file in it is older than dist/. `tsc --incremental` was measured too: even
// with nothing to do it takes several seconds just to check the program.
//
// `--force` (used by `npm run build`) always builds. A build run some other way (plain `tsc`) writes
// dist/ after the stamp, so the stamp is trusted only while it is newer than dist/main.js.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const stampFile = join(dist, '.build-stamp');
const entry = join(dist, 'main.js');
const INPUTS = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];

function* filesUnder(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else if (entry.isFile()) yield path;
  }
}

function sourceHash() {
  const hash = createHash('sha256');
  for (const path of [...INPUTS.map((name) => join(root, name)), ...filesUnder(join(root, 'src'))]) {
    // The name is hashed too, so a rename or a deleted file changes the hash.
    hash.update(relative(root, path)).update('\0');
    hash.update(existsSync(path) ? readFileSync(path) : 'missing').update('\0');
  }
  return hash.digest('hex');
}

function stampIsCurrent(hash) {
  if (!existsSync(stampFile) || !existsSync(entry)) return false;
  if (readFileSync(stampFile, 'utf8').trim() !== hash) return false;
  return statSync(stampFile).mtimeMs >= statSync(entry).mtimeMs;
}

const force = process.argv.includes('--force');
const hash = sourceHash();
if (!force && stampIsCurrent(hash)) process.exit(0);

if (!force) process.stderr.write('mediagate: sources changed since the last build; building dist/ ...\n');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);

// Hashed again after the build: a file edited while tsc ran must not be stamped as built.
if (sourceHash() === hash) {
  mkdirSync(dist, { recursive: true });
  writeFileSync(stampFile, `${hash}\n`);
}
