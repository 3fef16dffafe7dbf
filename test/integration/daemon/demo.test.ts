// `npm run demo` end to end: the two-director LVS-DR demo must run, show the takeover, and leave
// no namespace behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { canCreateNetns, skipUnless } from '../../helpers/privileged.js';

const skip = skipUnless([[canCreateNetns(), 'root and ip netns']]);

// This file is BUILD/test/integration/daemon/demo.test.js; the demo runs against the same BUILD.
const build = fileURLToPath(new URL('../../../', import.meta.url));
const root = fileURLToPath(new URL('../../../../', import.meta.url));

test(
  'npm run demo: MASTER, checker verdict, takeover, timeline, clean-up',
  { skip, timeout: 120_000 },
  () => {
    const run = spawnSync(process.execPath, [`${root}scripts/demo.mjs`], {
      env: { ...process.env, KTS_DIST: build },
      encoding: 'utf8',
      timeout: 110_000,
    });
    const out = run.stdout;
    assert.equal(run.status, 0, `${out}\n${run.stderr}`);
    const timeline = out.slice(out.indexOf('Timeline'));
    assert.match(timeline, /demo {2}VIP 192\.168\.0\.38 answers from d1 /);
    assert.match(timeline, /d1 {4}vrrp\.state instance=VI_1 from=BACKUP to=MASTER/);
    assert.match(
      timeline,
      /d1 {4}check\.down virtualServer=tcp 192\.168\.0\.38:80 realServer=192\.168\.0\.28:80/,
    );
    assert.match(
      timeline,
      /d1 {4}ipvs\.dest\.del service=tcp 192\.168\.0\.38:80 dest=192\.168\.0\.28:80 .*dryRun=true/,
    );
    assert.match(timeline, /d2 {4}vrrp\.state instance=VI_1 from=BACKUP to=MASTER/);
    assert.match(timeline, /demo {2}VIP 192\.168\.0\.38 answers from d2 /);
    assert.match(out, /testbed removed\.\n$/);
    const prefix = /namespaces (kts-demo-\d+-\d+)-/.exec(out)![1]!;
    const left = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
    assert.ok(!left.includes(prefix), `namespaces left: ${left}`);
  },
);
