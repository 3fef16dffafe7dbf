// Test support for configuration text: a pretend host (by default interfaces eth0..eth3, the
// environment keepalived's verdicts in corpus/EXPECTED.md were taken in, and chosen commands
// "installed"), loading text against it, and building text into a model without any host.
import { buildConfig } from '../../src/config/build/config.js';
import type { Diagnostic } from '../../src/config/diagnostic.js';
import { type LoadOptions, type LoadResult, loadConfigText } from '../../src/config/load.js';
import type { KeepalivedConfig } from '../../src/config/model.js';
import { parseConfigText } from '../../src/config/parse.js';
import type { ValidationEnv } from '../../src/config/validate.js';

export const TEST_FILE = '/etc/keepalived/keepalived.conf';

export function hostWith(
  commands: string[] = [],
  interfaces = ['lo', 'eth0', 'eth1', 'eth2', 'eth3'],
): ValidationEnv {
  return {
    listInterfaces: () => interfaces,
    findCommand: (c) =>
      commands.includes(c) ? (c.includes('/') ? c : `/usr/bin/${c}`) : undefined,
  };
}

export function loadText(text: string, opts: LoadOptions = {}): LoadResult {
  return loadConfigText(text, TEST_FILE, { configId: 'test', host: hostWith(), ...opts });
}

/** "line:severity:code" of each diagnostic, for compact exact assertions. */
export function summary(diagnostics: Diagnostic[]): string[] {
  return diagnostics.map((d) => `${d.pos?.line ?? '-'}:${d.severity}:${d.code}`);
}

export function errors(r: LoadResult): Diagnostic[] {
  return r.diagnostics.filter((d) => d.severity === 'error');
}

/**
 * Configuration text parsed and built into the model, without validation against a host (the
 * interfaces and scripts need not exist here); the syntax and model diagnostics alongside.
 */
export function buildText(text: string): { config: KeepalivedConfig; diagnostics: Diagnostic[] } {
  const parsed = parseConfigText(text, TEST_FILE, { configId: 'test' });
  const built = buildConfig(parsed.tree, { configId: 'test' });
  return { config: built.config, diagnostics: [...parsed.diagnostics, ...built.diagnostics] };
}
