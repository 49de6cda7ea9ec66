/**
 * The StreamBackend contract suite on a local 3-master Redis Cluster: every key of one test lives
 * under one partition's hash tag, so commits, claims and trims run in one slot, as in production.
 */
import { Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createKeys } from '../src/streams/keys.js';
import { RedisStreamBackend } from '../src/streams/redis-backend.js';
import { streamBackendContract } from './contract/stream-backend.contract.js';
import { blockedClients, clusterForTests, clusterSkipReason, uniquePrefix } from './support/redis.js';
import { gated } from './support/skip.js';

const cluster = await clusterForTests();
const skip = await clusterSkipReason();
streamBackendContract(
  'cluster',
  async () => {
    const backend = new RedisStreamBackend({ clusterNodes: cluster!.nodes, maxRetriesPerRequest: 5 });
    await backend.connect();
    const prefix = uniquePrefix('cl');
    return {
      backend,
      keys: createKeys(prefix),
      blockedReaders: () => blockedClients(backend),
      cleanup: async () => {
        const keys = await backend.scanKeys(`${prefix}:*`);
        if (keys.length) await backend.deleteKeys(keys);
        await backend.close();
      },
    };
  },
  skip,
);

const s = gated(suite('[cluster] keys spread over masters'), skip);
s('listStreams and batched writes cover every master', async () => {
  const backend = new RedisStreamBackend({ clusterNodes: cluster!.nodes });
  await backend.connect();
  const keys = createKeys(uniquePrefix('spread'));
  try {
    const streams = Array.from({ length: 12 }, (_, p) => keys.topic('t.x', p));
    const ids = await backend.appendMany(streams.map((stream) => ({ stream, fields: ['n', '1'] })));
    assert.is(ids.length, 12);
    assert.equal(await backend.listStreams(keys.topicPattern()), [...streams].sort());
    let mastersWithKeys = 0;
    for (const node of cluster!.nodes) {
      const r = new Redis(`redis://${node}`);
      if ((await r.dbsize()) > 0) mastersWithKeys += 1;
      r.disconnect();
    }
    assert.ok(mastersWithKeys > 1, `partitions land on more than one master (${mastersWithKeys})`);
    assert.is(await backend.deleteKeys(streams), 12);
  } finally {
    await backend.close();
  }
});
s.run();
