/**
 * The pipeline's settings as the stack and the local dev server resolve them:
 * each setting of functions/lib/aws/settings.ts (declared there once: schema,
 * default, the variable functions read it from) from stack props, then CDK
 * context (strings from `-c key=value` are parsed), then its default. A bad
 * value fails naming its key. Plain module (no CDK import) shared by infra/
 * and local/.
 *
 * What follows from the settings: infra/asl-substitutions.ts (the state
 * machine's `${Placeholders}`) and infra/function-table.ts (each function's
 * environment).
 */
import { parseSetting, type SettingDeclaration } from '#lib/aws/config';
import { SETTINGS, SETTING_KEYS, senderAddress, type SettingKey, type Settings } from '#lib/aws/settings';

/** A Standard execution runs for at most one year. */
export const MAX_EXECUTION_SECONDS = 365 * 24 * 3600;

/**
 * The resolved settings: every setting of SETTINGS (functions/lib/aws/settings.ts,
 * where each is documented), with mailIdentity taken from mailFrom and
 * verifiedIdentities from teams when not given.
 */
export type PipelineSettings = Omit<Settings, 'mailIdentity' | 'verifiedIdentities'> & {
  readonly mailIdentity: string;
  readonly verifiedIdentities: readonly string[];
};

/**
 * Settings from explicit values (stack props) first, then `read(key)` (CDK
 * context), then the defaults. Throws a SettingsError naming the key.
 */
export function resolveSettings(
  explicit: Partial<Record<SettingKey, unknown>> = {},
  read: (key: SettingKey) => unknown = () => undefined,
): PipelineSettings {
  const values: Partial<Record<SettingKey, unknown>> = {};
  for (const key of SETTING_KEYS) {
    const declaration: SettingDeclaration = SETTINGS[key];
    const given = explicit[key] ?? read(key);
    values[key] = parseSetting(declaration, given === undefined || given === '' ? declaration.default : given, `Setting ${key}`);
  }
  // Each value was parsed by its own declaration: together they are Settings.
  const settings = values as Settings;
  return {
    ...settings,
    mailIdentity: settings.mailIdentity ?? senderAddress(settings.mailFrom),
    verifiedIdentities: settings.verifiedIdentities ?? teamAddresses(settings.teams),
  };
}

/** Every address of the team directory, once each, in directory order. */
export function teamAddresses(teams: Settings['teams']): string[] {
  const addresses = Object.values(teams).flatMap((team) => ('members' in team ? [team.lead, ...team.members] : [team.lead]));
  return [...new Set(addresses)];
}

/**
 * Domains reserved for documentation and tests (RFC 2606, RFC 6761): mail to
 * them goes nowhere. The defaults of teams and mailFrom use example.com.
 */
const PLACEHOLDER_DOMAIN = /(^|\.)(example\.(com|net|org)|example|test|invalid|localhost)$/i;

/** An address (or domain) at a reserved placeholder domain such as example.com. */
export function isPlaceholderAddress(address: string): boolean {
  return PLACEHOLDER_DOMAIN.test(senderAddress(address).split('@').pop() ?? '');
}

/**
 * The settings holding placeholder addresses (example.com and the like), in
 * declaration order: a deploy with them sends mail nowhere. Synth warns;
 * `npm run preflight` refuses them.
 */
export function placeholderAddressSettings(s: PipelineSettings): SettingKey[] {
  const addresses: Partial<Record<SettingKey, readonly string[]>> = {
    teams: teamAddresses(s.teams),
    mailFrom: [s.mailFrom],
    mailIdentity: [s.mailIdentity],
    verifiedIdentities: s.verifiedIdentities,
    alarmEmail: s.alarmEmail === undefined ? [] : [s.alarmEmail],
  };
  return SETTING_KEYS.filter((key) => (addresses[key] ?? []).some(isPlaceholderAddress));
}

/**
 * The longest an execution can take when every wait times out once (the
 * first timeout escalates, the second parks the lead) and every no-show is
 * rescheduled. Compare with MAX_EXECUTION_SECONDS (one year).
 */
export function worstCaseExecutionSeconds(s: PipelineSettings): number {
  return (
    2 * s.qualificationCallSlaSeconds +
    (s.maxReschedules + 1) * 2 * s.meetingOutcomeSlaSeconds +
    2 * s.dealDecisionSlaSeconds +
    2 * s.onboardingReviewSlaSeconds +
    s.maxCheckIns * (s.checkInIntervalSeconds + 2 * s.checkInSlaSeconds)
  );
}
