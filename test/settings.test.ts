/**
 * The one settings resolver: precedence (code options > CLI flags > environment > defaults),
 * boolean parsing shared by every variable, and the layers that use it (streams config, runtime
 * options, connection options, RAG and persistence environment).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ragOptionsFromEnv, resolveRagOptions, DEFAULT_RAG_OPTIONS, isRagConfigError } from '../src/actors/lead/rag/options.js';
import { DEFAULT_RUNTIME_OPTIONS } from '../src/actors/runtime/options.js';
import { exitCodeFor, EXIT } from '../src/cli/common.js';
import { leadTopology } from '../src/cli/actors/setup.js';
import { DEFAULT_STREAMS_CONFIG, resolveStreamsConfig } from '../src/config.js';
import { DEFAULT_PERSISTENCE_OPTIONS, resolvePersistenceConfig } from '../src/persistence/config.js';
import { DEFAULT_REDIS_CONNECTION_OPTIONS, ioredisOptions } from '../src/streams/redis-connection.js';
import { isConfigError, parseBoolean, parseInteger, readEnv, resolveSettings, type EnvSpec } from '../src/settings.js';

interface Demo {
  name: string;
  size: number;
  verbose: boolean;
  tags: string[];
}
const DEFAULTS: Readonly<Demo> = Object.freeze({ name: 'default', size: 1, verbose: false, tags: [] });
const SPEC: EnvSpec<Demo> = {
  name: { name: 'DEMO_NAME', type: 'string' },
  size: { name: 'DEMO_SIZE', type: 'integer', min: 1, max: 10 },
  verbose: { name: 'DEMO_VERBOSE', type: 'boolean' },
  tags: { name: 'DEMO_TAGS', type: 'list' },
};

function throwsConfig(fn: () => unknown, setting: string, message: RegExp): void {
  try {
    fn();
  } catch (err) {
    assert.ok(isConfigError(err), `a ConfigError, got ${String(err)}`);
    assert.is((err as { setting: string }).setting, setting);
    assert.match((err as Error).message, message);
    return;
  }
  assert.unreachable(`expected a ConfigError for ${setting}`);
}

const precedence = suite('settings: precedence');

precedence('code options > CLI flags > environment > defaults, one layer at a time', () => {
  const env = { DEMO_NAME: 'from-env', DEMO_SIZE: '3' };
  assert.equal(resolveSettings({ defaults: DEFAULTS }), DEFAULTS);
  assert.is(resolveSettings({ defaults: DEFAULTS, env, envSpec: SPEC }).name, 'from-env');
  assert.is(resolveSettings({ defaults: DEFAULTS, env, envSpec: SPEC, flags: { name: 'from-flag' } }).name, 'from-flag');
  assert.is(resolveSettings({ defaults: DEFAULTS, env, envSpec: SPEC, flags: { name: 'from-flag' }, code: { name: 'from-code' } }).name, 'from-code');
  // Layers merge per field: the size still comes from the environment.
  assert.is(resolveSettings({ defaults: DEFAULTS, env, envSpec: SPEC, flags: { name: 'from-flag' } }).size, 3);
});

precedence('an undefined or blank value in a layer leaves the one below in place', () => {
  const got = resolveSettings({ defaults: DEFAULTS, env: { DEMO_NAME: '  ' }, envSpec: SPEC, flags: { name: undefined }, code: { name: '' } });
  assert.is(got.name, 'default');
  assert.is(resolveSettings({ defaults: DEFAULTS, env: { DEMO_NAME: 'e' }, envSpec: SPEC, flags: { name: undefined } }).name, 'e');
});

precedence('the defaults object is never changed by a resolve', () => {
  resolveSettings({ defaults: DEFAULTS, code: { name: 'x', size: 9 } });
  assert.equal(DEFAULTS, { name: 'default', size: 1, verbose: false, tags: [] });
  assert.ok(Object.isFrozen(DEFAULT_RUNTIME_OPTIONS) && Object.isFrozen(DEFAULT_STREAMS_CONFIG) && Object.isFrozen(DEFAULT_REDIS_CONNECTION_OPTIONS));
});

precedence('readEnv parses each field by its type and reads only the variables named', () => {
  assert.equal(readEnv({ DEMO_NAME: ' n ', DEMO_SIZE: '10', DEMO_VERBOSE: 'yes', DEMO_TAGS: 'a, b,,c', OTHER: 'x' }, SPEC), {
    name: 'n',
    size: 10,
    verbose: true,
    tags: ['a', 'b', 'c'],
  });
  assert.equal(readEnv({}, SPEC), {});
});

const parsing = suite('settings: parsing');

parsing('booleans: 1/true/yes/on and 0/false/no/off in any case; blank is unset', () => {
  for (const t of ['1', 'true', 'TRUE', 'yes', 'Yes', 'on', ' 1 ']) assert.is(parseBoolean('X', t), true, t);
  for (const f of ['0', 'false', 'False', 'no', 'NO', 'off']) assert.is(parseBoolean('X', f), false, f);
  assert.is(parseBoolean('X', undefined), undefined);
  assert.is(parseBoolean('X', ''), undefined);
});

parsing('anything else is a ConfigError naming the variable and the value', () => {
  for (const bad of ['maybe', '2', 'y', 'enabled'])
    throwsConfig(() => parseBoolean('DEMO_VERBOSE', bad), 'DEMO_VERBOSE', new RegExp(`DEMO_VERBOSE must be a boolean .*"${bad}"`));
  throwsConfig(() => readEnv({ DEMO_VERBOSE: 'maybe' }, SPEC), 'DEMO_VERBOSE', /must be a boolean/);
});

parsing('integers: bounds and non-integers are refused with the range in the message', () => {
  assert.is(parseInteger('N', '7', { min: 1 }), 7);
  for (const bad of ['0', '11', '2.5', 'ten', '1e3', '0x10'])
    throwsConfig(() => readEnv({ DEMO_SIZE: bad }, SPEC), 'DEMO_SIZE', /DEMO_SIZE must be an integer from 1 to 10/);
});

const layers = suite('settings: every layer uses the resolver');

layers('streams config: flags and code win over the environment; env booleans use the shared parser', () => {
  const env = { REDIS_URL: 'redis://env:6379', STREAMS_PREFIX: 'envp', REDIS_TLS_REJECT_UNAUTHORIZED: 'no', STREAMS_PARTITIONS: '4' };
  const fromEnv = resolveStreamsConfig({}, env);
  assert.equal([fromEnv.redisUrl, fromEnv.prefix, fromEnv.tlsRejectUnauthorized, fromEnv.partitions], ['redis://env:6379', 'envp', false, 4]);
  const withFlags = resolveStreamsConfig({ prefix: 'flagp', redisUrl: undefined }, env);
  assert.equal([withFlags.redisUrl, withFlags.prefix], ['redis://env:6379', 'flagp']);
  assert.is(resolveStreamsConfig({ prefix: 'flagp' }, env, { prefix: 'codep' }).prefix, 'codep');
  assert.is(resolveStreamsConfig({}, {}).redisUrl, DEFAULT_STREAMS_CONFIG.redisUrl);
  throwsConfig(() => resolveStreamsConfig({}, { REDIS_TLS_REJECT_UNAUTHORIZED: 'nope' }), 'REDIS_TLS_REJECT_UNAUTHORIZED', /must be a boolean/);
  throwsConfig(() => resolveStreamsConfig({}, { STREAMS_PARTITIONS: '0' }), 'STREAMS_PARTITIONS', /from 1 to 1024/);
});

layers('a bad environment value is a usage error for the CLI (exit 2)', () => {
  try {
    resolveStreamsConfig({}, { REDIS_TLS_REJECT_UNAUTHORIZED: 'perhaps' });
    assert.unreachable('expected a ConfigError');
  } catch (err) {
    assert.is(exitCodeFor(err), EXIT.usage);
  }
});

layers('connection options: an undefined option keeps its default', () => {
  const { options } = ioredisOptions({ url: 'redis://127.0.0.1:1', connectTimeoutMs: undefined as unknown as number, connectionName: undefined });
  assert.is(options.connectTimeout, DEFAULT_REDIS_CONNECTION_OPTIONS.connectTimeoutMs);
  assert.is(options.connectionName, DEFAULT_REDIS_CONNECTION_OPTIONS.connectionName);
});

layers('RAG and delivery environment booleans share the parser: "maybe" is an error, not false', () => {
  assert.equal(ragOptionsFromEnv({ RAG_DEBUG_IO: 'on', RAG_DEEP_DEBUG: 'no' }), { debugIo: true, deepDebug: false });
  try {
    ragOptionsFromEnv({ RAG_DEBUG_IO: 'maybe' });
    assert.unreachable('expected a RagConfigError');
  } catch (err) {
    assert.ok(isRagConfigError(err), String(err));
    assert.match((err as Error).message, /RAG_DEBUG_IO must be a boolean/);
  }
  assert.equal(resolveRagOptions({ maxLimit: undefined }), DEFAULT_RAG_OPTIONS);
  throwsConfig(() => leadTopology({ PERSISTENCE_ADAPTER: 'memory', DELIVERY_ENABLED: 'sometimes' }), 'DELIVERY_ENABLED', /must be a boolean/);
});

layers('persistence: blank variables are unset and defaults come from DEFAULT_PERSISTENCE_OPTIONS', () => {
  const cfg = resolvePersistenceConfig({ DATABASE_URL: '  ', DATABASE_SCHEMA: '' });
  assert.equal([cfg.kind, cfg.schema], ['memory', DEFAULT_PERSISTENCE_OPTIONS.schema]);
});

precedence.run();
parsing.run();
layers.run();
