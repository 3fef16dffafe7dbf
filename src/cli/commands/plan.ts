// `keepalived-ts plan -f FILE`: the IPVS operations that would bring the kernel's table (or, with
// --ipvs dry-run, an empty table) to what the configuration wants, printed and never applied.
import { type LoadOptions, exitCodeOf, loadConfig } from '../../config/load.js';
import { IpvsClient } from '../../ipvs/client.js';
import { planLines } from '../../ipvs/plan.js';
import type { IpvsTable } from '../../ipvs/types.js';
import type { CliIo } from '../io.js';
import { reportDiagnostics } from './config-test.js';

/** Reads the kernel's table; plan never writes, so the client is closed right after the dump. */
async function readKernelTable(): Promise<IpvsTable> {
  const client = await IpvsClient.open();
  try {
    return await client.readTable();
  } finally {
    client.close();
  }
}

export async function plan(
  file: string,
  opts: LoadOptions,
  io: CliIo,
  source: 'kernel' | 'dry-run',
): Promise<number> {
  const result = loadConfig(file, opts);
  reportDiagnostics(result, io);
  if (!result.config || result.verdict === 'missing-file') return exitCodeOf(result.verdict);
  const kernel = source === 'kernel' ? await readKernelTable() : [];
  for (const line of planLines(result.config, kernel)) io.stdout(`${line}\n`);
  return exitCodeOf(result.verdict);
}
