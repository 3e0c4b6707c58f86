import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { layoutAsl, renderGraphSvg } from '../../local/console/graph';
import { esc, html } from '../../local/console/html';
import { executionPage, executionsPage, feedbackPage, funnelPage, outboxPage } from '../../local/console/pages';
import { funnelView } from '../../local/console/data';

const asl = JSON.parse(readFileSync('statemachines/lead-lifecycle.asl.json', 'utf8')) as { StartAt: string; States: Record<string, unknown> };
const hostile = '<script>alert("x")</script>';

describe('console rendering', () => {
  it('escapes everything interpolated', () => {
    expect(esc(`<a href='x'>&"`)).toBe('&lt;a href=&#39;x&#39;&gt;&amp;&quot;');
    expect(html`<p>${hostile}</p>`.value).toBe('<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</p>');
    const page = executionsPage([{ name: hostile, status: 'RUNNING', currentState: hostile, stage: 'qualifying', startDate: new Date(0) }], { status: hostile }, ['qualifying'], {});
    expect(page).not.toContain('<script>');
    expect(page).toContain('&lt;script&gt;');
    const mails = outboxPage([{ id: '1', to: [hostile], subject: hostile, text: hostile, links: ['http://x/"onmouseover="a'], sentAt: new Date(0).toISOString() }]);
    expect(mails).not.toContain('<script>');
    expect(mails).not.toContain('"onmouseover="');
    const fb = feedbackPage([{ team: 'marketing', items: [{ leadId: 'l', fromTeam: 'inside-sales', toTeam: 'marketing', step: 'qualification-call', answer: 'a', comment: hostile, ratings: [[hostile, 3]], details: [[hostile, hostile]], at: new Date(0).toISOString() }] }]);
    expect(fb).not.toContain('<script>');
  });

  it('lays out every state of the real definition in layers from StartAt', () => {
    const layout = layoutAsl(asl);
    expect(layout.nodes.map((n) => n.name).sort()).toEqual(Object.keys(asl.States).sort());
    const start = layout.nodes.find((n) => n.name === asl.StartAt);
    expect(start?.rank).toBe(0);
    expect(Math.min(...layout.nodes.filter((n) => n.name !== asl.StartAt).map((n) => n.rank))).toBeGreaterThan(0);
    // a loop (overdue -> await again) is a back edge, not a layer order violation
    expect(layout.edges.some((e) => e.back)).toBe(true);
    const rank = (name: string) => layout.nodes.find((n) => n.name === name)?.rank ?? 0;
    const forward = layout.edges.filter((x) => !x.back);
    expect(forward.length).toBeGreaterThan(0);
    expect(forward.filter((e) => rank(e.to) <= rank(e.from)).map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
    // no two nodes overlap
    const overlaps = layout.nodes.flatMap((a) => layout.nodes.filter((b) => a !== b && a.rank === b.rank && Math.abs(a.x - b.x) < a.w).map((b) => `${a.name} / ${b.name}`));
    expect(overlaps).toEqual([]);
  });

  it('highlights the path taken and the current state, and escapes state names', () => {
    const layout = layoutAsl(asl);
    const svg = renderGraphSvg(layout, { path: ['Qualify lead', 'Route qualified lead', 'Await qualification call'], current: ['Await qualification call'] });
    expect(svg).toMatch(/<g class="node node-task current" data-state="Await qualification call">/);
    expect(svg).toMatch(/<g class="node node-task visited" data-state="Qualify lead">/);
    expect(svg).toMatch(/<g class="node node-choice visited" data-state="Route qualified lead">/);
    expect(svg.match(/class="edge[^"]* taken"/g)).toHaveLength(2);
    expect(svg).toContain(`<text class="edge-label"`);
    expect(svg).toContain('$route = &#39;sales-ready&#39;</text>');
    expect(svg).toContain('>Default</text>');
    const evil = renderGraphSvg(layoutAsl({ StartAt: hostile, States: { [hostile]: { Type: 'Succeed' } } }));
    expect(evil).not.toContain('<script>');
  });

  it('renders an execution page with its graph and history', () => {
    const page = executionPage({
      name: 'lead-1', executionArn: 'arn:aws:states:us-east-1:123456789012:execution:lead-lifecycle:lead-1', stateMachineArn: 'arn:sm', status: 'RUNNING',
      startDate: new Date('2026-11-27T09:00:00Z'), currentStates: ['Await qualification call'], path: ['Qualify lead', 'Route qualified lead', 'Await qualification call'],
      definition: asl, history: [{ id: 1, previousEventId: 0, type: 'ExecutionStarted', timestamp: new Date('2026-11-27T09:00:00Z') }, { id: 2, previousEventId: 1, type: 'TaskStateEntered', stateName: 'Qualify lead', timestamp: new Date('2026-11-27T09:00:01Z') }],
      lead: { leadId: 'lead-1', label: 'Acme · Ada', stage: 'qualifying', facts: [['Score', '72']] },
    });
    expect(page).toContain('<svg class="graph"');
    expect(page).toContain('Now in <b class="current-state">Await qualification call</b>');
    expect(page).toContain('<td><a href="?event=2#inspect" aria-label="Event 2: show its data">2</a></td><td>TaskStateEntered</td><td>Qualify lead</td><td>1s</td>');
    // each node a link to its data (no script), the graph a group of links
    expect(page).toContain('<a href="?state=Qualify%20lead#inspect" aria-label="Qualify lead - visited">');
    expect(page).toContain('role="group" aria-label="State machine graph"');
    expect(page).not.toContain('id="inspect"');
  });

  it('marks every state whose latest attempt failed, the current one as current, and shows a selected event\'s data', () => {
    const page = executionPage({
      name: 'lead-2', executionArn: 'arn:x', stateMachineArn: 'arn:sm', status: 'RUNNING', startDate: new Date('2026-11-27T09:00:00Z'),
      currentStates: ['Await rescue decision'], path: ['Qualify lead', 'Schedule meeting', 'Needs attention', 'Await rescue decision'], failedStates: ['Schedule meeting'],
      definition: asl, history: [],
      inspection: { title: 'Event 9 · TaskFailed', eventIds: [9], sections: [['Error', `Error\n${hostile}`]] },
      actions: { canStop: true, rescue: { addressee: 'ops@example.com', answers: [{ value: 'retry', label: 'Retry the step that failed', next: 'It runs again.' }], members: [] } },
    });
    const parts = [
      '<g class="node node-task failed" data-state="Schedule meeting">',
      '<g class="node node-task current" data-state="Await rescue decision">',
      '<a id="current-node" href="?state=Await%20rescue%20decision#inspect"',
      '<a class="small" href="#current-node">show in the graph</a>',
      '<h2 id="inspect-title">Event 9 · TaskFailed</h2>',
      '<pre class="data" tabindex="0" data-section="Error">Error\n&lt;script&gt;',
    ];
    for (const part of parts) expect(page).toContain(part);
    expect(page).toMatch(/<form method="post" action="\/executions\/lead-2\/actions" class="action" data-action="retry"><input type="hidden" name="answer" value="retry"><button type="submit" class="">Retry the step that failed<\/button>/);
    expect(page).toContain('data-action="stop"');
    expect(page).toContain('asked of ops@example.com');
  });
});

describe('funnel page', () => {
  const json = {
    generatedAt: '2026-11-27T10:02:07.751Z',
    headline: { leads: 7, qualified: 5, meetings: 2, won: 1, onboarded: 0, retained: 0, expanded: 0, revenue: [], conversion: { qualified: 0.7143, meetings: 0.4, won: 0.5, onboarded: 0, retained: null, expanded: null } },
    stages: [
      { stage: 'captured', current: 0, entered: 7, exited: 7, timeInStageMs: 7000, medianTimeInStageMs: 900, next: 'qualifying', conversionToNext: 0.7143, topReasons: [{ outcome: 'nurture', reason: 'no-budget', count: 2, nurtureWorthy: true }], backToMarketing: 2 },
      { stage: 'onboarding', current: 1, entered: 1, exited: 0, timeInStageMs: 0, medianTimeInStageMs: null, conversionToNext: 0, topReasons: [], backToMarketing: 0 },
      { stage: 'lost', current: 1, entered: 1, exited: 0, timeInStageMs: 0, topReasons: [] },
    ],
    overall: { leadToWon: 0.1429, leadToCustomer: 0 },
    revenue: [{ currency: 'EUR', amount: 120000, deals: 1, averageDeal: 120000 }],
    byCampaign: [{ campaign: 'spring <b>', leads: 7, qualified: 5, meetings: 2, won: 1, onboarded: 0, retained: 0, expanded: 0, revenue: [{ currency: 'EUR', amount: 120000, deals: 1 }], conversion: { qualified: 0.7143 } }],
    byOwner: [{ team: 'inside-sales', owner: 'sdr1@example.com', leads: 0, qualified: 5, meetings: 2, won: 1, revenue: [], conversion: {} }],
    nurtureWorthyReasons: ['bad-timing', 'no-budget'],
    feedback: {
      since: null,
      pairs: [{ step: 'qualification-call', from: 'inside-sales', to: 'marketing', count: 4, averageRating: 4.25, averageRatings: { 'lead-fit': 4.5 }, conversion: { from: 'qualifying', to: 'meeting', rate: 0.4 }, weeks: [{ week: '2026-W48', count: 4, averageRating: 4.25, conversion: 0.4 }] }],
    },
  };

  it('shapes GET /funnel for the page: headline, stages with median and reasons, campaigns, owners, team pairs by week', () => {
    const view = funnelView(json);
    expect(view.headline.map((c) => [c.step, c.value, c.conversion])).toEqual([
      ['leads', 7, null],
      ['qualified', 5, 0.7143],
      ['meetings', 2, 0.4],
      ['won', 1, 0.5],
      ['onboarded', 0, 0],
      ['retained', 0, null],
      ['expanded', 0, null],
    ]);
    expect(view.stages[0]).toEqual({
      stage: 'captured', current: 0, entered: 7, exited: 7, conversion: 0.7143, avgTimeMs: 1000, medianTimeMs: 900,
      reasons: [{ outcome: 'nurture', reason: 'no-budget', count: 2, nurtureWorthy: true }], backToMarketing: 2,
    });
    expect(view.stages[2]).toMatchObject({ conversion: null, avgTimeMs: null, medianTimeMs: null });
    expect(view.revenue).toEqual([{ currency: 'EUR', amount: 120000, deals: 1 }]);
    expect(view.pairs[0]).toMatchObject({ step: 'qualification-call', count: 4, averageRating: 4.25, ratings: [['lead-fit', 4.5]], conversion: { rate: 0.4 }, weeks: [{ week: '2026-W48', count: 4 }] });
    const page = funnelPage(view);
    expect(page).toContain('<td data-n="leads">7</td>');
    expect(page).toContain('<td data-n="qualified">5<div class="small muted">71.4%</div></td>');
    expect(page).toContain('<dd class="revenue">120,000 EUR from 1 deal</dd>');
    expect(page).toContain('<tr data-stage="captured"><td>captured</td><td>0</td><td>7</td><td>7</td><td>71.4%</td><td>1s</td><td>1s</td><td class="small"><div>nurture: no-budget (2) <span class="muted">nurture</span></div>');
    expect(page).toContain('<tr data-campaign="spring &lt;b&gt;"><td>spring &lt;b&gt;</td>');
    expect(page).not.toContain('spring <b>');
    expect(page).toContain('<tr data-owner="inside-sales/sdr1@example.com">');
    expect(page).toContain('<div>2026-W48: 4, 4.25, 40%</div>');
    expect(funnelView({ nonsense: true })).toMatchObject({ stages: [], overall: [], revenue: [], campaigns: [], owners: [], pairs: [] });
  });
});

describe('auto-refresh', () => {
  it('reloads with a meta refresh (no script) and keeps the filters', () => {
    const on = executionsPage([], { status: 'RUNNING' }, [], { refreshSeconds: 5, self: '/?status=RUNNING' });
    expect(on).toContain('<meta http-equiv="refresh" content="5">');
    expect(on).toContain('<a class="small" href="/?status=RUNNING">Stop auto-refresh (5 s)</a>');
    expect(on).toContain('<input type="hidden" name="refresh" value="5">');
    expect(on).not.toContain('<script');
    const off = executionsPage([], {}, [], { self: '/?stage="><x' });
    expect(off).not.toContain('http-equiv');
    expect(off).toContain('href="/?stage=&quot;&gt;&lt;x&amp;refresh=5"');
  });
});
