/**
 * The seed's Registry: orchestrators looked up by job type, plus a plugin surface. A plugin can
 * enrich a job before its orchestrator runs and add or change steps (outputs) after it. The
 * orchestrator actors (orchestrator-actor.ts) dispatch every job through one registry.
 */
import type { EnvelopeMetadata, EnvelopeRecord } from '../../envelope/types.js';
import type { Logger } from '../../monitoring/types.js';
import type { ReadOnlyPersistence } from '../../persistence/types.js';
import type { Clock } from '../../clock.js';
import { PermanentError } from '../errors.js';
import type { Job, JobType } from './types.js';

/** What an orchestrator may use: reads, time and logging; never a writer or the streams. */
export interface OrchestratorTools {
  readonly persistence: ReadOnlyPersistence;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** One step an orchestrator asks for: an envelope to emit, derived from the job's envelope. */
export interface OrchestratorOutput {
  type: string;
  payload: unknown;
  records?: EnvelopeRecord[];
  metadata?: Partial<EnvelopeMetadata>;
  /** Tells apart several outputs of one type. */
  key?: string;
}

/** A domain flow for some job types. */
export interface Orchestrator {
  readonly name: string;
  /** Topics its outputs may have (the orchestrator actor may emit only these). */
  readonly emits: readonly string[];
  run(job: Job, tools: OrchestratorTools): Promise<OrchestratorOutput[]> | OrchestratorOutput[];
}

/** Extends orchestrators without changing them. */
export interface OrchestratorPlugin {
  readonly name: string;
  /** Job types it applies to; every type when absent. */
  readonly jobTypes?: readonly string[];
  /** Topics its added outputs may have. */
  readonly emits?: readonly string[];
  /** Runs before the orchestrator; returns the (enriched) job. */
  enrich?(job: Job, tools: OrchestratorTools): Job | Promise<Job>;
  /** Runs after the orchestrator; returns the outputs to emit (add steps, adjust them). */
  after?(job: Job, outputs: OrchestratorOutput[], tools: OrchestratorTools): OrchestratorOutput[] | Promise<OrchestratorOutput[]>;
}

/** Stable codes of registry errors. */
export type RegistryErrorCode = 'REGISTRY_UNKNOWN_JOB_TYPE' | 'REGISTRY_DUPLICATE';

/** A registry lookup or registration that cannot succeed. Unknown job types are permanent (bad input). */
export class RegistryError extends PermanentError {
  readonly registryCode: RegistryErrorCode;
  constructor(registryCode: RegistryErrorCode, message: string) {
    super(message);
    this.name = 'RegistryError';
    this.registryCode = registryCode;
  }
}

/** True when err is a RegistryError (optionally with this code). */
export function isRegistryError(err: unknown, code?: RegistryErrorCode): err is RegistryError {
  return err instanceof RegistryError && (code === undefined || err.registryCode === code);
}

/** Orchestrators by job type, and the plugins around them. One per topology (no global registry). */
export class Registry {
  readonly #orchestrators = new Map<string, Orchestrator>();
  readonly #plugins: OrchestratorPlugin[] = [];

  /** Routes a job type to an orchestrator; registering a type twice is an error. */
  register(jobType: JobType, orchestrator: Orchestrator): this {
    if (this.#orchestrators.has(jobType))
      throw new RegistryError('REGISTRY_DUPLICATE', `job type ${jobType} already has orchestrator ${this.#orchestrators.get(jobType)!.name}`);
    this.#orchestrators.set(jobType, orchestrator);
    return this;
  }

  /** Adds a plugin; plugins run in the order they were added. */
  use(plugin: OrchestratorPlugin): this {
    if (this.#plugins.some((p) => p.name === plugin.name)) throw new RegistryError('REGISTRY_DUPLICATE', `plugin ${plugin.name} is already registered`);
    this.#plugins.push(plugin);
    return this;
  }

  /** The orchestrator of a job type; RegistryError (permanent) when none is registered. */
  resolve(jobType: string): Orchestrator {
    const o = this.#orchestrators.get(jobType);
    if (!o)
      throw new RegistryError(
        'REGISTRY_UNKNOWN_JOB_TYPE',
        `no orchestrator registered for job type ${jobType} (known: ${this.jobTypes().join(', ') || 'none'})`,
      );
    return o;
  }

  /** True when a job type has an orchestrator. */
  has(jobType: string): boolean {
    return this.#orchestrators.has(jobType);
  }

  /** Registered job types. */
  jobTypes(): string[] {
    return [...this.#orchestrators.keys()];
  }

  /** The plugins that apply to a job type, in order. */
  pluginsFor(jobType: string): OrchestratorPlugin[] {
    return this.#plugins.filter((p) => p.jobTypes === undefined || p.jobTypes.includes(jobType));
  }

  /** Every topic the orchestrators and plugins of these job types may emit. */
  emitsFor(jobTypes: readonly string[] = this.jobTypes()): string[] {
    const out = new Set<string>();
    for (const t of jobTypes) {
      for (const e of this.#orchestrators.get(t)?.emits ?? []) out.add(e);
      for (const p of this.pluginsFor(t)) for (const e of p.emits ?? []) out.add(e);
    }
    return [...out];
  }

  /** Runs a job: plugins' enrich, the orchestrator, plugins' after. */
  async run(job: Job, tools: OrchestratorTools): Promise<{ orchestrator: string; job: Job; outputs: OrchestratorOutput[] }> {
    const orchestrator = this.resolve(job.jobType);
    const plugins = this.pluginsFor(job.jobType);
    let current = job;
    for (const p of plugins) if (p.enrich) current = await p.enrich(current, tools);
    let outputs = await orchestrator.run(current, tools);
    for (const p of plugins) if (p.after) outputs = await p.after(current, outputs, tools);
    return { orchestrator: orchestrator.name, job: current, outputs };
  }
}
