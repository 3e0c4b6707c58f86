/**
 * "Qualify lead" (state machine task). Scores the lead (fit + engagement),
 * sets its tier, routes it, and for a sales-ready lead picks the Inside
 * Sales owner by round-robin. An expansion opportunity (opened for an
 * existing customer) skips Inside Sales: route 'expansion'.
 *
 * Stage: 'qualifying' (sales-ready, expansion), 'nurture' or 'disqualified'
 * (record-outcome confirms these when the execution returns the lead to
 * Marketing). Retry-safe: a retried call keeps the owner already chosen.
 */
import middy from '@middy/core';
import { ENV } from '#lib/aws/config';
import { setting } from '#lib/aws/settings';
import type { QualifyLeadEvent, QualifyLeadResult, Stage } from '#lib/core/contracts';
import { ValidationError } from '#lib/core/errors';
import { isExpansion, scoringInputOf } from '#lib/leads/schema';
import { changeStage, requireLead } from '#lib/leads/profile';
import { logger, metrics, MetricUnit, observe } from '#lib/aws/observability';
import { loadRoster } from '#lib/teams/roster';
import { ownerFor } from '#lib/teams/routing';
import { resolveScoringWeights, scoreLead, type ScoreRoute } from '#lib/leads/scoring';
import * as z from '#lib/core/zod';

/** SCORING_WEIGHTS is a partial override: merged over the defaults. */
const weights = resolveScoringWeights(setting('scoringWeights'), ENV.scoringWeights);

export const qualifyLeadEventSchema = z.object({ leadId: z.string().check(z.minLength(1), z.maxLength(80)) });

const STAGE_FOR_ROUTE: Record<ScoreRoute, Stage> = {
  'sales-ready': 'qualifying',
  nurture: 'nurture',
  disqualify: 'disqualified',
};

export async function qualifyLead(event: QualifyLeadEvent): Promise<QualifyLeadResult> {
  const parsed = qualifyLeadEventSchema.safeParse(event);
  if (!parsed.success) throw new ValidationError('leadId', 'is required');
  const { leadId } = parsed.data;
  const lead = await requireLead(leadId);
  const result = scoreLead(scoringInputOf(lead), weights);
  const scoring = {
    ...(lead.attributes ?? {}),
    fitScore: result.fit,
    engagementScore: result.engagement,
    seniority: result.seniority,
  };

  if (isExpansion(lead)) {
    // Field Sales takes an expansion straight away; the account's rep (copied by open-expansion) stays.
    await changeStage(leadId, 'qualifying', {
      reason: 'expansion-opportunity',
      patch: { score: result.score, tier: result.tier, attributes: scoring },
      current: lead,
    });
    logger.info('lead qualified', { leadId, route: 'expansion', score: result.score, tier: result.tier });
    emitRouteMetric('expansion');
    return { route: 'expansion', reason: 'expansion-opportunity', score: result.score, tier: result.tier, owner: lead.owners['field-sales'] ?? '' };
  }

  let owner = '';
  let owners = lead.owners ?? {};
  if (result.route === 'sales-ready') {
    const assigned = await ownerFor(lead, 'inside-sales', (await loadRoster())['inside-sales'].members);
    owner = assigned.member;
    owners = assigned.owners ?? owners;
  }
  await changeStage(leadId, STAGE_FOR_ROUTE[result.route], {
    reason: result.reason,
    patch: { score: result.score, tier: result.tier, owners, attributes: scoring },
    current: lead,
  });
  logger.info('lead qualified', { leadId, route: result.route, reason: result.reason, score: result.score, tier: result.tier });
  emitRouteMetric(result.route);
  return { route: result.route, reason: result.reason, score: result.score, tier: result.tier, owner };
}

function emitRouteMetric(route: string): void {
  const m = metrics.singleMetric();
  m.addDimension('route', route);
  m.addMetric('LeadsQualified', MetricUnit.Count, 1);
}

export const handler = middy<QualifyLeadEvent, QualifyLeadResult>().use(observe()).handler(qualifyLead);
