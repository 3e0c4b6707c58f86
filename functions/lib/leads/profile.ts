/**
 * Lead repository: the `LEAD#<id>` / `PROFILE` item, its stage-change audit
 * trail (`EVENT#...` items) and the `FUNNEL` counters. The record types are
 * in ./records.ts.
 *
 * No transactions (dynalite lacks them): each write is conditional or
 * idempotent on its own, so a retried step completes what a crashed one began.
 */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, tableName } from '#lib/aws/clients';
import type { Stage, Team } from '#lib/core/contracts';
import { NotFound, asTransient, isConditionalCheckFailed } from '#lib/core/errors';
import { type CountedStageChange, countStageChange } from '#lib/funnel/counters';
import { activityIndex, eventKey, leadKey, stageIndex } from '#lib/core/keys';
import { leadCapturedEvent, stageChangeEvents } from '#lib/events/lead-events';
import { publishEvents } from '#lib/events/publish';
import type { BookedMeeting, LeadInput, LeadProfile, StageEvent } from './records';

/** Fields changeStage may patch (everything but identity, stage and bookkeeping). */
type LeadPatch = Partial<
  Omit<LeadProfile, 'leadId' | 'stage' | 'stageChangedAt' | 'createdAt' | 'updatedAt' | 'eventSeq' | 'previousStage' | 'previousStageChangedAt'>
>;

const PROFILE_KEYS = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk']);

function toProfile(item: Record<string, unknown>): LeadProfile {
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) {
    if (!PROFILE_KEYS.has(k)) copy[k] = v;
  }
  return copy as unknown as LeadProfile;
}

/** The profile, or undefined. Strongly consistent. */
export async function getLead(leadId: string): Promise<LeadProfile | undefined> {
  try {
    const out = await ddb.send(new GetCommand({ TableName: tableName(), Key: leadKey(leadId), ConsistentRead: true }));
    return out.Item ? toProfile(out.Item) : undefined;
  } catch (error) {
    throw asTransient(error, 'getLead');
  }
}

/** The profile, or NotFound. */
export async function requireLead(leadId: string): Promise<LeadProfile> {
  const lead = await getLead(leadId);
  if (!lead) throw new NotFound(`lead ${leadId} not found`, { leadId });
  return lead;
}

/**
 * Writes a new lead in stage `captured` (conditional: only if absent).
 * Idempotent: a second call with the same id returns the stored lead with
 * `created: false` (and completes the first EVENT/FUNNEL writes if a crash skipped them).
 */
export async function putNewLead(
  leadId: string,
  input: LeadInput & { owners?: LeadProfile['owners']; expansionOf?: string },
  now: Date = new Date(),
): Promise<{ created: boolean; lead: LeadProfile }> {
  const at = now.toISOString();
  const lead: LeadProfile = {
    ...input,
    leadId,
    owners: input.owners ?? {},
    stage: 'captured',
    stageChangedAt: at,
    createdAt: at,
    updatedAt: at,
    eventSeq: 1,
  };
  let created = true;
  try {
    await ddb.send(
      new PutCommand({
        TableName: tableName(),
        Item: { ...leadKey(leadId), ...stageIndex('captured', at, leadId), ...lead },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw asTransient(error, 'putNewLead');
    created = false;
  }
  const stored = created ? lead : await requireLead(leadId);
  // The first event has n = 1 and the creation time: deterministic, so a retry cannot double count.
  // An erased lead's id is spent (leads/capture.ts moves on to the next generation): nothing to complete.
  if (stored.erasedAt === undefined) {
    await publishAndRecord({ leadId, from: null, to: 'captured', reason: 'captured', at: stored.createdAt, timeInPreviousStageMs: 0 }, 1, stored, { recorded: created ? 'no' : 'maybe' });
  }
  return { created, lead: stored };
}

interface ChangeStageOptions {
  /** Machine-readable reason stored on the event (and on the profile as `reason`). */
  reason: string;
  /** Profile fields to set in the same write. */
  patch?: LeadPatch;
  /** A won deal's revenue, counted in the funnel with this change (once, like the change itself). */
  revenue?: { amount: number; currency: string };
  /**
   * The profile as the caller has just read it (strongly consistent). When it
   * is already in `to`, the conditional update, bound to fail, and the re-read
   * after it are skipped: two requests fewer. The stage itself is never taken
   * from it: a lead in another stage goes through the conditional update.
   */
  current?: LeadProfile;
  now?: Date;
}

interface ChangeStageResult {
  changed: boolean;
  /** This call counted the change in the funnel (false on a retry that found it counted). */
  counted: boolean;
  from: Stage;
  lead: LeadProfile;
}

function patchExpression(patch: LeadPatch, names: Record<string, string>, values: Record<string, unknown>): string[] {
  const sets: string[] = [];
  let i = 0;
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined || PROFILE_KEYS.has(k)) continue;
    names[`#p${i}`] = k;
    values[`:p${i}`] = v;
    sets.push(`#p${i} = :p${i}`);
    i += 1;
  }
  return sets;
}

/**
 * Moves a lead to stage `to`: updates the profile (stage, stageChangedAt,
 * byStage GSI attributes, patch), writes an EVENT item and counts the change
 * in `FUNNEL` / `STAGE#<to>` (funnel/counters.ts): three DynamoDB requests.
 * If the lead is already in `to` (a retried step, or an earlier step moved it
 * there), only the patch is applied and `changed` is false: no second event,
 * no double count (see alreadyInStage).
 */
export async function changeStage(leadId: string, to: Stage, options: ChangeStageOptions): Promise<ChangeStageResult> {
  const at = (options.now ?? new Date()).toISOString();
  const { reason: _ignored, ...patch } = options.patch ?? {};
  if (options.current?.stage === to) return alreadyInStage(options.current, patch, options, at);
  const names: Record<string, string> = { '#stage': 'stage', '#reason': 'reason' };
  const values: Record<string, unknown> = { ':to': to, ':at': at, ':one': 1, ':reason': options.reason };
  const patchSets = patchExpression(patch, names, values);
  const gsi = stageIndex(to, at, leadId);
  values[':g1pk'] = gsi.gsi1pk;
  values[':g1sk'] = gsi.gsi1sk;
  // previousStage/previousStageChangedAt read the values before this update (DynamoDB resolves SET operands first),
  // so a retry can rebuild the EVENT if the first attempt died before writing it.
  const sets = [
    'previousStage = #stage',
    'previousStageChangedAt = stageChangedAt',
    '#stage = :to',
    'stageChangedAt = :at',
    'updatedAt = :at',
    '#reason = :reason',
    'gsi1pk = :g1pk',
    'gsi1sk = :g1sk',
    ...patchSets,
  ];
  let old: LeadProfile;
  let seq: number;
  try {
    const out = await ddb.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: leadKey(leadId),
        UpdateExpression: `SET ${sets.join(', ')} ADD eventSeq :one`,
        ConditionExpression: 'attribute_exists(pk) AND #stage <> :to',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_OLD',
      }),
    );
    old = toProfile(out.Attributes ?? {});
    seq = (old.eventSeq ?? 0) + 1;
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw asTransient(error, 'changeStage');
    const current = await requireLead(leadId);
    if (current.stage === to) return alreadyInStage(current, patch, options, at);
    // Another stage (a concurrent change): nothing of ours to complete.
    const lead = patchSets.length > 0 ? await patchLead(leadId, patch, at) : current;
    return { changed: false, counted: false, from: current.stage, lead };
  }
  const timeInPreviousStageMs = Math.max(0, Date.parse(at) - Date.parse(old.stageChangedAt));
  const counted = await publishAndRecord({ leadId, from: old.stage, to, reason: options.reason, at, timeInPreviousStageMs }, seq, { ...old, ...patch }, { recorded: 'no', revenue: options.revenue });
  const lead: LeadProfile = {
    ...old,
    ...patch,
    stage: to,
    stageChangedAt: at,
    updatedAt: at,
    reason: options.reason,
    eventSeq: seq,
  };
  return { changed: true, counted, from: old.stage, lead };
}

/**
 * changeStage found the lead already in the target stage. Entered with the
 * same reason, it may be an attempt of this very change that died between
 * the profile update and the event write: the event (and so its FUNNEL
 * counts) is completed now, once (a conditional put). Entered with another
 * reason, an earlier step moved it there (close-deal before onboard-customer,
 * share-feedback before a check-in), and a step only succeeds once its event
 * is written (one execution per lead runs its steps in order): nothing to
 * complete. Then the patch, if any.
 */
async function alreadyInStage(current: LeadProfile, patch: LeadPatch, options: ChangeStageOptions, at: string): Promise<ChangeStageResult> {
  const counted = current.reason === options.reason ? await completeEvent(current, options.revenue) : false;
  const hasPatch = Object.values(patch).some((v) => v !== undefined);
  const lead = hasPatch ? await patchLead(current.leadId, patch, at) : current;
  return { changed: false, counted, from: current.stage, lead };
}

/** The EVENT of the lead's last change (rebuilt from the profile), written if missing. */
async function completeEvent(lead: LeadProfile, revenue?: ChangeStageOptions['revenue']): Promise<boolean> {
  if (lead.eventSeq === undefined || lead.previousStage === undefined) return false;
  const from = lead.previousStage;
  const timeInPreviousStageMs = lead.previousStageChangedAt ? Math.max(0, Date.parse(lead.stageChangedAt) - Date.parse(lead.previousStageChangedAt)) : 0;
  return publishAndRecord(
    { leadId: lead.leadId, from, to: lead.stage, reason: lead.reason ?? '', at: lead.stageChangedAt, timeInPreviousStageMs },
    lead.eventSeq,
    lead,
    { recorded: 'maybe', revenue },
  );
}

/**
 * Hands the lead from one owner to another in `team` (reassignment): only
 * while `from` still owns it there. The funnel's by-owner figures follow the
 * owner of each later stage change, so they follow the new owner from now
 * on. Returns whether the lead changed hands.
 */
export async function reassignOwner(leadId: string, team: Team, from: string, to: string, now: Date = new Date()): Promise<boolean> {
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: leadKey(leadId),
        UpdateExpression: 'SET owners.#team = :to, updatedAt = :at',
        ConditionExpression: 'owners.#team = :from',
        ExpressionAttributeNames: { '#team': team },
        ExpressionAttributeValues: { ':to': to, ':from': from, ':at': now.toISOString() },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw asTransient(error, 'reassignOwner');
  }
}

/** Records the lead's meeting as it now stands (a cancellation, meetings/booking.ts) without a stage change. NotFound if absent. */
export async function recordMeeting(leadId: string, meeting: BookedMeeting, now: Date): Promise<LeadProfile> {
  return patchLead(leadId, { meeting }, now.toISOString());
}

/** Sets profile fields without a stage change. Returns the new profile; NotFound if absent. */
async function patchLead(leadId: string, patch: LeadPatch, at: string = new Date().toISOString()): Promise<LeadProfile> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':at': at };
  const sets = ['updatedAt = :at', ...patchExpression(patch, names, values)];
  try {
    const out = await ddb.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: leadKey(leadId),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: 'attribute_exists(pk)',
        ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toProfile(out.Attributes ?? {});
  } catch (error) {
    if (isConditionalCheckFailed(error)) throw new NotFound(`lead ${leadId} not found`, { leadId });
    throw asTransient(error, 'patchLead');
  }
}

/**
 * A stage change's domain events (LeadCaptured for the first; StageChanged
 * and what it means, events/lead-events.ts) are published before its EVENT
 * item is written: a step that dies in between finds the EVENT missing when
 * it is retried (completeEvent) and publishes again, under the same event
 * ids; once the EVENT is there, its events went out. `recorded: 'maybe'`
 * (a retry, a duplicate submit) reads the EVENT first (one strongly
 * consistent GetItem, in place of the conditional put that would fail) and
 * publishes nothing when it is there. Returns whether the change counted.
 */
async function publishAndRecord(
  event: StageEvent,
  seq: number,
  lead: LeadProfile,
  options: { recorded: 'no' | 'maybe'; revenue?: ChangeStageOptions['revenue'] },
): Promise<boolean> {
  if (options.recorded === 'maybe' && (await eventRecorded(event.leadId, event.at, seq))) return false;
  const from = event.from;
  await publishEvents(from === null ? [leadCapturedEvent(lead)] : stageChangeEvents({ ...event, from }, seq, options.revenue));
  return recordEvent(event, seq, lead, options.revenue);
}

/** Whether the lead's `seq`-th EVENT item is written. */
async function eventRecorded(leadId: string, at: string, seq: number): Promise<boolean> {
  try {
    const out = await ddb.send(
      new GetCommand({ TableName: tableName(), Key: eventKey(leadId, at, seq), ConsistentRead: true, ProjectionExpression: '#type', ExpressionAttributeNames: { '#type': 'type' } }),
    );
    return out.Item?.type === 'STAGE_EVENT';
  } catch (error) {
    throw asTransient(error, 'eventRecorded');
  }
}

/**
 * EVENT item (conditional on absence) and, only when it is new, the FUNNEL
 * counters (one UpdateItem, funnel/counters.ts). `lead`: the profile as the
 * change leaves it (campaign, owners, expansion). Returns whether it counted.
 */
async function recordEvent(
  event: StageEvent,
  seq: number,
  lead: Pick<LeadProfile, 'campaign' | 'owners' | 'expansionOf'>,
  revenue?: ChangeStageOptions['revenue'],
): Promise<boolean> {
  const counted: CountedStageChange = {
    from: event.from,
    to: event.to,
    reason: event.reason,
    at: event.at,
    timeInPreviousStageMs: event.timeInPreviousStageMs,
    campaign: lead.campaign,
    owners: lead.owners,
    expansion: lead.expansionOf !== undefined && lead.expansionOf !== '',
    revenue,
  };
  try {
    await ddb.send(
      new PutCommand({
        TableName: tableName(),
        // `counted`, indexed by time (byTime): the funnel of a period counts it as the counters below did (funnel/activity.ts).
        Item: { ...eventKey(event.leadId, event.at, seq), type: 'STAGE_EVENT', ...event, counted, ...activityIndex(event.at, `${event.leadId}#${seq}`) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false; // already recorded (retry)
    throw asTransient(error, 'recordEvent');
  }
  await countStageChange(counted);
  return true;
}
