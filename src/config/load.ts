// Loading a configuration: parse (config-syntax's parser), build the typed model, validate it
// against the host, and say what keepalived's `-t` would say (keepalived.md §3.3).
import { buildConfig, sortDiagnostics } from './build/config.js';
import type { Diagnostic } from './diagnostic.js';
import type { KeepalivedConfig } from './model.js';
import {
  type ParseOptions,
  type ParseResult,
  defaultConfigId,
  parseConfig,
  parseConfigText,
} from './parse.js';
import { type ValidationEnv, systemEnv, validateConfig } from './validate.js';

/** KEEPALIVED_CHK_EXIT_* codes of `keepalived -t`. */
export const CONFIG_TEST_EXIT = {
  ok: 0,
  /** Cannot run at all (keepalived: file not found, bad interface, fatal). */
  cannotRun: 4,
  /** Errors, though keepalived would still run with what it understood. */
  errors: 5,
  /** Scripts configured without enable_script_security. */
  scriptSecurity: 6,
} as const;

export type ConfigVerdict = 'ok' | 'missing-file' | 'errors' | 'script-security';

export interface LoadOptions extends ParseOptions {
  /** The host as validation sees it (interfaces, commands on PATH); default the real system. */
  host?: ValidationEnv;
}

export interface LoadResult {
  config: KeepalivedConfig;
  /** Syntax, model and validation findings, in source order. */
  diagnostics: Diagnostic[];
  verdict: ConfigVerdict;
}

/** keepalived's -t verdict: security beats errors (config_err keeps the highest code). */
export function verdictOf(diagnostics: Diagnostic[], filesRead: number): ConfigVerdict {
  if (filesRead === 0) return 'missing-file';
  if (diagnostics.some((d) => d.code === 'script-security')) return 'script-security';
  if (diagnostics.some((d) => d.severity === 'error')) return 'errors';
  return 'ok';
}

/**
 * The `-t` exit status for a verdict. A missing main file exits 0, as keepalived does (observed
 * on 2.2.7 and the reference commit); the CLI warns loudly about it.
 */
export function exitCodeOf(verdict: ConfigVerdict): number {
  switch (verdict) {
    case 'ok':
    case 'missing-file':
      return CONFIG_TEST_EXIT.ok;
    case 'errors':
      return CONFIG_TEST_EXIT.errors;
    case 'script-security':
      return CONFIG_TEST_EXIT.scriptSecurity;
  }
}

function finish(parsed: ParseResult, opts: LoadOptions): LoadResult {
  const built = buildConfig(parsed.tree, { configId: opts.configId ?? defaultConfigId() });
  const validated = validateConfig(built.config, opts.host ?? systemEnv());
  const diagnostics = sortDiagnostics(
    [...parsed.diagnostics, ...built.diagnostics, ...validated.diagnostics],
    parsed.tree.files,
  );
  return {
    config: validated.config,
    diagnostics,
    verdict: verdictOf(diagnostics, parsed.tree.files.length),
  };
}

/** Loads the configuration file at `path` with its includes. */
export function loadConfig(path: string, opts: LoadOptions = {}): LoadResult {
  return finish(parseConfig(path, opts), opts);
}

/** Loads configuration text as if read from `file` (tests, reload previews). */
export function loadConfigText(text: string, file: string, opts: LoadOptions = {}): LoadResult {
  return finish(parseConfigText(text, file, opts), opts);
}
