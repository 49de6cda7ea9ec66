/** Event-sourced entities: defineEntity, their state store, rebuild and inspection. */
export { defineEntity } from './define.js';
export {
  DEFAULT_ENTITY_OPTIONS,
  isEntityDefinition,
  publishedTypes,
  type Decide,
  type EntityDefinition,
  type EntityEvent,
  type EntityModel,
  type EntitySpec,
  type EntityState,
  type Evolve,
} from './types.js';
export { foldLog, loadStates, ENTITY_FIELD } from './store.js';
export { readEntityStates, rebuildEntity, type EntityStateReport, type RebuildChange } from './rebuild.js';
