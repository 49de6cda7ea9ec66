/**
 * The lead and campaign entities after a run: a few lead states read from their snapshots, and a
 * rebuild of every lead by folding its log, compared with the snapshots (the demo prints both).
 */
import { campaignEntity, leadEntity, type LeadState } from '../entities.js';
import { TOPICS } from '../topics.js';
import { foldLog } from '../../entity/store.js';
import { readEntityStates } from '../../entity/rebuild.js';
import type { StreamBackend } from '../../../streams/backend.js';
import type { Keys } from '../../../streams/keys.js';

/** What the entities hold after a run. */
export interface EntityReport {
  /** Leads with state, by status. */
  leadsByStatus: Record<string, number>;
  /** draft.blocked events by reason. */
  blockedByReason: Record<string, number>;
  draftsBlocked: number;
  /** A few leads (one per status seen), as `actors state` shows them. */
  samples: { id: string; status: string; drafts: number; blocked: number; version: number; lastEventId: string }[];
  /** Leads whose state folded again from the log equals their snapshot, out of all. */
  rebuilt: { same: number; total: number };
  /** Campaign counts: drafted and blocked per campaign. */
  campaigns: Record<string, { drafted: number; blocked: number }>;
}

/** Reads the entities back (every partition of P). */
export async function entityReport(backend: StreamBackend, keys: Keys, partitions = 1): Promise<EntityReport> {
  const lead = leadEntity().model;
  const campaign = campaignEntity().model;
  const leadsByStatus: Record<string, number> = {};
  const blockedByReason: Record<string, number> = {};
  const samples: EntityReport['samples'] = [];
  const campaigns: EntityReport['campaigns'] = {};
  let same = 0;
  let total = 0;
  let draftsBlocked = 0;
  for (let p = 0; p < partitions; p++) {
    for (const e of await backend.range(keys.entityLog(lead.name, p), '-', '+')) {
      const env = JSON.parse(e.fields[3] ?? '{}') as { type?: string; payload?: { reason?: string } };
      if (env.type !== TOPICS.draftBlocked) continue;
      draftsBlocked += 1;
      const reason = env.payload?.reason ?? '?';
      blockedByReason[reason] = (blockedByReason[reason] ?? 0) + 1;
    }
    // The rebuild: every lead folded from the log, compared with what its snapshot says.
    const folded = await foldLog(backend, keys, lead, p, null);
    for (const [id, f] of folded) {
      total += 1;
      const [shown] = await readEntityStates(backend, keys, lead, id, 1 + p).then((r) => r.filter((x) => x.partition === p));
      if (shown?.source === 'snapshot' && shown.version === f.version && JSON.stringify(shown.state) === JSON.stringify(f.state)) same += 1;
      const st = f.state as LeadState;
      leadsByStatus[st.status] = (leadsByStatus[st.status] ?? 0) + 1;
      if (shown && !samples.some((s) => s.status === st.status))
        samples.push({ id, status: st.status, drafts: st.drafts, blocked: st.blocked, version: shown.version, lastEventId: shown.lastEventId });
    }
    for (const [id, f] of await foldLog(backend, keys, campaign, p, null)) {
      const c = (campaigns[id] ??= { drafted: 0, blocked: 0 });
      c.drafted += f.state.drafted;
      c.blocked += f.state.blocked;
    }
  }
  return { leadsByStatus, blockedByReason, draftsBlocked, samples, rebuilt: { same, total }, campaigns };
}
