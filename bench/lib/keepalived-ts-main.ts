// Entry point running the keepalived-ts CLI of the build this file belongs to (dist/ or an
// engineer's own outDir): `node dist/bench/lib/keepalived-ts-main.js ARGS`. A file, not
// `node -e`: the checker worker inherits the daemon's execArgv, and `--input-type`, which `-e`
// with an import needs, makes every Worker fail to start.
import { main } from '../../src/cli/main.js';

await main(process.argv.slice(2));
