// Build: compile every nearley grammar in grammar/ to TypeScript under src/, then run tsc.
// Kept as a script (not a shell one-liner) so `npm ci`, `npm test` and CI build the same way.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

for (const file of readdirSync(join(root, 'grammar')).filter((f) => f.endsWith('.ne'))) {
  const out = join('src', 'config', file.replace(/\.ne$/, '.gen.ts'));
  run(bin('nearleyc'), [join('grammar', file), '-o', out]);
}
run(bin('tsc'), ['-p', 'tsconfig.json']);
