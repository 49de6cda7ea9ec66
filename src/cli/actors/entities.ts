/** `actors state <entity> <id>` and `actors rebuild <entity> [--id]`: read and rebuild event-sourced entity state. */
import { rebuildEntity, readEntityStates } from '../../actors/entity/rebuild.js';
import { isEntityDefinition, type EntityDefinition } from '../../actors/entity/types.js';
import { CliError, type CliIO } from '../common.js';
import { renderTable, toJson } from '../format.js';
import { actorsConfig, connectBackend, keysFor, leadTopology, type ActorsFlags } from './setup.js';

/** The topology's entity of that name; USAGE naming the known ones otherwise. */
function entityNamed(name: string, env: NodeJS.ProcessEnv): EntityDefinition {
  const entities = leadTopology({ ...env, PERSISTENCE_ADAPTER: 'memory' }).actors.filter(isEntityDefinition);
  const def = entities.find((e) => e.name === name);
  if (!def) throw new CliError('USAGE', `unknown entity ${name} (known: ${entities.map((e) => e.name).join(', ')})`);
  return def;
}

const short = (v: unknown): string => {
  const text = JSON.stringify(v);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
};

/** `actors state <entity> <id>`: its state, version and last event, from the snapshot (or folded from the log). */
export async function actorsState(
  args: ActorsFlags & { entity: string; id: string; json: boolean },
  io: CliIO,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const def = entityNamed(args.entity, env);
  const cfg = actorsConfig(args, env);
  const backend = await connectBackend(cfg);
  try {
    const states = await readEntityStates(backend, keysFor(cfg), def.model, args.id, cfg.partitions);
    if (args.json) io.out(toJson(states));
    else if (states.length === 0) io.out(`${args.entity} ${args.id}: no events and no snapshot`);
    else
      for (const s of states)
        io.out(
          `${args.entity} ${s.id} (partition ${s.partition}, from ${s.source}): version ${s.version}, last event ${s.lastEventId}, stateVersion ${s.stateVersion}\n${JSON.stringify(s.state, null, 2)}`,
        );
    return states.length === 0 ? 1 : 0;
  } finally {
    await backend.close();
  }
}

/** `actors rebuild <entity> [--id]`: folds the log, rewrites the snapshots that differ, reports what changed. */
export async function actorsRebuild(
  args: ActorsFlags & { entity: string; id?: string | undefined; dryRun: boolean; json: boolean },
  io: CliIO,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const def = entityNamed(args.entity, env);
  const cfg = actorsConfig(args, env);
  const backend = await connectBackend(cfg);
  try {
    const changes = await rebuildEntity(backend, keysFor(cfg), def.model, {
      partitions: cfg.partitions,
      ...(args.id !== undefined ? { id: args.id } : {}),
      dryRun: args.dryRun,
    });
    const changed = changes.filter((c) => c.outcome !== 'unchanged');
    if (args.json) io.out(toJson({ entity: args.entity, dryRun: args.dryRun, folded: changes.length, changed: changed.length, changes }));
    else {
      const verb = args.dryRun ? 'would rewrite' : 'rewrote';
      io.out(
        `${args.entity}: folded ${changes.length} entit${changes.length === 1 ? 'y' : 'ies'} from the log; ${verb} ${changed.filter((c) => c.outcome === 'written').length}, ${changes.length - changed.length} unchanged${changed.some((c) => c.outcome === 'conflict') ? `, ${changed.filter((c) => c.outcome === 'conflict').length} moved meanwhile (left to their consumer)` : ''}`,
      );
      if (changed.length)
        io.out(
          renderTable(
            ['id', 'partition', 'outcome', 'before', 'after'],
            changed.map((c) => [
              c.id,
              String(c.partition),
              c.outcome,
              c.before ? `v${c.before.version} (state v${c.before.stateVersion ?? '?'}) ${short(c.before.state)}` : '-',
              `v${c.after.version} ${short(c.after.state)}`,
            ]),
          ),
        );
    }
    if (args.id !== undefined && changes.length === 0) {
      io.err(`actors: ${args.entity} ${args.id} has no events in the log`);
      return 1;
    }
    return 0;
  } finally {
    await backend.close();
  }
}
