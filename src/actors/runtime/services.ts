/**
 * What a handler's context is given besides the runtime's own members, made once per actor: the
 * read-only persistence facade, a writer scoped to the tables the actor declared in `writes`, and
 * the user's services (one object for every actor, or a factory asked once per actor). The runtime
 * and the handler specification provision actors through this one function, so a handler sees
 * the same context in a test as in production.
 */
import { ReadOnlyPersistenceFacade } from '../../persistence/facade.js';
import type { ReadOnlyPersistence } from '../../persistence/types.js';
import { isWritablePersistence, TableWriter, type WritablePersistence } from '../../persistence/writer.js';
import type { ActorDefinition } from '../types.js';

/**
 * Services for handlers (`ctx.services`): one object every actor shares, or a factory asked once
 * per actor at construction, so each actor gets only what it needs (what the factory leaves out is
 * absent for that actor). A function is always taken as the factory.
 */
export type ServicesOption<S extends object> = S | ((actor: ActorDefinition<S>) => NoInfer<Partial<S>>);

/** What provisioning draws on: the runtime's (or the specification's) persistence and services. */
export interface ProvisionSources<S extends object> {
  /** Read surface for every actor; a WritablePersistence also serves the writers of actors that declare `writes`. */
  persistence?: ReadOnlyPersistence | WritablePersistence | undefined;
  services?: ServicesOption<S> | undefined;
}

/** What one actor's context is provisioned with. */
export interface Provisions<S extends object = object> {
  /** Least-privilege reads: the facade over the given persistence (no rows when none was given). */
  persistence: ReadOnlyPersistence;
  /** Only for actors that declared `writes`: scoped to those tables. */
  writer?: WritablePersistence;
  services: S;
}

/** A read surface with no data, for runtimes whose actors do not read persistence. */
export const NO_PERSISTENCE: ReadOnlyPersistence = Object.freeze({
  capabilities: Object.freeze({ ilike: false }),
  query: async () => ({ rows: [], total: 0 }),
  getById: async () => null,
  columns: async () => [],
});

/** `ctx.services` of actors given none. */
export const NO_SERVICES: object = Object.freeze({});

/** The function that provisions each actor; throws TypeError at once for an actor that cannot be provisioned. */
export function provisioner<S extends object>(sources: ProvisionSources<S>): (def: ActorDefinition<S>) => Provisions<S> {
  // Least privilege: every actor reads through a facade; only declared tables are writable.
  const reads = new ReadOnlyPersistenceFacade(sources.persistence ?? NO_PERSISTENCE);
  const { services } = sources;
  const servicesOf =
    typeof services === 'function'
      ? (def: ActorDefinition<S>): S => {
          const given = services(def) as unknown;
          if (typeof given !== 'object' || given === null)
            throw new TypeError(`the services factory returned ${String(given)} for actor ${def.name}; return an object`);
          return given as S;
        }
      : (): S => (services ?? NO_SERVICES) as S;
  return (def) => {
    const provisions: Provisions<S> = { persistence: reads, services: servicesOf(def) };
    const tables = def.writes ?? [];
    if (tables.length > 0) {
      if (!isWritablePersistence(sources.persistence))
        throw new TypeError(
          `actor ${def.name} declares writes [${tables.join(', ')}] but was given read-only persistence (or none); pass the PersistenceService`,
        );
      provisions.writer = new TableWriter(sources.persistence, tables);
    }
    return provisions;
  };
}
