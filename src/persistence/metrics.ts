/**
 * Prometheus metrics of the persistence service, registered on an injected registry (never
 * prom-client's global one). Two services sharing a registry share the same metric objects.
 */
import { Counter, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

/** How an operation ended: done, refused by the allowlist/permissions, or failed in the store. */
export type OperationOutcome = 'ok' | 'denied' | 'error';

type OpLabels = 'op' | 'table' | 'outcome';

/** `persistence_operations_total{op,table,outcome}` and `persistence_operation_duration_seconds{op,table}`. */
export class PersistenceMetrics {
  readonly #operations: Counter<OpLabels>;
  readonly #duration: Histogram<'op' | 'table'>;

  constructor(registry: Registry) {
    this.#operations = getOrCreate(
      registry,
      'persistence_operations_total',
      () =>
        new Counter<OpLabels>({
          name: 'persistence_operations_total',
          help: 'Persistence operations by operation, table and outcome.',
          labelNames: ['op', 'table', 'outcome'],
          registers: [registry],
        }),
    );
    this.#duration = getOrCreate(
      registry,
      'persistence_operation_duration_seconds',
      () =>
        new Histogram<'op' | 'table'>({
          name: 'persistence_operation_duration_seconds',
          help: 'Duration of persistence operations in seconds.',
          labelNames: ['op', 'table'],
          buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
          registers: [registry],
        }),
    );
  }

  /** Counts one operation and observes its duration. */
  record(op: string, table: string, outcome: OperationOutcome, seconds: number): void {
    this.#operations.inc({ op, table, outcome });
    this.#duration.observe({ op, table }, seconds);
  }
}

function getOrCreate<T>(registry: Registry, name: string, create: () => T): T {
  const existing = registry.getSingleMetric(name);
  return existing === undefined ? create() : (existing as unknown as T);
}
