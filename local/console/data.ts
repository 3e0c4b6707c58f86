/**
 * What the console and the local JSON endpoints read: executions from the
 * engine (in-process, the same API the Step Functions endpoint serves), leads,
 * feedback and pending requests from the table (queries on the GSIs, no
 * scans), the funnel from the funnel handler, mail from the outbox.
 */
import { createHash } from 'node:crypto';
import { BatchGetCommand, GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { pages } from '#lib/aws/paginate';
import { STAGES, TEAMS, type Stage } from '#lib/core/contracts';
import { EVENT_SK_PREFIX, INDEX, INDEX_KEY, leadIdOfPk, leadKey, leadPk, linkKey, stageGsiPk, teamFeedbackGsiPk } from '#lib/core/keys';
import { stepDefinition } from '#lib/feedback/steps';
import type { Engine, ExecutionDescription, ExecutionStatus, ExecutionSummary, HistoryEvent } from '../engine/api';
import { lambdaContext, type InvokableHandler } from '../apigw';
import { appLinks, type Outbox } from '../outbox';
import type { GoalProgress } from '#lib/funnel/goal';
import { dueText, executionNow, failedStates, inspect, waitingOf } from './history';
import { leadFacts, matchesSearch, pendingLink, type PendingLink } from './lead-rows';
import { FUNNEL_HEADLINE, type ExecutionActions, type ExecutionRow, type ExecutionView, type FeedbackItem, type FunnelHeadlineCell, type FunnelView, type HistoryRow, type LeadCard, type OutboxItem, type StageColumn, type StageEventRow, type TeamFeedback, type WaitView } from './pages';

/** The console's stage columns and filter: the contract's stages, in its order (a new stage shows up by itself). */
export const STAGE_ORDER = STAGES;
/** The console's team sections and owner facts: the contract's teams, in its order. */
export const TEAM_ORDER = TEAMS;
/** The state where a failed or stalled lead waits for a person's decision (the rescue request). */
export const RESCUE_STATE = 'Await rescue decision';

function isStage(s: string): s is Stage {
  return (STAGES as readonly string[]).includes(s);
}

type Item = Record<string, unknown>;

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
function rec(v: unknown): Item {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Item) : {};
}
/** The item's lead id: its `leadId`, else read from its `LEAD#<id>` pk. */
function leadIdOf(item: Item): string | undefined {
  const pk = str(item.pk);
  return str(item.leadId) ?? (pk === undefined ? undefined : leadIdOfPk(pk));
}

export function leadCard(item: Item): LeadCard {
  const leadId = leadIdOf(item) ?? '?';
  const company = str(item.company);
  const name = str(item.name);
  const facts: [string, string][] = [];
  const add = (label: string, v: unknown): void => {
    if (typeof v === 'string' && v !== '') facts.push([label, v]);
    else if (typeof v === 'number') facts.push([label, String(v)]);
  };
  add('Title', item.title);
  add('Company size', item.companySize);
  add('Industry', item.industry);
  add('Source', item.source);
  add('Campaign', item.campaign);
  add('Score', item.score);
  add('Tier', item.tier);
  const owners = rec(item.owners);
  for (const team of TEAM_ORDER) add(`Owner (${team})`, owners[team]);
  const deal = rec(item.deal);
  if (num(deal.amount) !== undefined) facts.push(['Deal', `${num(deal.amount) ?? 0} ${str(deal.currency) ?? ''}`.trim()]);
  add('Reason', item.reason);
  const lastError = rec(item.lastError);
  if (str(lastError.error) !== undefined) facts.push(['Last error', `${str(lastError.step) ?? ''}: ${str(lastError.error) ?? ''}`]);
  return {
    leadId,
    label: [company, name].filter((x) => x !== undefined).join(' · ') || leadId,
    stage: str(item.stage) ?? '?',
    stageChangedAt: str(item.stageChangedAt),
    facts,
  };
}

/** The console row of a history event: a step name and a short detail, never inputs, outputs or tokens. */
export function historyRow(e: HistoryEvent): HistoryRow {
  let stateName: string | undefined;
  let detail: string | undefined;
  for (const [k, v] of Object.entries(e)) {
    if (!k.endsWith('EventDetails')) continue;
    const d = rec(v);
    if (k === 'stateEnteredEventDetails' || k === 'stateExitedEventDetails') stateName = str(d.name);
    const parts: string[] = [];
    if (str(d.resourceType) !== undefined && str(d.resource) !== undefined) parts.push(`${str(d.resourceType) ?? ''}:${str(d.resource) ?? ''}`);
    if (str(d.error) !== undefined) parts.push(str(d.error) ?? '');
    if (num(d.timeoutInSeconds) !== undefined) parts.push(`timeout ${num(d.timeoutInSeconds) ?? 0}s`);
    if (num(d.waitedSeconds) !== undefined) parts.push(`waited ${num(d.waitedSeconds) ?? 0}s`);
    if (str(d.timestamp) !== undefined) parts.push(`until ${str(d.timestamp) ?? ''}`);
    if (parts.length > 0) detail = parts.join(' · ');
  }
  const row: HistoryRow = { id: e.id, previousEventId: e.previousEventId, type: e.type, timestamp: new Date(e.timestamp) };
  if (stateName !== undefined) row.stateName = stateName;
  if (detail !== undefined) row.detail = detail;
  return row;
}

/** States entered, in order, and the state a failed execution ended in. */
export function pathOf(history: readonly HistoryEvent[]): { path: string[]; open: string[] } {
  const path: string[] = [];
  const open = new Map<string, number>();
  for (const e of history) {
    const d = rec(e.stateEnteredEventDetails ?? e.stateExitedEventDetails);
    const name = str(d.name);
    if (name === undefined) continue;
    if (e.type.endsWith('StateEntered')) {
      path.push(name);
      open.set(name, (open.get(name) ?? 0) + 1);
    } else if (e.type.endsWith('StateExited')) {
      const n = (open.get(name) ?? 0) - 1;
      if (n <= 0) open.delete(name);
      else open.set(name, n);
    }
  }
  return { path, open: [...open.keys()] };
}

export interface PendingRequest {
  leadId: string;
  step: string;
  answers: string[];
  /** The feedback page (GET shows the form; POST answers). */
  url: string;
  sentAt: string;
  to: string[];
  expiresAt?: string;
}

interface ConsoleDataOptions {
  engine: Engine;
  doc: DynamoDBDocumentClient;
  tableName: string;
  stateMachineArn: string;
  outbox: Outbox;
  /**
   * The app's own base URLs (PUBLIC_BASE_URL, the local app URL): the only
   * links of a mail the outbox and the console list (a mail's text holds
   * lead input, and a link in it may point anywhere).
   */
  appBaseUrls: readonly string[];
  funnel?: InvokableHandler;
  /** The substituted definition (what the graph draws when the engine has no copy). */
  definition: string;
  /** The engine's time scale: execution time runs this many times faster than the clock (history times are execution times). */
  timeScale?: number;
  /** The clock time (ms) every execution's time counts from (the engine's timeOrigin); undefined: each execution's own start. */
  timeOrigin?: number;
}

export class ConsoleData {
  constructor(private readonly o: ConsoleDataOptions) {}

  async allExecutions(status?: ExecutionStatus): Promise<ExecutionSummary[]> {
    const out: ExecutionSummary[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.o.engine.listExecutions({ stateMachineArn: this.o.stateMachineArn, statusFilter: status, maxResults: 1000, nextToken });
      out.push(...page.items);
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    return out;
  }

  async profiles(leadIds: readonly string[]): Promise<Map<string, Item>> {
    const found = new Map<string, Item>();
    const unique = [...new Set(leadIds)];
    for (let i = 0; i < unique.length; i += 100) {
      let keys: Item[] = unique.slice(i, i + 100).map((id) => ({ ...leadKey(id) }));
      for (let attempt = 0; keys.length > 0 && attempt < 5; attempt += 1) {
        const out = await this.o.doc.send(new BatchGetCommand({ RequestItems: { [this.o.tableName]: { Keys: keys } } }));
        for (const item of out.Responses?.[this.o.tableName] ?? []) {
          const id = leadIdOf(item);
          if (id !== undefined) found.set(id, item);
        }
        keys = (out.UnprocessedKeys?.[this.o.tableName]?.Keys ?? []) as Item[];
      }
    }
    return found;
  }

  async executions(filter: { status?: string; stage?: string; q?: string } = {}): Promise<(ExecutionRow & { executionArn: string })[]> {
    const status = filter.status !== undefined && filter.status !== '' ? (filter.status as ExecutionStatus) : undefined;
    const list = await this.allExecutions(status);
    const profiles = await this.profiles(list.map((e) => e.name));
    const rows = await Promise.all(
      list.map(async (e) => {
        const d = e.status === 'RUNNING' ? await this.o.engine.describeExecution(e.executionArn) : undefined;
        const profile = profiles.get(e.name);
        const row: ExecutionRow & { executionArn: string } = { name: e.name, executionArn: e.executionArn, status: e.status, startDate: e.startDate, ...leadFacts(profile) };
        const current = d?.currentStates?.join(', ');
        if (current !== undefined && current !== '') row.currentState = current;
        const stage = str(profile?.stage);
        if (stage !== undefined) row.stage = stage;
        if (e.stopDate !== undefined) row.stopDate = e.stopDate;
        if (d !== undefined) {
          const waiting = await this.waiting(e.name, e.executionArn, e.startDate, d.currentStates?.[0]);
          if (waiting !== undefined) row.waiting = waiting;
        }
        return row;
      }),
    );
    const q = filter.q?.trim() ?? '';
    return rows.filter((r) => (filter.stage === undefined || filter.stage === '' || r.stage === filter.stage) && (q === '' || matchesSearch(r, q)));
  }

  /** What a running execution waits for (its history's latest events), from whom (the pending request), due when. */
  async waiting(leadId: string, executionArn: string, startDate: Date, current: string | undefined, history?: readonly HistoryEvent[]): Promise<WaitView | undefined> {
    if (current === undefined) return undefined;
    const events = history ?? (await this.o.engine.getExecutionHistory({ executionArn, maxResults: 200, reverseOrder: true })).items.reverse();
    const w = waitingOf(events, current, this.definitionOf());
    if (w === undefined) return undefined;
    const view: WaitView = { state: w.state, kind: w.kind, escalated: w.escalated };
    if (w.kind === 'answer') {
      const link = await this.pendingLink(leadId);
      if (link !== undefined) {
        view.who = link.addressee;
        view.escalated = view.escalated || link.escalated;
      }
    }
    if (w.due !== undefined) {
      view.due = w.due;
      view.dueText = dueText(w.due, executionNow(this.o.timeOrigin !== undefined ? new Date(this.o.timeOrigin) : startDate, this.o.timeScale ?? 1));
    }
    return view;
  }

  private parsedDefinition: unknown;
  private definitionOf(): unknown {
    this.parsedDefinition ??= JSON.parse(this.o.definition) as unknown;
    return this.parsedDefinition;
  }

  /** The lead's latest pending request (its LINK item), of `step` when given. */
  pendingLink(leadId: string, step?: string): Promise<PendingLink | undefined> {
    return pendingLink(this.o.doc, this.o.tableName, leadId, step);
  }

  /** The buttons of the execution page: the rescue request's answers while it waits for one, and stop while it runs. */
  async actions(leadId: string, running: boolean, current: readonly string[]): Promise<ExecutionActions> {
    const actions: ExecutionActions = { canStop: running };
    if (!running || !current.includes(RESCUE_STATE)) return actions;
    const link = await this.pendingLink(leadId, 'rescue');
    if (link === undefined) return actions;
    const offered = stepDefinition('rescue').answers.filter((a) => link.answers.includes(a.value));
    actions.rescue = {
      answers: offered.map((a) => ({ value: a.value, label: a.label, next: a.next ?? '' })),
      members: link.choices,
      addressee: link.addressee,
    };
    return actions;
  }

  async history(executionArn: string, includeExecutionData = false): Promise<HistoryEvent[]> {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.o.engine.getExecutionHistory({ executionArn, maxResults: 1000, nextToken, includeExecutionData });
      events.push(...page.items);
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    return events;
  }

  /** StopExecution, when it still runs: true when this call stopped it. */
  async stopExecution(name: string): Promise<boolean> {
    const executionArn = this.executionArnOf(name);
    try {
      if ((await this.o.engine.describeExecution(executionArn)).status !== 'RUNNING') return false;
      await this.o.engine.stopExecution({ executionArn, error: 'Console.Stopped', cause: 'Stopped by ops from the local console' });
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === 'ExecutionDoesNotExist') return false;
      throw error;
    }
  }

  executionArnOf(name: string): string {
    return this.o.stateMachineArn.replace(':stateMachine:', ':execution:') + `:${name}`;
  }

  async execution(name: string, selection: { event?: number; state?: string } = {}): Promise<ExecutionView | undefined> {
    let d: ExecutionDescription;
    try {
      d = await this.o.engine.describeExecution(this.executionArnOf(name));
    } catch {
      return undefined;
    }
    const events = await this.history(d.executionArn, true);
    const { path, open } = pathOf(events);
    let definitionText = this.o.definition;
    try {
      definitionText = (await this.o.engine.describeStateMachine(d.stateMachineArn)).definition;
    } catch {
      // fall back to the current definition
    }
    const item = (await this.o.doc.send(new GetCommand({ TableName: this.o.tableName, Key: leadKey(name) }))).Item;
    const view: ExecutionView = {
      name: d.name,
      executionArn: d.executionArn,
      stateMachineArn: d.stateMachineArn,
      status: d.status,
      startDate: d.startDate,
      currentStates: d.status === 'RUNNING' ? (d.currentStates ?? open) : [],
      path,
      definition: JSON.parse(definitionText) as unknown,
      history: events.map(historyRow),
    };
    if (d.stopDate !== undefined) view.stopDate = d.stopDate;
    if (d.error !== undefined) view.error = d.error;
    if (d.cause !== undefined) view.cause = d.cause;
    if ((d.status === 'FAILED' || d.status === 'TIMED_OUT') && path.length > 0) view.failedState = path[path.length - 1];
    view.failedStates = failedStates(events);
    const waiting = d.status === 'RUNNING' ? await this.waiting(name, d.executionArn, d.startDate, view.currentStates[0], events) : undefined;
    if (waiting !== undefined) view.waiting = waiting;
    const inspection = inspect(events, selection, view.definition);
    if (inspection !== undefined) view.inspection = inspection;
    view.actions = await this.actions(name, d.status === 'RUNNING', view.currentStates);
    if (item !== undefined) {
      view.lead = leadCard(item);
      view.stageEvents = await this.stageEvents(name);
    }
    return view;
  }

  /** `LEAD#<id>` / `EVENT#...`: the lead's stage changes, oldest first (one partition, no scan). */
  async stageEvents(leadId: string): Promise<StageEventRow[]> {
    const out = await this.o.doc.send(
      new QueryCommand({
        TableName: this.o.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': leadPk(leadId), ':prefix': EVENT_SK_PREFIX },
      }),
    );
    return (out.Items ?? []).map(stageEventRow);
  }

  /** Every item of one GSI partition (pages followed; with `limit`, stops after the page that reaches it). */
  async queryAll(input: { index: keyof typeof INDEX; pkValue: string; forward?: boolean; limit?: number }): Promise<Item[]> {
    const items: Item[] = [];
    const send = (ExclusiveStartKey: Item | undefined) =>
      this.o.doc.send(
        new QueryCommand({
          TableName: this.o.tableName,
          IndexName: INDEX[input.index],
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': INDEX_KEY[input.index].pk },
          ExpressionAttributeValues: { ':pk': input.pkValue },
          ScanIndexForward: input.forward ?? true,
          ExclusiveStartKey,
        }),
      );
    for await (const page of pages(send)) {
      items.push(...(page.Items ?? []));
      if (input.limit !== undefined && items.length >= input.limit) break;
    }
    return input.limit === undefined ? items : items.slice(0, input.limit);
  }

  async leadsByStage(stage?: string): Promise<StageColumn[]> {
    const stages: readonly string[] = stage !== undefined && stage !== '' ? [stage] : STAGE_ORDER;
    return Promise.all(
      stages.map(async (s) => ({
        stage: s,
        // not a stage: no lead can be in it
        leads: isStage(s) ? await this.stageLeads(s) : [],
      })),
    );
  }

  /** The leads in a stage, latest change first: byStage projects keys only (infra/table-schema.ts), so the cards come from the profiles (BatchGet). */
  async stageLeads(stage: Stage): Promise<LeadCard[]> {
    const ids = (await this.queryAll({ index: 'byStage', pkValue: stageGsiPk(stage), forward: false })).flatMap((key) => leadIdOf(key) ?? []);
    const profiles = await this.profiles(ids);
    return ids.flatMap((id) => {
      const profile = profiles.get(id);
      return profile === undefined ? [] : [leadCard(profile)];
    });
  }

  async teamFeedback(limit = 100): Promise<TeamFeedback[]> {
    return Promise.all(
      TEAM_ORDER.map(async (team) => ({
        team,
        items: (await this.queryAll({ index: 'byTeamFeedback', pkValue: teamFeedbackGsiPk(team), forward: false, limit })).map((i) => feedbackItem(i, team)),
      })),
    );
  }

  /** The funnel handler's JSON (the same figures GET /funnel returns). */
  async funnelJson(): Promise<unknown> {
    if (this.o.funnel === undefined) return {};
    const now = new Date();
    const event = {
      version: '2.0',
      routeKey: 'GET /funnel',
      rawPath: '/funnel',
      rawQueryString: '',
      headers: { accept: 'application/json' },
      requestContext: {
        accountId: 'local', apiId: 'local', domainName: 'localhost', domainPrefix: 'localhost', requestId: `console-${now.getTime()}`, routeKey: 'GET /funnel', stage: '$default', time: now.toISOString(), timeEpoch: now.getTime(),
        http: { method: 'GET', path: '/funnel', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'console' },
      },
      isBase64Encoded: false,
    };
    const result = rec(await this.o.funnel(event as never, lambdaContext('the-model-pipeline-funnel', 'us-east-1', '123456789012')));
    const body = str(result.body);
    return body === undefined ? result : (JSON.parse(body) as unknown);
  }

  async funnel(): Promise<FunnelView> {
    return funnelView(await this.funnelJson());
  }

  outbox(): OutboxItem[] {
    return this.o.outbox.all().map((m) => ({ id: m.id, to: m.to, cc: m.cc, subject: m.subject, text: m.text, html: m.html, links: appLinks(m.links, this.o.appBaseUrls), attachments: m.attachments ?? [], sentAt: m.sentAt }));
  }

  /** Feedback requests still waiting for an answer: the links in the outbox whose LINK item is pending. */
  async pending(leadId?: string): Promise<PendingRequest[]> {
    const byPage = new Map<string, { url: string; sentAt: string; to: string[] }>();
    for (const m of this.o.outbox.all()) {
      for (const link of appLinks(m.links, this.o.appBaseUrls)) {
        const u = safeUrl(link);
        const match = u === undefined ? null : /^\/feedback\/([^/]+)$/.exec(u.pathname);
        if (u === undefined || match?.[1] === undefined) continue;
        const id = decodeURIComponent(match[1]);
        if (!byPage.has(id)) byPage.set(id, { url: `${u.origin}${u.pathname}`, sentAt: m.sentAt, to: m.to });
      }
    }
    const out: PendingRequest[] = [];
    const now = Date.now();
    await Promise.all(
      [...byPage.entries()].map(async ([id, page]) => {
        const hash = createHash('sha256').update(id).digest('hex');
        const item = (await this.o.doc.send(new GetCommand({ TableName: this.o.tableName, Key: linkKey(hash), ConsistentRead: true }))).Item;
        if (item === undefined || item.type !== 'LINK') return; // reply links answer feedback, not a request
        const status = str(item.status);
        if (status !== undefined && status !== 'pending') return;
        const expires = num(item.expiresAt);
        if (expires !== undefined && expires * 1000 < now) return;
        const lead = str(item.leadId) ?? '?';
        if (leadId !== undefined && lead !== leadId) return;
        const answers = Array.isArray(item.answers) ? item.answers.map((a) => (typeof a === 'string' ? a : (str(rec(a).id) ?? str(rec(a).value) ?? ''))).filter((a) => a !== '') : [];
        const p: PendingRequest = { leadId: lead, step: str(item.step) ?? '?', answers, url: page.url, sentAt: page.sentAt, to: page.to };
        if (expires !== undefined) p.expiresAt = new Date(expires * 1000).toISOString();
        out.push(p);
      }),
    );
    return out.sort((a, b) => a.sentAt.localeCompare(b.sentAt));
  }
}

function safeUrl(s: string): URL | undefined {
  try {
    return new URL(s);
  } catch {
    return undefined;
  }
}

export function stageEventRow(i: Item): StageEventRow {
  return {
    at: str(i.at) ?? (str(i.sk) ?? '').split('#')[1] ?? '',
    from: str(i.from) ?? null,
    to: str(i.to) ?? '?',
    reason: str(i.reason) ?? '',
    timeInPreviousStageMs: num(i.timeInPreviousStageMs) ?? 0,
  };
}

export function feedbackItem(i: Item, team: string): FeedbackItem {
  const fb = rec(i.feedback);
  const pick = (k: string): unknown => i[k] ?? fb[k];
  const ratings = Object.entries(rec(pick('ratings'))).filter((e): e is [string, number] => typeof e[1] === 'number');
  const sk = str(i.sk) ?? '';
  const skParts = sk.split('#');
  const details = Object.entries(rec(pick('details')))
    .filter(([, v]) => typeof v === 'string' || typeof v === 'number')
    .map(([k, v]): [string, string] => [k, String(v)]);
  const campaign = str(pick('campaign'));
  const answeredBy = str(pick('answeredBy'));
  const reply = rec(i.reply);
  const replyStatus = str(reply.status);
  return {
    details,
    ...(replyStatus !== undefined ? { reply: { status: replyStatus, note: str(reply.note) ?? '', repliedAt: str(reply.repliedAt) ?? '' } } : {}),
    ...(campaign !== undefined ? { campaign } : {}),
    ...(answeredBy !== undefined ? { answeredBy } : {}),
    leadId: leadIdOf(i) ?? '?',
    fromTeam: str(pick('from')) ?? str(pick('fromTeam')) ?? '?',
    toTeam: str(pick('to')) ?? str(pick('toTeam')) ?? team,
    step: str(pick('step')) ?? skParts[2] ?? '?',
    answer: str(pick('answer')) ?? '',
    comment: str(pick('comment')) ?? '',
    ratings,
    at: str(pick('at')) ?? str(pick('givenAt')) ?? str(pick('answeredAt')) ?? skParts[1] ?? '',
  };
}

/** Shapes GET /funnel's JSON for the page; unknown or missing members read as empty. */
export function funnelView(json: unknown): FunnelView {
  const root = rec(json);
  const list = (v: unknown): Item[] => (Array.isArray(v) ? v.map(rec) : []);
  const ratio = (v: unknown): number | null => num(v) ?? null;
  const money = (v: unknown) => list(v).map((r) => ({ currency: str(r.currency) ?? '', amount: num(r.amount) ?? 0, deals: num(r.deals) ?? 0 }));
  const headline = (h: Item): FunnelHeadlineCell[] =>
    FUNNEL_HEADLINE.map(([step, label]) => ({ step, label, value: num(h[step]) ?? 0, conversion: step === 'leads' ? null : ratio(rec(h.conversion)[step]) }));
  const stages = list(root.stages).map((s) => {
    const exited = num(s.exited) ?? 0;
    const time = num(s.timeInStageMs);
    return {
      stage: str(s.stage) ?? '?',
      current: num(s.current) ?? 0,
      entered: num(s.entered) ?? 0,
      exited,
      conversion: ratio(s.conversionToNext),
      avgTimeMs: exited > 0 && time !== undefined ? time / exited : null,
      medianTimeMs: ratio(s.medianTimeInStageMs),
      reasons: list(s.topReasons).map((r) => ({ outcome: str(r.outcome) ?? '?', reason: str(r.reason) ?? '?', count: num(r.count) ?? 0, nurtureWorthy: r.nurtureWorthy === true })),
      backToMarketing: num(s.backToMarketing) ?? 0,
    };
  });
  const overall = Object.entries(rec(root.overall)).filter((e): e is [string, number] => typeof e[1] === 'number');
  const pairs = list(rec(root.feedback).pairs).map((p) => {
    const conversion = rec(p.conversion);
    return {
      step: str(p.step) ?? '',
      from: str(p.from) ?? '?',
      to: str(p.to) ?? '?',
      count: num(p.count) ?? 0,
      averageRating: ratio(p.averageRating),
      ratings: Object.entries(rec(p.averageRatings)).filter((e): e is [string, number] => typeof e[1] === 'number'),
      conversion: { from: str(conversion.from) ?? '?', to: str(conversion.to) ?? '?', rate: ratio(conversion.rate) },
      weeks: list(p.weeks).map((w) => ({ week: str(w.week) ?? '?', count: num(w.count) ?? 0, averageRating: ratio(w.averageRating), conversion: ratio(w.conversion) })),
    };
  });
  const view: FunnelView = {
    headline: headline(rec(root.headline)),
    stages,
    overall,
    revenue: money(root.revenue),
    campaigns: list(root.byCampaign).map((c) => ({ name: str(c.campaign) ?? '?', headline: headline(c), revenue: money(c.revenue) })),
    owners: list(root.byOwner).map((o) => ({ name: str(o.owner) ?? '?', team: str(o.team) ?? '?', headline: headline(o), revenue: money(o.revenue) })),
    pairs,
    nurtureWorthyReasons: Array.isArray(root.nurtureWorthyReasons) ? root.nurtureWorthyReasons.filter((r): r is string => typeof r === 'string') : [],
  };
  const generatedAt = str(root.generatedAt);
  if (generatedAt !== undefined) view.generatedAt = generatedAt;
  // The goal as GET /funnel computed it: shown with the digests' own wording (functions/lib/digest/figures.ts).
  const goal = rec(root.goal);
  if (num(goal.amount) !== undefined && num(goal.won) !== undefined && Array.isArray(goal.byTeam)) view.goal = goal as unknown as GoalProgress;
  return view;
}
