/**
 * Expansion opportunities: a new lead for an existing customer, id
 * `<account lead id>-x<n>` (n = 1, 2, ... per account; expansions of
 * expansions count on the first lead of the account, so ids stay short).
 */
import type { FeedbackAnswer } from '#lib/core/contracts';
import { ATTRIBUTE } from './schema';
import { putNewLead, requireLead } from './profile';
import type { LeadInput, LeadProfile } from './records';

/** Most expansions one account can have (a guard against a runaway loop). */
const MAX_EXPANSIONS_PER_ACCOUNT = 200;

const expansionLeadId = (rootLeadId: string, n: number): string => `${rootLeadId}-x${n}`;

/** The first lead of the account a lead belongs to. */
function accountRootOf(lead: LeadProfile): string {
  const root = lead.attributes?.[ATTRIBUTE.rootLeadId];
  return typeof root === 'string' && root !== '' ? root : lead.leadId;
}

/** The new lead's data: who and which company, not the old engagement signals. */
function expansionInput(parent: LeadProfile, checkIn: FeedbackAnswer, trigger: string): LeadInput & Pick<LeadProfile, 'owners' | 'expansionOf'> {
  const owners: LeadProfile['owners'] = {};
  if (parent.owners?.['field-sales']) owners['field-sales'] = parent.owners['field-sales'];
  if (parent.owners?.['customer-success']) owners['customer-success'] = parent.owners['customer-success'];
  const input: LeadInput & Pick<LeadProfile, 'owners' | 'expansionOf'> = {
    name: parent.name,
    email: parent.email,
    company: parent.company,
    source: 'existing-customer',
    owners,
    expansionOf: parent.leadId,
    attributes: {
      [ATTRIBUTE.kind]: 'expansion',
      [ATTRIBUTE.rootLeadId]: accountRootOf(parent),
      [ATTRIBUTE.expansionTrigger]: trigger,
    },
  };
  if (parent.title !== undefined) input.title = parent.title;
  if (parent.phone !== undefined) input.phone = parent.phone;
  if (parent.country !== undefined) input.country = parent.country;
  if (parent.industry !== undefined) input.industry = parent.industry;
  if (parent.employees !== undefined) input.employees = parent.employees;
  if (parent.companySize !== undefined) input.companySize = parent.companySize;
  if (parent.consent !== undefined) input.consent = parent.consent;
  if (parent.campaign !== undefined) input.campaign = parent.campaign;
  if (checkIn.comment.trim() !== '') input.message = checkIn.comment.trim();
  return input;
}

/**
 * Creates the expansion lead for this check-in, or finds the one a previous
 * (retried) call created. `created` is true only for a new lead.
 */
export async function openExpansionLead(parentLeadId: string, checkIn: FeedbackAnswer): Promise<{ lead: LeadProfile; created: boolean }> {
  const parent = await requireLead(parentLeadId);
  const root = accountRootOf(parent);
  // One opportunity per (parent, check-in answer).
  const trigger = `${parent.leadId}@${checkIn.answeredAt}`;
  const input = expansionInput(parent, checkIn, trigger);
  for (let n = 1; n <= MAX_EXPANSIONS_PER_ACCOUNT; n += 1) {
    const id = expansionLeadId(root, n);
    const { created, lead } = await putNewLead(id, input);
    if (created || lead.attributes?.[ATTRIBUTE.expansionTrigger] === trigger) return { lead, created };
  }
  throw new Error(`account ${root} has more than ${MAX_EXPANSIONS_PER_ACCOUNT} expansion opportunities`);
}
