// Hello actor: a typed topic, an actor that answers it, and a producer that feeds it.
// Run (Redis at REDIS_URL, default redis://127.0.0.1:6379): npx tsx examples/hello-actor.ts
import { ActorRuntime, RedisStreamBackend, createKeys, createProducer, decodeEntry, defineActor, defineTopic, waitUntilDrained } from 'stream-actors';

// A topic is declared once: its payload type is inferred from the schema and checked at the edges.
const greetingRequested = defineTopic({
  type: 'greeting.requested',
  schema: { type: 'object', properties: { name: { type: 'string', minLength: 1 } }, required: ['name'], additionalProperties: false },
});
const greetingSent = defineTopic({
  type: 'greeting.sent',
  schema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
});

const greeter = defineActor({
  name: 'greeter', // also the consumer group
  consumes: [greetingRequested],
  emits: [greetingSent],
  maxAttempts: 5, // then the DLQ; throw PermanentError to skip retries
  handle: (env, ctx) => {
    ctx.metrics.increment('greetings'); // greetings_total{actor="greeter"} on /metrics
    return [ctx.derive(greetingSent, { text: `Hello, ${env.payload.name}!` })]; // env.payload is { name: string }
  },
});

const backend = new RedisStreamBackend({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
const keys = createKeys(process.env.STREAMS_PREFIX ?? 'hello');
const runtime = new ActorRuntime([greeter], {
  backend,
  keys,
  slot: 0, // consumer name <host>-0, stable across restarts
  metricsPort: Number(process.env.METRICS_PORT ?? 0), // /metrics and /healthz (0: any free port)
  onShutdown: () => backend.close(), // runs after in-flight work is committed
});
await runtime.start();
runtime.stopOnSignals(() => process.exit(0)); // SIGTERM/SIGINT: finish and commit in-flight work

const { envelope } = await createProducer({ backend, keys }).publish(greetingRequested, { name: 'world' });
await waitUntilDrained(backend, keys, [greeter]);
for (const entry of await backend.range(keys.topic(greetingSent.type), '-', '+')) {
  const reply = decodeEntry(entry.fields);
  if (reply.ok && reply.envelope.causationId === envelope.id) console.log(`greeter answered: ${greetingSent.assert(reply.envelope.payload).text}`);
}
await runtime.stop();
