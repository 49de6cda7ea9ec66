/**
 * The campaign catalogue: the campaign manager reads campaigns from the `campaigns` table (name,
 * client, status: what a campaign is), never their counts or schedule (the `campaign` entity
 * keeps those). Reads go through the read-only facade and are cached briefly per process, so a
 * batch of mail costs one read per campaign, not one per mail.
 *
 * An empty (or unlisted) table means no catalogue is kept: every campaign id is taken as given,
 * as before the table was used. With a catalogue, an unknown id is handled by the caller: mail
 * falls back to the default campaign, a schedule is dead-lettered (campaign-manager.ts says why).
 */
import { isPersistenceNotAllowedError } from '../../persistence/errors.js';
import { CAMPAIGNS_TABLE } from '../../persistence/lead/tables.js';
import type { ReadOnlyPersistence, Row } from '../../persistence/types.js';
import type { Clock } from '../../clock.js';

/** What the catalogue says about one campaign id. */
export type CampaignLookup = { kind: 'known'; row: Row } | { kind: 'unknown' } | { kind: 'no-catalogue' };

/** How long a read of the catalogue is reused. */
export const CAMPAIGN_CACHE_TTL_MS = 30_000;

/** Cached reads of the campaigns table over one read-only persistence. */
export class CampaignCatalogue {
  readonly #rows = new Map<string, { row: Row | null; at: number }>();
  #configured: { value: boolean; at: number } | undefined;

  constructor(
    private readonly persistence: ReadOnlyPersistence,
    private readonly clock: Clock,
    private readonly ttlMs = CAMPAIGN_CACHE_TTL_MS,
  ) {}

  /** The campaign's row, `unknown` when the catalogue lacks it, `no-catalogue` when there is none. Store outages throw (the runtime retries). */
  async lookup(id: string): Promise<CampaignLookup> {
    const now = this.clock.now();
    const cached = this.#rows.get(id);
    let row: Row | null;
    if (cached && now - cached.at < this.ttlMs) row = cached.row;
    else {
      try {
        row = await this.persistence.getById(CAMPAIGNS_TABLE.name, id);
      } catch (err) {
        if (isPersistenceNotAllowedError(err)) return { kind: 'no-catalogue' };
        throw err;
      }
      this.#rows.set(id, { row, at: now });
    }
    if (row !== null) return { kind: 'known', row };
    return (await this.#hasCatalogue(now)) ? { kind: 'unknown' } : { kind: 'no-catalogue' };
  }

  async #hasCatalogue(now: number): Promise<boolean> {
    if (this.#configured && now - this.#configured.at < this.ttlMs) return this.#configured.value;
    const value = (await this.persistence.query(CAMPAIGNS_TABLE.name, { limit: 1 })).total > 0;
    this.#configured = { value, at: now };
    return value;
  }
}
