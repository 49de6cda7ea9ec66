// `npm start`: the lead pipeline demo on the memory shim (no server). Summary on stdout, logs (warn+) on stderr.
import { ragOptionsFromEnv } from './actors/lead/rag/options.js';
import { formatDemoSummary, runDemo } from './actors/lead/pipeline/demo.js';

try {
  const summary = await runDemo({ ragOptions: ragOptionsFromEnv(process.env) });
  console.log(formatDemoSummary(summary));
  process.exitCode = 0;
} catch (err) {
  console.error(`demo failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
}
