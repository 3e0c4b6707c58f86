/**
 * Demo data for a first `npm start`: a handful of leads spread across the
 * stages, moved along by answering their feedback requests over HTTP as the
 * teams would, so the console is never empty. Names are fictional.
 */
import type { FeedbackStep } from '#lib/core/contracts';
import { FEEDBACK_STEP_DEFINITIONS } from '#lib/feedback/steps';
import { postLead, submitFeedback, waitForPending, type HttpAnswer } from './feedback-client';

/**
 * A lead that scores sales-ready with the default weights; override fields
 * for other routes. The demo's leads and `lead` of local/stack-process.ts
 * (end-to-end tests, benchmarks) are made from it.
 */
export function hotLead(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    name: 'Ada Example',
    email: `${id}@example.com`,
    company: 'Example Analytics',
    title: 'VP of Engineering',
    companySize: 450,
    industry: 'Software',
    budget: 'approved',
    timeline: '1-3-months',
    source: 'demo-request',
    campaign: 'spring-launch',
    pagesViewed: 24,
    eventsAttended: 2,
    consent: true,
    ...overrides,
  };
}

/** A demo lead: a hot lead from Germany, with the given changes. */
function demoLead(id: string, overrides: Record<string, unknown>): Record<string, unknown> {
  return hotLead(id, { country: 'DE', ...overrides });
}


/** The required detail fields of an answer, filled with plausible values (demo and tests). */
function defaultDetails(step: FeedbackStep, answer: string): Record<string, string> {
  const def = FEEDBACK_STEP_DEFINITIONS[step];
  const out: Record<string, string> = {};
  for (const d of def.details) {
    if (!(d.requiredFor ?? []).includes(answer)) continue;
    if (d.kind === 'choice') out[d.field] = d.options?.[0]?.value ?? 'other';
    else if (d.kind === 'amount') out[d.field] = '48000';
    else if (d.kind === 'currency') out[d.field] = 'EUR';
    else out[d.field] = 'n/a';
  }
  return out;
}

/** Answers a lead's pending request: the answer, its required details (defaults), then the given fields. */
async function answerPending(appUrl: string, leadId: string, step: FeedbackStep, answer: string, fields: Record<string, string> = {}, timeoutMs?: number): Promise<HttpAnswer> {
  const request = await waitForPending(appUrl, leadId, step, timeoutMs);
  return submitFeedback(request.url, { answer, ...defaultDetails(step, answer), ...fields });
}

type Step = [FeedbackStep, string, Record<string, string>?];

interface DemoLead {
  lead: Record<string, unknown>;
  /** The answers given, in order. */
  steps: Step[];
  /** Where it should end up (for the log). */
  expect: string;
}

const DEMO_LEADS: DemoLead[] = [
  { lead: demoLead('demo-northwind', { name: 'Nora North', company: 'Northwind Analytics', title: 'Head of Data' }), steps: [], expect: 'qualifying' },
  {
    lead: demoLead('demo-globex', { name: 'Gus Globe', company: 'Globex Retail', budget: 'none', timeline: '6-12-months', industry: 'Retail' }),
    steps: [],
    expect: 'nurture',
  },
  { lead: demoLead('demo-initech', { name: 'Ian Tech', company: 'Initech', consent: false }), steps: [], expect: 'disqualified' },
  {
    lead: demoLead('demo-umbrella', { name: 'Uma Brella', company: 'Umbrella Health', industry: 'Financial Services' }),
    steps: [['qualification-call', 'book-meeting', { comment: 'Loved the launch webinar.', 'rating.campaign-reaction': '5', 'rating.lead-fit': '4' }]],
    expect: 'meeting',
  },
  {
    lead: demoLead('demo-stark', { name: 'Toni Stark', company: 'Stark Components', companySize: '1001-5000' }),
    steps: [
      ['qualification-call', 'book-meeting', { 'rating.lead-fit': '5' }],
      ['meeting-outcome', 'held-proceed', { 'rating.budget-accuracy': '4', missing: 'Procurement contact' }],
    ],
    expect: 'negotiating',
  },
  {
    lead: demoLead('demo-wayne', { name: 'Bruce Wayne', company: 'Wayne Logistics', industry: 'IT Services' }),
    steps: [
      ['qualification-call', 'book-meeting', {}],
      ['meeting-outcome', 'held-proceed', { 'rating.authority-accuracy': '5' }],
      ['deal-decision', 'won', { amount: '120000', currency: 'EUR', promises: 'SSO in Q3' }],
      ['onboarding-review', 'on-track', { 'rating.expectations-set-right': '4', difficulties: 'Data import' }],
    ],
    expect: 'onboarding, waiting for its first check-in',
  },
  {
    lead: demoLead('demo-hooli', { name: 'Gavin Hooli', company: 'Hooli Cloud', industry: 'SaaS' }),
    steps: [
      ['qualification-call', 'book-meeting', {}],
      ['meeting-outcome', 'held-proceed', {}],
      ['deal-decision', 'lost', { reasonCode: 'price', comment: 'Chose a cheaper tool' }],
    ],
    expect: 'lost',
  },
];

export async function seedDemo(options: { appUrl: string; apiKey: string; log: (line: string) => void }): Promise<void> {
  for (const d of DEMO_LEADS) {
    const r = await postLead(options.appUrl, options.apiKey, d.lead);
    if (r.status !== 201 && r.status !== 200) throw new Error(`demo lead rejected: HTTP ${r.status}`);
  }
  await Promise.all(
    DEMO_LEADS.map(async (d) => {
      const leadId = String(d.lead.id);
      for (const [step, answer, fields] of d.steps) {
        const res = await answerPending(options.appUrl, leadId, step, answer, fields ?? {}, 30_000);
        if (res.status >= 400) throw new Error(`demo answer ${step}=${answer} for ${leadId}: HTTP ${res.status}`);
      }
    }),
  );
  options.log(`Demo: seeded ${DEMO_LEADS.length} leads (${DEMO_LEADS.map((d) => d.expect).join(', ')}). --no-demo skips this on an empty data folder.`);
}
