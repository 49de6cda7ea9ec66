/**
 * `actors trace` as operators run it (a child process), on the lead pipeline running on a real
 * Redis: the full tree of one mail, including a branch the audit actor dead-lettered; and the
 * exit statuses for found (0), not found (1), bad input (2) and unreachable Redis (3).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { TraceNode, TraceResult } from '../src/admin/trace.js';
import { buildLeadTopology } from '../src/actors/lead/topology.js';
import { TOPICS } from '../src/actors/lead/topics.js';
import type { ActorDefinition } from '../src/actors/types.js';
import { generateMockLeads } from '../src/persistence/lead/mock-leads.js';
import { ingestEmails } from '../src/actors/lead/pipeline/ingest.js';
import { startLead } from './lead-harness.js';
import { jsonOf, runCli } from './support/cli.js';
import { deletePrefix, redisBackend, redisSkipReason, testRedis, uniquePrefix } from './support/redis.js';
import { gated } from './support/skip.js';
import { freePort } from './support/redis-server.js';

const s = gated(suite('[redis] actors trace on the lead pipeline'), await redisSkipReason());

/** The lead topology whose audit actor cannot record delivery outcomes (e.g. its table rejects them): that branch is dead-lettered. */
function topologyWithFailingAudit(service: Parameters<typeof buildLeadTopology>[0]['service']): ActorDefinition[] {
  return buildLeadTopology({ service }).map((a) =>
    a.name !== 'audit'
      ? a
      : {
          ...a,
          maxAttempts: 2,
          backoff: { initialMs: 5, maxMs: 20, multiplier: 2, jitter: 0 },
          handle: (e, ctx) => {
            if (e.type === TOPICS.deliverySkipped) throw new Error('audit table rejected the row');
            return a.handle(e, ctx);
          },
        },
  );
}

const all = (roots: TraceNode[]): TraceNode[] => {
  const out: TraceNode[] = [];
  const stack = [...roots];
  for (let n = stack.pop(); n; n = stack.pop()) {
    out.push(n);
    stack.push(...n.children);
  }
  return out;
};

s('one mail: every hop from email.received to delivery.skipped, the dead-lettered audit branch, exit statuses', async () => {
  const redis = await testRedis();
  const backend = await redisBackend();
  assert.ok(redis && backend, 'the gated suite has a Redis');
  const prefix = uniquePrefix('tracecli');
  const h = await startLead(topologyWithFailingAudit, { backend, prefix, logLevel: 'error' });
  const env = { REDIS_URL: redis.url, STREAMS_PREFIX: prefix };
  try {
    const lead = generateMockLeads(200)[3]!;
    const mail = {
      messageId: 'trace-1@mail.example',
      from: lead.email as string,
      to: 'spring-launch@campaigns.example',
      subject: 'Pricing?',
      body: 'Tell me more',
    };
    await ingestEmails(backend, h.keys, [JSON.stringify(mail)], { source: 'trace-test' });
    await h.drain();
    const [received] = await h.envelopes(TOPICS.emailReceived);

    const text = await runCli('actors', ['trace', received!.id], { env });
    assert.is(text.code, 0, text.stderr);
    for (const topic of [
      TOPICS.emailReceived,
      TOPICS.leadJob,
      TOPICS.ragRequest,
      TOPICS.leadEnriched,
      TOPICS.draftCreated,
      TOPICS.draftPersisted,
      TOPICS.deliverySkipped,
    ]) {
      assert.match(text.stdout, ` ${topic} `, `hop ${topic} in:\n${text.stdout}`);
    }
    assert.match(text.stdout, 'campaign-manager: processed');
    assert.match(text.stdout, 'db-writer: processed');
    assert.match(text.stdout, /audit: dead-lettered after 2 attempts \(handler-error: .*audit table rejected the row/);

    const json = await runCli('actors', ['trace', '--json', received!.id], { env });
    assert.is(json.code, 0, json.stderr);
    const result = jsonOf<TraceResult>(json);
    assert.is(result.matchedBy, 'envelope-id');
    assert.is(result.roots.length, 1);
    assert.is(result.roots[0]!.type, TOPICS.emailReceived);
    const nodes = all(result.roots);
    const persisted = nodes.find((n) => n.type === TOPICS.draftPersisted)!;
    assert.equal(
      persisted.consumers.map((c) => [c.actor, c.outcome]),
      [
        ['audit', 'processed'],
        ['delivery', 'processed'],
      ],
    );
    const skipped = nodes.find((n) => n.type === TOPICS.deliverySkipped)!;
    assert.is(skipped.causationId, persisted.envelopeId);
    assert.is(skipped.consumers[0]!.outcome, 'dead-lettered');
    assert.is(skipped.consumers[0]!.deadLetter!.stream, h.keys.dlq(TOPICS.deliverySkipped));

    // The mail's messageId is the idempotency key of its email.received envelope.
    const byKey = await runCli('actors', ['trace', '--json', mail.messageId], { env });
    assert.is(byKey.code, 0, byKey.stderr);
    assert.is(jsonOf<TraceResult>(byKey).matchedBy, 'idempotency-key');
    assert.is(all(jsonOf<TraceResult>(byKey).roots).length, nodes.length);

    const missing = await runCli('actors', ['trace', 'no-such-mail'], { env });
    assert.is(missing.code, 1);
    assert.is(missing.stdout, '');
    assert.match(missing.stderr, /^actors: no envelope with id, correlation id or idempotency key "no-such-mail" under this prefix\n$/);
    const glob = await runCli('actors', ['trace', '*'], { env });
    assert.is(glob.code, 1, 'a glob is compared literally, it matches nothing');

    for (const hostile of ['bad\u001b[2Jid', 'x'.repeat(100_000), 'tab\there']) {
      const run = await runCli('actors', ['trace', hostile], { env });
      assert.is(run.code, 2, `${JSON.stringify(hostile.slice(0, 12))}: ${run.stderr}`);
      assert.is(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.not.ok(run.stderr.includes('\u001b') || /\n\s+at /.test(run.stderr), run.stderr);
    }
    const badFlag = await runCli('actors', ['trace', received!.id, '--max-entries', 'lots'], { env });
    assert.is(badFlag.code, 2, badFlag.stderr);

    const down = await runCli('actors', ['trace', received!.id], { env: { REDIS_URL: `redis://127.0.0.1:${await freePort()}`, STREAMS_PREFIX: prefix } });
    assert.is(down.code, 3, down.stderr);
    assert.is(down.stderr.trim().split('\n').length, 1, down.stderr);
  } finally {
    await h.stop();
    await deletePrefix(backend, prefix);
    await backend.close();
  }
});

s.run();
