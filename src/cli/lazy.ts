/**
 * The command implementations, each loaded on its first call. A bin imports this light module,
 * parses its flags, and only then loads the command it runs (and ioredis, pg, the lead topology…),
 * so `--help` and a bad flag answer fast. Each export has the type of the function it forwards to.
 */
import type {
  actorsDemo as ActorsDemo,
  actorsIngest as ActorsIngest,
  actorsList as ActorsList,
  actorsMigrate as ActorsMigrate,
  actorsReplay as ActorsReplay,
} from './actors/admin.js';
import type { actorsDashboard as ActorsDashboard } from './actors/dashboard.js';
import type { actorsRebuild as ActorsRebuild, actorsState as ActorsState } from './actors/entities.js';
import type { actorsRun as ActorsRun } from './actors/run.js';
import type { actorsTrace as ActorsTrace } from './actors/trace.js';
import type { streamsBench as StreamsBench } from './bench/command.js';
import type { streamsDlq as StreamsDlq } from './dlq/command.js';
import type { streamsGroupReset as StreamsGroupReset } from './group-reset.js';
import type { streamsHealth as StreamsHealth } from './health/command.js';
import type { redisHealth as RedisHealth } from './redis-health/command.js';

type Async<F extends (...args: never[]) => unknown> = (...args: Parameters<F>) => Promise<Awaited<ReturnType<F>>>;

export const streamsHealth: Async<typeof StreamsHealth> = async (...a) => (await import('./health/command.js')).streamsHealth(...a);
export const streamsDlq: Async<typeof StreamsDlq> = async (...a) => (await import('./dlq/command.js')).streamsDlq(...a);
export const streamsGroupReset: Async<typeof StreamsGroupReset> = async (...a) => (await import('./group-reset.js')).streamsGroupReset(...a);
export const redisHealth: Async<typeof RedisHealth> = async (...a) => (await import('./redis-health/command.js')).redisHealth(...a);
export const actorsRun: Async<typeof ActorsRun> = async (...a) => (await import('./actors/run.js')).actorsRun(...a);
export const actorsList: Async<typeof ActorsList> = async (...a) => (await import('./actors/admin.js')).actorsList(...a);
export const actorsIngest: Async<typeof ActorsIngest> = async (...a) => (await import('./actors/admin.js')).actorsIngest(...a);
export const actorsReplay: Async<typeof ActorsReplay> = async (...a) => (await import('./actors/admin.js')).actorsReplay(...a);
export const actorsMigrate: Async<typeof ActorsMigrate> = async (...a) => (await import('./actors/admin.js')).actorsMigrate(...a);
export const actorsDemo: Async<typeof ActorsDemo> = async (...a) => (await import('./actors/admin.js')).actorsDemo(...a);
export const actorsTrace: Async<typeof ActorsTrace> = async (...a) => (await import('./actors/trace.js')).actorsTrace(...a);
export const actorsState: Async<typeof ActorsState> = async (...a) => (await import('./actors/entities.js')).actorsState(...a);
export const actorsRebuild: Async<typeof ActorsRebuild> = async (...a) => (await import('./actors/entities.js')).actorsRebuild(...a);
export const actorsDashboard: Async<typeof ActorsDashboard> = async (...a) => (await import('./actors/dashboard.js')).actorsDashboard(...a);
export const streamsBench: Async<typeof StreamsBench> = async (...a) => (await import('./bench/command.js')).streamsBench(...a);
