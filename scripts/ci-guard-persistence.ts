// CI guard for persistence settings (run by .ci/run before the tests): exit 1 with one line per
// refused setting, 0 when all clear. See src/persistence/guard.ts for what it refuses and why.
import { checkPersistenceGuard } from '../src/persistence/guard.js';

const findings = checkPersistenceGuard(process.env);
for (const f of findings) process.stderr.write(`ci-guard-persistence: ${f.code}: ${f.message}\n`);
if (findings.length === 0) process.stdout.write('ci-guard-persistence: persistence settings OK\n');
process.exitCode = findings.length === 0 ? 0 : 1;
