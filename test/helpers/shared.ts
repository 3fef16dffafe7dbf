// The steering repo's shared/ directory (keepalived's sample configs, real keepalived packets)
// sits beside the project's checkout: ../shared from the repo root, locally and in CI.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above ' + import.meta.url);
    dir = up;
  }
  return dir;
}

export const SHARED_DIR = resolve(repoRoot(), '..', 'shared');
export const CORPUS_DIR = join(SHARED_DIR, 'corpus', 'keepalived-samples');
export const VECTORS_DIR = join(SHARED_DIR, 'vectors');
