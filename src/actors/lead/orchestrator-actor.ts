/**
 * The seed's Worker, as an actor: takes a job envelope, resolves its orchestrator through the
 * Registry, runs it (with plugins) and emits what it asked for, derived from the job. It logs a
 * monitoring event when a job starts and when it succeeds, and counts both.
 */
import type { Envelope } from '../../envelope/types.js';
import { defineActor } from '../define.js';
import { PermanentError } from '../errors.js';
import type { ActorDefinition, ActorSpec } from '../types.js';
import type { Registry } from './registry.js';
import type { Job } from './types.js';

/** How to build one orchestrator actor. */
export interface OrchestratorActorOptions {
  name: string;
  /** Job topics it reads (e.g. lead.job). */
  consumes: string[];
  registry: Registry;
  /** Job types this actor serves; their orchestrators' and plugins' topics become the actor's emits. Default: every registered type. */
  jobTypes?: readonly string[];
  /** Extra actor settings. */
  actor?: Partial<ActorSpec>;
}

/** Checks the fields every job needs; a malformed job is permanent. */
export function assertJob(payload: unknown): Job {
  const p = payload as Partial<Job> | null;
  if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new PermanentError('invalid job: $: must be an object');
  if (typeof p.jobType !== 'string' || p.jobType === '') throw new PermanentError('invalid job: $.jobType: required');
  if (typeof p.campaignId !== 'string' || p.campaignId === '') throw new PermanentError('invalid job: $.campaignId: required');
  if (typeof p.query !== 'string') throw new PermanentError('invalid job: $.query: must be a string');
  return { ...(p as Job), context: typeof p.context === 'object' && p.context !== null ? p.context : {} };
}

/**
 * An actor that dispatches jobs through the registry. Register orchestrators and plugins before
 * building it: its `emits` is fixed from what they declare at this moment.
 */
export function orchestratorActor(opts: OrchestratorActorOptions): ActorDefinition {
  const emits = opts.registry.emitsFor(opts.jobTypes ?? opts.registry.jobTypes());
  return defineActor({
    ...opts.actor,
    name: opts.name,
    consumes: opts.consumes,
    emits,
    handle: async (env: Envelope, ctx) => {
      const job = assertJob(env.payload);
      ctx.logger.info('job started', { jobType: job.jobType, campaignId: job.campaignId, correlationId: env.correlationId });
      ctx.metrics.increment('jobs_started', { job_type: job.jobType });
      const done = await opts.registry.run(job, { persistence: ctx.persistence, clock: ctx.clock, logger: ctx.logger });
      const outputs = done.outputs.map((o) =>
        ctx.derive(o.type, o.payload, {
          ...(o.records ? { records: o.records } : {}),
          ...(o.metadata ? { metadata: o.metadata } : {}),
          ...(o.key !== undefined ? { key: o.key } : {}),
        }),
      );
      ctx.logger.info('job succeeded', {
        jobType: job.jobType,
        orchestrator: done.orchestrator,
        outputs: outputs.map((o) => o.type),
        correlationId: env.correlationId,
      });
      ctx.metrics.increment('jobs_succeeded', { job_type: job.jobType });
      return outputs;
    },
  });
}
