import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createKeys } from '../src/streams/keys.js';

const keys = suite('keys');

keys('topic and marker keys follow the layout, every call (remembered or not)', () => {
  const k = createKeys('sa');
  for (let round = 0; round < 2; round++) {
    assert.is(k.topic('orders.created'), 'sa:{sa:p0}:topic:orders.created');
    assert.is(k.topic('orders.created', 3), 'sa:{sa:p3}:topic:orders.created');
    assert.is(k.idempotency('billing', 'key:with {odd} chars'), 'sa:{sa:p0}:idem:billing:key:with {odd} chars');
    assert.is(k.idempotency('billing', 'k', 7), 'sa:{sa:p7}:idem:billing:k');
  }
  // Past the remembered names and partitions, keys are still built right.
  for (let i = 0; i < 1100; i++) assert.is(k.topic(`t.n${i}`, i), `sa:{sa:p${i}}:topic:t.n${i}`);
  assert.is(k.topic('orders.created', 3), 'sa:{sa:p3}:topic:orders.created');
});

keys('bad names and partitions are refused, also after good ones were remembered', () => {
  const k = createKeys('sa');
  k.topic('a.b');
  k.idempotency('g', 'x');
  assert.throws(() => k.topic('a b'), /must match/);
  assert.throws(() => k.idempotency('g:h', 'x'), /must match/);
  for (const p of [-1, 1.5, Number.NaN, '0' as unknown as number]) {
    assert.throws(() => k.topic('a.b', p), /partition must be a non-negative integer/);
    assert.throws(() => k.idempotency('g', 'x', p), /partition must be a non-negative integer/);
  }
});

keys.run();
