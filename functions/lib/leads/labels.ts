/**
 * Human labels of the lead's codes (budget, timeline, source, stage, company
 * size), for emails and pages: nobody reads `1-3-months` or `approved`.
 */
import type { Stage } from '#lib/core/contracts';
import { humanizeCode } from '#lib/core/format';
import type { BudgetStatus, LeadSource, Timeline } from './scoring';

export const BUDGET_LABELS: Readonly<Record<BudgetStatus, string>> = {
  approved: 'Approved',
  planned: 'Planned',
  exploring: 'Exploring',
  none: 'None',
  unknown: 'Not known',
};

export const TIMELINE_LABELS: Readonly<Record<Timeline, string>> = {
  immediate: 'Now',
  '1-3-months': 'In 1 to 3 months',
  '3-6-months': 'In 3 to 6 months',
  '6-12-months': 'In 6 to 12 months',
  'over-12-months': 'In over a year',
  unknown: 'Not known',
};

export const SOURCE_LABELS: Readonly<Record<LeadSource, string>> = {
  'demo-request': 'Demo request',
  'existing-customer': 'Existing customer',
  referral: 'Referral',
  partner: 'Partner',
  event: 'Event',
  webinar: 'Webinar',
  'content-download': 'Content download',
  'organic-search': 'Organic search',
  'paid-search': 'Paid search',
  'paid-social': 'Paid social',
  outbound: 'Outbound',
  'purchased-list': 'Purchased list',
  other: 'Other',
};

export const STAGE_LABELS: Readonly<Record<Stage, string>> = {
  captured: 'Captured',
  qualifying: 'Waiting for the qualification call',
  meeting: 'Meeting with Field Sales',
  negotiating: 'Negotiating',
  onboarding: 'Onboarding',
  customer: 'Customer',
  renewed: 'Renewed',
  churned: 'Churned',
  nurture: 'Back in nurture',
  disqualified: 'Disqualified',
  lost: 'Lost',
  stalled: 'Stalled',
  'needs-attention': 'Needs attention',
};

/** The label of `code` in `labels`, else the code as words ('' for none). */
export function labelOf(labels: Readonly<Record<string, string>>, code: string | undefined): string | undefined {
  if (code === undefined || code === '') return undefined;
  return Object.hasOwn(labels, code) ? labels[code] : humanizeCode(code);
}

/** "11-50" -> "11 to 50 employees", "5001+" -> "Over 5,000 employees". */
export function companySizeLabel(band: string | undefined): string | undefined {
  if (!band) return undefined;
  const range = /^(\d+)-(\d+)$/.exec(band);
  if (range) return `${Number(range[1]).toLocaleString('en-GB')} to ${Number(range[2]).toLocaleString('en-GB')} employees`;
  const over = /^(\d+)\+$/.exec(band);
  if (over) return `Over ${(Number(over[1]) - 1).toLocaleString('en-GB')} employees`;
  return band;
}
