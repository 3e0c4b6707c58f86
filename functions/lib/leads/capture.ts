/**
 * Capturing a submitted lead under its id, and coming back after an erasure.
 *
 * A lead's id is its execution's name. It comes from the client, or from the
 * email and campaign (leads/schema.ts deriveLeadId), so the same person
 * submitting the same form twice is one lead: the duplicate gets the stored
 * lead back. An erased lead keeps its id (its profile stays, anonymous, for
 * the funnel), and Step Functions refuses a second execution with the same
 * name for 90 days after the first closed: the id is spent. A person who
 * comes back after an erasure is a new lead, so a submit that finds the id
 * erased moves on to the id's next generation, `<id>-g2`, `<id>-g3`, ... (a
 * new execution name each), and the first generation that is free, or holds
 * this same contact, is the lead. The generations are tried in order, each
 * with the conditional create of leads/profile.ts putNewLead, so duplicate
 * and concurrent submits land on the same one: nothing is stored for a
 * generation until it is used, and nothing links the erased lead to the new
 * one but the id they share.
 */
import { Conflict } from '#lib/core/errors';
import { putNewLead } from './profile';
import type { LeadInput, LeadProfile } from './records';

/** How many generations one id can have (erased, then submitted again): a guard against a runaway loop. */
export const MAX_GENERATIONS = 20;

/** Generation `n` of a lead id: the id itself, then `<id>-g<n>` (client ids are at most 64 characters: room under Step Functions' 80, expansions' `-x<n>` included). */
export function generationId(id: string, n: number): string {
  return n <= 1 ? id : `${id}-g${n}`;
}

interface Captured {
  /** The id the lead was stored under: `id`, or a later generation of it when `id` was erased. */
  leadId: string;
  /** A new lead (false: the same contact submitted again and gets the stored one). */
  created: boolean;
  lead: LeadProfile;
}

/**
 * Stores a submitted lead under `id` or, when that lead was erased, under the
 * first generation of `id` that is free or already holds this contact.
 * Conflict when `id` belongs to another contact (a client id reused).
 */
export async function captureLead(id: string, input: LeadInput): Promise<Captured> {
  for (let n = 1; n <= MAX_GENERATIONS; n += 1) {
    const leadId = generationId(id, n);
    const { created, lead } = await putNewLead(leadId, input);
    if (created) return { leadId, created, lead };
    if (lead.erasedAt !== undefined) continue; // erased: this id is spent, try the next generation
    if (lead.email === input.email) return { leadId, created, lead }; // a duplicate submit
    // The id itself belongs to another contact: refused, as ever. A later generation's id taken by another
    // contact (a client chose it for its own lead) is skipped.
    if (n === 1) throw new Conflict('a lead with this id already exists for another contact', { leadId });
  }
  throw new Conflict(`this id was used for ${MAX_GENERATIONS} leads already`, { leadId: id });
}
