import { Registry, register as globalRegistry } from 'prom-client';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createActorMetrics, isInvalidMetricError } from '../src/monitoring/metrics.js';

// One sample line of the Prometheus text, e.g. `name{actor="a",reason="x"} 3`.
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const keys = Object.keys(labels);
    if (Object.keys(found).length === keys.length && keys.every((k) => found[k] === labels[k])) return Number(match[3]);
  }
  return undefined;
}

const runtime = suite('metrics: runtime series');

runtime('counters carry the actor label (and reason where there is one)', async () => {
  const registry = new Registry();
  const m = createActorMetrics(registry).forActor('copywriter');
  m.processed(3);
  m.processed();
  m.failed('handler-error');
  m.failed('handler-error', 2);
  m.retried(2);
  m.deadLettered('invalid-envelope');
  m.duplicate();
  m.reclaimed(5);
  const text = await registry.metrics();
  assert.is(sample(text, 'stream_actor_processed_total', { actor: 'copywriter' }), 4);
  assert.is(sample(text, 'stream_actor_failed_total', { actor: 'copywriter', reason: 'handler-error' }), 3);
  assert.is(sample(text, 'stream_actor_retried_total', { actor: 'copywriter' }), 2);
  assert.is(sample(text, 'stream_actor_dead_lettered_total', { actor: 'copywriter', reason: 'invalid-envelope' }), 1);
  assert.is(sample(text, 'stream_actor_duplicates_skipped_total', { actor: 'copywriter' }), 1);
  assert.is(sample(text, 'stream_actor_reclaimed_total', { actor: 'copywriter' }), 5);
});

runtime('histograms bucket durations from 0.5 ms to 10 s and batch sizes up to 1000', async () => {
  const registry = new Registry();
  const m = createActorMetrics(registry).forActor('rag-agent');
  m.handlerDuration(0.0004);
  m.handlerDuration(0.003);
  m.batchSize(64);
  m.commitDuration(12);
  const text = await registry.metrics();
  const h = 'stream_actor_handler_duration_seconds_bucket';
  assert.is(sample(text, h, { le: '0.0005', actor: 'rag-agent' }), 1);
  assert.is(sample(text, h, { le: '0.005', actor: 'rag-agent' }), 2);
  assert.is(sample(text, h, { le: '10', actor: 'rag-agent' }), 2);
  assert.is(sample(text, 'stream_actor_handler_duration_seconds_count', { actor: 'rag-agent' }), 2);
  assert.is(sample(text, 'stream_actor_batch_size_bucket', { le: '50', actor: 'rag-agent' }), 0);
  assert.is(sample(text, 'stream_actor_batch_size_bucket', { le: '100', actor: 'rag-agent' }), 1);
  assert.is(sample(text, 'stream_actor_batch_size_bucket', { le: '1000', actor: 'rag-agent' }), 1);
  assert.is(sample(text, 'stream_actor_commit_duration_seconds_bucket', { le: '10', actor: 'rag-agent' }), 0);
  assert.is(sample(text, 'stream_actor_commit_duration_seconds_bucket', { le: '+Inf', actor: 'rag-agent' }), 1);
});

runtime('gauges are labelled by actor and stream and hold the last value', async () => {
  const registry = new Registry();
  const m = createActorMetrics(registry).forActor('db-writer');
  m.setLag('leads:p0', 10);
  m.setLag('leads:p0', 4);
  m.setPending('leads:p1', 7);
  const text = await registry.metrics();
  assert.is(sample(text, 'stream_actor_lag', { actor: 'db-writer', stream: 'leads:p0' }), 4);
  assert.is(sample(text, 'stream_actor_pending', { actor: 'db-writer', stream: 'leads:p1' }), 7);
});

runtime('actors get separate series', async () => {
  const registry = new Registry();
  const metrics = createActorMetrics(registry);
  metrics.forActor('a').processed(1);
  metrics.forActor('b').processed(2);
  const text = await registry.metrics();
  assert.is(sample(text, 'stream_actor_processed_total', { actor: 'a' }), 1);
  assert.is(sample(text, 'stream_actor_processed_total', { actor: 'b' }), 2);
});

runtime('ignores counts and sizes that cannot be right instead of throwing into the actor loop', async () => {
  const registry = new Registry();
  const m = createActorMetrics(registry).forActor('a');
  m.processed(2);
  for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
    m.processed(bad);
    m.failed('x', bad);
    m.batchSize(bad < 0 ? bad : Number.NaN);
    m.setLag('s', Number.NaN);
  }
  m.handlerDuration(-0.5); // clock stepped back: recorded as 0, not lost
  const text = await registry.metrics();
  assert.is(sample(text, 'stream_actor_processed_total', { actor: 'a' }), 2);
  assert.is(sample(text, 'stream_actor_failed_total', { actor: 'a', reason: 'x' }), undefined);
  assert.is(sample(text, 'stream_actor_batch_size_count', { actor: 'a' }), undefined);
  assert.is(sample(text, 'stream_actor_handler_duration_seconds_bucket', { le: '0.0005', actor: 'a' }), 1);
});

const custom = suite('metrics: custom counters');

custom('registers stream_actor_custom_<name>_total lazily with actor and given labels', async () => {
  const registry = new Registry();
  const metrics = createActorMetrics(registry);
  assert.not.ok((await registry.metrics()).includes('stream_actor_custom_'));
  const c = metrics.custom('copywriter');
  c.increment('emails_drafted', { template: 'intro' });
  c.increment('emails_drafted', { template: 'intro' }, 2);
  c.increment('emails_drafted_total', { template: 'follow_up' });
  metrics.custom('other').increment('emails_drafted', { template: 'intro' });
  c.increment('fallbacks');
  const text = await registry.metrics();
  const name = 'stream_actor_custom_emails_drafted_total';
  assert.is(sample(text, name, { actor: 'copywriter', template: 'intro' }), 3);
  assert.is(sample(text, name, { actor: 'copywriter', template: 'follow_up' }), 1);
  assert.is(sample(text, name, { actor: 'other', template: 'intro' }), 1);
  assert.is(sample(text, 'stream_actor_custom_fallbacks_total', { actor: 'copywriter' }), 1);
  assert.not.ok(text.includes('_total_total'));
});

custom('rejects invalid names, labels and amounts with a typed error', () => {
  const c = createActorMetrics(new Registry()).custom('a');
  const attempts: [string, () => void][] = [
    ['name with dash', () => c.increment('bad-name')],
    ['name starting with digit', () => c.increment('1st')],
    ['label with space', () => c.increment('ok', { 'bad label': 'x' })],
    ['reserved label', () => c.increment('ok', { __name: 'x' })],
    ['actor label', () => c.increment('ok', { actor: 'someone-else' })],
    ['negative amount', () => c.increment('ok', {}, -1)],
  ];
  for (const [what, attempt] of attempts) {
    try {
      attempt();
      assert.unreachable(what);
    } catch (err) {
      assert.ok(isInvalidMetricError(err), what);
      assert.is((err as { code: string }).code, 'METRIC_INVALID', what);
    }
  }
});

custom('a label set other than the first one is a typed error', () => {
  const c = createActorMetrics(new Registry()).custom('a');
  c.increment('sent', { channel: 'email' });
  try {
    c.increment('sent', { region: 'eu' });
    assert.unreachable('label set changed');
  } catch (err) {
    assert.ok(isInvalidMetricError(err));
  }
});

const isolation = suite('metrics: registries');

isolation('two registries do not interfere, and the global registry is untouched', async () => {
  const r1 = new Registry();
  const r2 = new Registry();
  createActorMetrics(r1).forActor('a').processed(5);
  createActorMetrics(r2).forActor('a').processed(1);
  createActorMetrics(r1).custom('a').increment('only_here');
  const [t1, t2] = await Promise.all([r1.metrics(), r2.metrics()]);
  assert.is(sample(t1, 'stream_actor_processed_total', { actor: 'a' }), 5);
  assert.is(sample(t2, 'stream_actor_processed_total', { actor: 'a' }), 1);
  assert.ok(t1.includes('stream_actor_custom_only_here_total'));
  assert.not.ok(t2.includes('stream_actor_custom_only_here_total'));
  assert.not.ok((await globalRegistry.metrics()).includes('stream_actor_'));
});

isolation('creating the metrics twice on one registry reuses the same series', async () => {
  const registry = new Registry();
  createActorMetrics(registry).forActor('a').processed(1);
  const again = createActorMetrics(registry);
  again.forActor('a').processed(1);
  assert.is(again.forActor('a'), again.forActor('a'));
  assert.is(sample(await registry.metrics(), 'stream_actor_processed_total', { actor: 'a' }), 2);
});

runtime.run();
custom.run();
isolation.run();
