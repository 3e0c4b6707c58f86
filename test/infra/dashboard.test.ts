/**
 * The CloudWatch dashboard of the funnel (infra/constructs/monitoring.ts),
 * from its synthesized DashboardBody JSON: the widgets, and that every metric
 * they read is one the functions emit (functions/lib/funnel/metrics.ts) in
 * namespace TheModelPipeline with its small, fixed set of dimensions.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { beforeAll, describe, expect, it } from 'vitest';
import { STAGES } from '#lib/core/contracts';
import { FUNNEL_DIMENSION, FUNNEL_METRIC, HEADLINE_STAGES, MAIN_PATH, RESCUE_METRIC, feedbackPairs, teamPairDimension } from '#lib/funnel/metrics';
import { Monitoring } from '../../infra/constructs/monitoring';

interface Widget {
  type: string;
  properties: { title?: string; markdown?: string; metrics?: unknown[][]; view?: string; stat?: string; period?: number };
}

/** The dashboard body with CloudFormation tokens (region, ARNs) replaced by placeholders, parsed. */
function dashboardBody(template: Template): { widgets: Widget[] } {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  const body = (dashboards[0] as { Properties: { DashboardBody: unknown } }).Properties.DashboardBody;
  const text =
    typeof body === 'string'
      ? body
      : ((body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1] ?? []).map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('');
  return JSON.parse(text) as { widgets: Widget[] };
}

/** A metric row of a widget: [namespace, name, dim1, value1, ..., {options}] (or '.' shorthand, not used by the CDK). */
interface MetricRow {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  options: Record<string, unknown>;
}

function metricRows(w: Widget): { rows: MetricRow[]; expressions: string[] } {
  const rows: MetricRow[] = [];
  const expressions: string[] = [];
  for (const row of w.properties.metrics ?? []) {
    const last = row[row.length - 1];
    const options = typeof last === 'object' && last !== null ? (last as Record<string, unknown>) : {};
    if (typeof options['expression'] === 'string') {
      expressions.push(options['expression']);
      continue;
    }
    const plain = row.filter((x): x is string => typeof x === 'string');
    const dimensions: Record<string, string> = {};
    for (let i = 2; i + 1 < plain.length; i += 2) dimensions[plain[i] as string] = plain[i + 1] as string;
    rows.push({ namespace: plain[0] ?? '', name: plain[1] ?? '', dimensions, options });
  }
  return { rows, expressions };
}

/** The dimension names each funnel metric is emitted with (besides `service`). */
const EMITTED_DIMENSIONS: Record<string, readonly string[]> = {
  [FUNNEL_METRIC.stageEntered]: [FUNNEL_DIMENSION.stage],
  [FUNNEL_METRIC.timeInStage]: [FUNNEL_DIMENSION.stage],
  [FUNNEL_METRIC.handoffRating]: [FUNNEL_DIMENSION.teamPair],
  [FUNNEL_METRIC.outcomeReason]: [FUNNEL_DIMENSION.stage, FUNNEL_DIMENSION.reason],
  [FUNNEL_METRIC.revenueWon]: [FUNNEL_DIMENSION.currency],
  ExpansionsOpened: [],
  [RESCUE_METRIC.name]: [RESCUE_METRIC.kindDimension],
};

let widgets: Widget[];
const byTitle = (prefix: string): Widget => {
  const w = widgets.find((x) => x.properties.title?.startsWith(prefix));
  if (w === undefined) throw new Error(`no widget "${prefix}": ${widgets.map((x) => x.properties.title).join(' | ')}`);
  return w;
};

beforeAll(() => {
  const stack = new Stack();
  new Monitoring(stack, 'Monitoring', {
    stateMachine: sfn.StateMachine.fromStateMachineArn(stack, 'Sm', 'arn:aws:states:eu-west-1:123456789012:stateMachine:lead-lifecycle'),
    functions: { 'close-deal': lambda.Function.fromFunctionArn(stack, 'Fn', 'arn:aws:lambda:eu-west-1:123456789012:function:close-deal') },
  });
  widgets = dashboardBody(Template.fromStack(stack)).widgets;
});

describe('the funnel dashboard', () => {
  it('reads only TheModelPipeline metrics the functions emit, with their fixed dimensions and bounded values', () => {
    const rows = widgets.flatMap((w) => metricRows(w).rows).filter((r) => !r.namespace.startsWith('AWS/'));
    expect(rows.length).toBeGreaterThan(20);
    for (const r of rows) {
      expect(r.namespace, r.name).toBe('TheModelPipeline');
      expect(Object.keys(EMITTED_DIMENSIONS), r.name).toContain(r.name);
      expect(Object.keys(r.dimensions).sort(), r.name).toEqual(['service', ...(EMITTED_DIMENSIONS[r.name] ?? [])].sort());
      expect(r.dimensions['service']).toBe('the-model-pipeline');
    }
    // The stages and team pairs they name are real ones.
    const stages = rows.flatMap((r) => r.dimensions[FUNNEL_DIMENSION.stage] ?? []);
    const pairs = rows.flatMap((r) => r.dimensions[FUNNEL_DIMENSION.teamPair] ?? []);
    expect(stages.length).toBeGreaterThan(0);
    expect(pairs.length).toBeGreaterThan(0);
    expect(STAGES).toEqual(expect.arrayContaining(stages));
    expect(feedbackPairs().map((p) => teamPairDimension(p.from, p.to))).toEqual(expect.arrayContaining(pairs));
    // Searches stay in the namespace and name their dimension set exactly.
    const searches = widgets.flatMap((w) => metricRows(w).expressions).filter((e) => e.includes('SEARCH('));
    expect(searches.length).toBe(3);
    for (const e of searches) expect(e).toMatch(/SEARCH\('\{TheModelPipeline,[A-Za-z,]+\} MetricName="[A-Za-z]+"/);
  });

  it('shows the headline funnel: leads, qualified, meetings, won, onboarded, retained, expanded', () => {
    const { rows } = metricRows(byTitle('Funnel'));
    expect(rows.map((r) => r.dimensions[FUNNEL_DIMENSION.stage] ?? r.name)).toEqual([...Object.values(HEADLINE_STAGES), 'ExpansionsOpened']);
    expect(rows.map((r) => r.options['label'])).toEqual(['Leads', 'Qualified', 'Meetings', 'Won', 'Onboarded', 'Retained', 'Expanded']);
    expect(rows.every((r) => r.options['stat'] === 'Sum')).toBe(true);
  });

  it('shows conversion per stage along the main path, from StageEntered', () => {
    const { rows, expressions } = metricRows(byTitle('Conversion per stage'));
    expect(expressions).toHaveLength(MAIN_PATH.length - 1);
    expect(expressions.every((e) => /^IF\(\w+ > 0, 100 \* \w+ \/ \w+, 0\)$/.test(e))).toBe(true);
    expect(new Set(rows.map((r) => r.name))).toEqual(new Set([FUNNEL_METRIC.stageEntered]));
    expect(new Set(rows.map((r) => r.dimensions[FUNNEL_DIMENSION.stage]))).toEqual(new Set(MAIN_PATH));
  });

  it('shows revenue by currency and the median (p50) time in stage', () => {
    expect(metricRows(byTitle('Revenue won')).expressions[0]).toContain(`MetricName="${FUNNEL_METRIC.revenueWon}"`);
    const time = metricRows(byTitle('Median time in stage'));
    expect(time.rows.every((r) => r.name === FUNNEL_METRIC.timeInStage && r.options['stat'] === 'p50')).toBe(true);
    expect(time.rows.map((r) => r.dimensions[FUNNEL_DIMENSION.stage])).toEqual(MAIN_PATH.slice(0, -1));
  });

  it('shows hand-off quality per team pair: the weekly mean of HandoffRating', () => {
    const { rows } = metricRows(byTitle('Hand-off quality'));
    expect(rows.map((r) => r.dimensions[FUNNEL_DIMENSION.teamPair])).toEqual(feedbackPairs().map((p) => teamPairDimension(p.from, p.to)));
    // Average is CloudWatch's default statistic: the CDK leaves it out of the body.
    expect(rows.every((r) => r.name === FUNNEL_METRIC.handoffRating && (r.options['stat'] ?? 'Average') === 'Average' && r.options['period'] === 7 * 86400)).toBe(true);
  });

  it('shows the top five loss and churn reasons', () => {
    for (const [title, stage] of [['Top loss reasons', 'lost'], ['Top churn reasons', 'churned']] as const) {
      const w = byTitle(title);
      expect(w.properties.view).toBe('bar');
      const [expression] = metricRows(w).expressions;
      expect(expression).toContain(`MetricName="${FUNNEL_METRIC.outcomeReason}" Stage="${stage}"`);
      expect(expression).toMatch(/^SORT\(SEARCH\(.*\), SUM, DESC, 5\)$/);
    }
  });
});
