// The daemon's configuration loader in a child process (src/config/load-worker.ts): the model and
// diagnostics that come back by structured clone equal an in-process load of the same files, and
// the daemon's main thread reaches no parser module through its static imports.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../../src/config/load.js';
import { loadConfigInWorker } from '../../../src/config/load-worker.js';
import { CORPUS_DIR } from '../../helpers/shared.js';

const dir = mkdtempSync(join(tmpdir(), 'kts-config-worker-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function conf(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

test('every corpus config: the loader child returns what an in-process load returns', async () => {
  const files = readdirSync(CORPUS_DIR).filter((f) => f.startsWith('keepalived.conf'));
  assert.ok(files.length >= 10, `corpus has ${files.length} configs`);
  for (const f of files) {
    const path = join(CORPUS_DIR, f);
    assert.deepEqual(await loadConfigInWorker(path), loadConfig(path), f);
  }
});

test('config-id reaches the loader child: @high and @low lines select different models', async () => {
  const path = join(CORPUS_DIR, 'keepalived.conf.conditional_conf');
  const high = await loadConfigInWorker(path, { configId: 'high' });
  const low = await loadConfigInWorker(path, { configId: 'low' });
  assert.deepEqual(high, loadConfig(path, { configId: 'high' }));
  assert.equal(high.config.netNamespace, 'high');
  assert.equal(low.config.netNamespace, 'low');
  assert.equal(high.config.vrrpInstances[0]?.priority, 170);
  assert.equal(low.config.vrrpInstances[0]?.priority, 85);
});

test('vrrpOnly (-P): the same model without virtual servers, the same diagnostics', async () => {
  const path = join(CORPUS_DIR, 'keepalived.conf.virtual_server_group');
  const full = loadConfig(path);
  assert.ok(full.config.virtualServers.length > 0 && full.config.virtualServerGroups.length > 0);
  const vrrpOnly = await loadConfigInWorker(path, { vrrpOnly: true });
  assert.deepEqual(vrrpOnly, {
    ...full,
    config: { ...full.config, virtualServers: [], virtualServerGroups: [] },
  });
});

test('a broken config comes back with its errors at file:line:col', async () => {
  const path = conf(
    'broken.conf',
    'vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 300\n    priority 100\n}\n',
  );
  const result = await loadConfigInWorker(path);
  assert.equal(result.verdict, 'errors');
  assert.deepEqual(result.diagnostics[0], {
    severity: 'error',
    code: 'out-of-range',
    message: "number '300' outside range [1, 255]",
    pos: { file: path, line: 3, col: 23 },
  });
  assert.deepEqual(result, loadConfig(path));
});

test('a missing file is the missing-file verdict, as in-process', async () => {
  const path = join(dir, 'absent.conf');
  const result = await loadConfigInWorker(path);
  assert.equal(result.verdict, 'missing-file');
  assert.deepEqual(result, loadConfig(path));
});

/** Relative and package specifiers a compiled module imports statically (`import … from`, `export … from`, bare `import '…'`). */
function staticImports(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(
    /^(?:import|export)\s[^;]*?\sfrom\s+'([^']+)';|^import\s+'([^']+)';/gms,
  ))
    found.push(m[1] ?? m[2]);
  return found;
}

/** Every file (and package name) reachable from `entry` through static imports only. */
function staticClosure(entry: string): Set<string> {
  const seen = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of staticImports(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('node:')) continue;
      if (spec.startsWith('.')) walk(resolve(dirname(file), spec));
      else seen.add(`package:${spec}`);
    }
  };
  walk(entry);
  return seen;
}

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));
const rel = (files: Set<string>) =>
  [...files].map((f) => (f.startsWith(SRC) ? f.slice(SRC.length) : f));

test('the daemon main thread imports no parser; checker and IPVS code only when that side runs', () => {
  const daemon = rel(staticClosure(join(SRC, 'cli/commands/run.js')));
  const cli = rel(staticClosure(join(SRC, 'cli/main.js')));
  const parser = (f: string) =>
    /^config\/(build\/.*|parse|lexer|preprocess|include|sequence|definitions|keepalived\.gen|load)\.js$/.test(
      f,
    ) || /^package:(nearley|moo)$/.test(f);
  assert.deepEqual(daemon.filter(parser), []);
  assert.deepEqual(cli.filter(parser), []);
  // Sanity: the walk does follow imports (the loader and the controller are reached).
  assert.ok(daemon.includes('config/load-worker.js') && daemon.includes('daemon/controller.js'));
  // Loaded by `import()` when the check side runs; the VRRP side (-P) reaches none of them.
  const sideModules = (f: string) =>
    /^(daemon\/sides|check\/(supervisor|engine|runner|worker)|ipvs\/(backend|client|reconcile|desired|codec))\.js$/.test(
      f,
    );
  assert.deepEqual(daemon.filter(sideModules), []);
  const vrrpSide = rel(staticClosure(join(SRC, 'daemon/vrrp-side.js')));
  assert.ok(vrrpSide.includes('vrrp/index.js'));
  assert.deepEqual(vrrpSide.filter(sideModules), []);
  assert.deepEqual(vrrpSide.filter(parser), []);
  // The same walk from the loader's own entry does reach the parser: the check above can fail.
  assert.ok(rel(staticClosure(join(SRC, 'config/load.js'))).some(parser));
});
