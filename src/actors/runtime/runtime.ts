import { hostname } from 'node:os';
import { Registry } from 'prom-client';
import { createLogger } from '../../monitoring/logger.js';
import { createActorMetrics, type ActorMetrics } from '../../monitoring/metrics.js';
import { startMonitoringServer, type MonitoringServer } from '../../monitoring/server.js';
import type { Logger } from '../../monitoring/types.js';
import type { ReadOnlyPersistence } from '../../persistence/types.js';
import { resolveSettings } from '../../settings.js';
import type { WritablePersistence } from '../../persistence/writer.js';
import type { StreamBackend } from '../../streams/backend.js';
import { systemClock, type Clock } from '../../clock.js';
import { assertName, createKeys, type Keys } from '../../streams/keys.js';
import type { ActorDefinition, ServicesOf } from '../types.js';
import { Housekeeping } from './housekeeping.js';
import type { DeliveryStep } from './steps/index.js';
import { DEFAULT_RUNTIME_OPTIONS, type RuntimeOptions } from './options.js';
import { provisioner, type ServicesOption } from './services.js';
import { ActorTracing } from './tracing.js';
import { ActorWorker } from './worker.js';

/** What a runtime runs on; everything but the backend has a default. `S`: the services its actors' handlers get. */
export interface RuntimeDeps<S extends object = object> {
  backend: StreamBackend;
  /** Key layout (prefix); default prefix 'sa'. */
  keys?: Keys;
  /** Consumer name of this process; default `<host>-<slot>`. */
  consumer?: string;
  /** Process slot used in the default consumer name; default 0. */
  slot?: number;
  clock?: Clock;
  logger?: Logger;
  /** prom-client registry for this runtime's metrics (a fresh one by default). */
  registry?: Registry;
  /**
   * Persistence for the actors. Give the full PersistenceService when some actor declares `writes`:
   * each actor still gets only the read-only facade, plus a writer scoped to its declared tables.
   */
  persistence?: ReadOnlyPersistence | WritablePersistence;
  /**
   * What handlers get as `ctx.services` (a mailer, a model client, a cache): one object for every
   * actor, or a factory `(actor) => services` asked once per actor, so each gets only what it needs.
   */
  services?: ServicesOption<S>;
  options?: Partial<RuntimeOptions>;
  /** Partitions P of every topic (1 on a single Redis). */
  partitions?: number;
  /** The partitions this process reads (default: all). Consumers of a group share each partition's entries. */
  ownPartitions?: number[];
  /** Random source for backoff jitter (tests pin it). */
  random?: () => number;
  /** Delivery steps for every actor of this runtime (before each actor's own): a timeout, a rate limit, tracing. */
  steps?: readonly DeliveryStep[];
  /** Serve /metrics (this runtime's registry) and /healthz (200 while running with its groups and Redis answering) on this port from start() until stop(); 0 picks a free port (see `metricsPort`). */
  metricsPort?: number;
  /** Interface the metrics server binds; default 127.0.0.1 (use 0.0.0.0 in a container). */
  metricsHost?: string;
  /** Run after a stop has committed in-flight work, in order (close a database pool, flush a client); a failing hook is logged, the rest still run. */
  onShutdown?: ShutdownHook | ShutdownHook[];
}

/** RuntimeDeps as the constructor takes them: `services` is required when the actors' handlers need some. */
export type RuntimeDepsFor<S extends object> = RuntimeDeps<S> & (object extends S ? unknown : { services: unknown });

/** Work to do once the runtime has stopped. */
export type ShutdownHook = () => Promise<void> | void;

/** Stable consumer name of a process slot: the same after a restart, so it finds its own pending entries. */
export function consumerName(slot = 0, host: string = hostname()): string {
  const safeHost = host.replace(/[^A-Za-z0-9._-]/g, '_') || 'host';
  return `${safeHost}-${slot}`;
}

/** Runs one or more actors in this process on one backend; the services their handlers need (`ctx.services`) are checked against `deps.services`. */
export class ActorRuntime<A extends ActorDefinition = ActorDefinition> {
  readonly consumer: string;
  readonly keys: Keys;
  readonly registry: Registry;
  readonly metrics: ActorMetrics;
  readonly logger: Logger;
  readonly options: RuntimeOptions;
  private readonly workers: ActorWorker[];
  private readonly housekeeping: Housekeeping;
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  private stopping: Promise<void> | null = null;
  private server: MonitoringServer | null = null;
  private readonly shutdownHooks: ShutdownHook[];

  constructor(
    readonly actors: A[],
    private readonly deps: RuntimeDepsFor<ServicesOf<A>>,
  ) {
    if (actors.length === 0) throw new TypeError('ActorRuntime needs at least one actor');
    const names = new Set<string>();
    for (const a of actors) {
      if (names.has(a.name)) throw new TypeError(`actor ${a.name} is listed twice`);
      names.add(a.name);
    }
    this.consumer = deps.consumer ?? consumerName(deps.slot ?? 0);
    assertName('consumer', this.consumer);
    this.keys = deps.keys ?? createKeys();
    this.registry = deps.registry ?? new Registry();
    this.metrics = createActorMetrics(this.registry);
    this.logger = deps.logger ?? createLogger({ service: 'stream-actors' });
    this.options = resolveSettings({ defaults: DEFAULT_RUNTIME_OPTIONS, code: deps.options });
    this.shutdownHooks = deps.onShutdown === undefined ? [] : Array.isArray(deps.onShutdown) ? [...deps.onShutdown] : [deps.onShutdown];
    const clock = deps.clock ?? systemClock;
    const partitions = deps.partitions ?? 1;
    const own = deps.ownPartitions ?? Array.from({ length: partitions }, (_, i) => i);
    for (const p of own) if (!Number.isInteger(p) || p < 0 || p >= partitions) throw new TypeError(`partition ${p} is outside 0..${partitions - 1}`);
    // Each actor's persistence facade, scoped writer and services, made once (least privilege).
    const provision = provisioner<ServicesOf<A>>(deps);
    // One worker per actor and partition: one XREADGROUP never spans two cluster slots.
    this.workers = actors.flatMap((def) => {
      const { persistence, writer, services } = provision(def);
      return own.map(
        (partition) =>
          new ActorWorker(
            def,
            {
              def,
              backend: deps.backend,
              keys: this.keys,
              consumer: this.consumer,
              clock,
              logger: this.logger.child({ actor: def.name }),
              metrics: this.metrics.forActor(def.name),
              custom: this.metrics.custom(def.name),
              persistence,
              ...(writer ? { writer } : {}),
              services,
              tracing: new ActorTracing(def.name, { createSpans: this.options.traceCreateSpans }),
              ...(deps.random ? { random: deps.random } : {}),
              ...(deps.steps ? { steps: deps.steps } : {}),
            },
            this.options,
            partition,
          ),
      );
    });
    this.housekeeping = new Housekeeping(this.workers, {
      backend: deps.backend,
      keys: this.keys,
      consumer: this.consumer,
      clock,
      logger: this.logger,
      metrics: this.metrics,
      options: this.options,
    });
  }

  /** Every stream this runtime's actors read. */
  get streams(): string[] {
    return [...new Set(this.workers.flatMap((w) => w.streams))];
  }

  /** Port of the /metrics and /healthz server (the real one when metricsPort was 0), null when none runs. */
  get metricsPort(): number | null {
    return this.server?.port ?? null;
  }

  /** Adds a hook run after stop() has committed in-flight work (see RuntimeDeps.onShutdown). */
  onShutdown(hook: ShutdownHook): void {
    this.shutdownHooks.push(hook);
  }

  /** True once started and until stop() is called. */
  get running(): boolean {
    return this.state === 'running';
  }

  /** Starts the metrics server (when metricsPort is set), connects, creates the groups and starts every actor and the periodic tasks. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`runtime cannot start from state ${this.state}`);
    // The server first: a port in use fails start() before any entry is read.
    if (this.deps.metricsPort !== undefined) {
      // Ready only while running, with its groups in place and Redis answering.
      const ready = async (): Promise<boolean> => {
        if (!this.running) return false;
        const groups = await Promise.all(this.streams.slice(0, 50).map((s) => this.deps.backend.groups(s)));
        return groups.every((g) => g.length > 0);
      };
      this.server = await startMonitoringServer({
        port: this.deps.metricsPort,
        registry: this.registry,
        ready,
        ...(this.deps.metricsHost ? { host: this.deps.metricsHost } : {}),
      });
      this.logger.info('metrics and health served', { port: this.server.port, paths: ['/metrics', '/healthz'] });
    }
    try {
      await this.deps.backend.connect();
      for (const w of this.workers) await w.start();
    } catch (err) {
      await this.server?.close().catch(() => undefined);
      this.server = null;
      throw err;
    }
    this.housekeeping.start();
    this.state = 'running';
    this.logger.info('runtime started', { consumer: this.consumer, actors: this.actors.map((a) => a.name), prefix: this.keys.prefix });
  }

  /** Graceful stop: stop reading, finish and commit in-flight work, clean up heartbeats and empty consumers. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.state = 'stopping';
      const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), this.options.shutdownTimeoutMs).unref());
      const done = Promise.all(this.workers.map((w) => w.stop())).then(() => 'done' as const);
      if ((await Promise.race([done, timeout])) === 'timeout')
        this.logger.warn('in-flight work did not finish before the shutdown timeout; it stays pending and will be re-read');
      try {
        await this.housekeeping.stop();
      } catch (err) {
        this.logger.warn('cleanup on stop failed', { error: (err as Error).message });
      }
      await this.server?.close().catch((err: unknown) => this.logger.warn('closing the metrics server failed', { error: (err as Error).message }));
      this.server = null;
      for (const hook of this.shutdownHooks) {
        try {
          await hook();
        } catch (err) {
          this.logger.warn('shutdown hook failed', { error: (err as Error).message });
        }
      }
      this.state = 'stopped';
      this.logger.info('runtime stopped', { consumer: this.consumer });
    })();
    return this.stopping;
  }

  /** SIGTERM/SIGINT stop the runtime gracefully, then `onStopped` runs (the CLI exits 0 there). */
  stopOnSignals(onStopped: () => void): void {
    const handler = (signal: NodeJS.Signals): void => {
      this.logger.info('signal received; stopping', { signal });
      void this.stop().then(onStopped);
    };
    process.once('SIGTERM', handler);
    process.once('SIGINT', handler);
  }
}
