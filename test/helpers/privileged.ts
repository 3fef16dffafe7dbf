// Gate for tests that need root, network namespaces, keepalived or the kernel VM.
// Locally they skip with a message; under KTS_REQUIRE_PRIVILEGED=1 (.ci/run sets it) a missing
// prerequisite fails the test instead, so CI never passes by skipping.
import { execFileSync } from 'node:child_process';

export const privilegedRequired = process.env.KTS_REQUIRE_PRIVILEGED === '1';

/** Returns undefined when `why` is empty; otherwise a skip reason, or throws when required. */
export function skipUnless(checks: Array<[ok: boolean, why: string]>): string | undefined {
  const missing = checks.filter(([ok]) => !ok).map(([, why]) => why);
  if (missing.length === 0) return undefined;
  const reason = `needs ${missing.join(', ')}`;
  if (privilegedRequired) throw new Error(`required test cannot run: ${reason}`);
  return reason;
}

export const isRoot = process.getuid?.() === 0;

export function hasCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function canCreateNetns(): boolean {
  if (!isRoot || !hasCommand('ip')) return false;
  const name = `kts-probe-${process.pid}`;
  try {
    execFileSync('ip', ['netns', 'add', name], { stdio: 'ignore' });
    execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
