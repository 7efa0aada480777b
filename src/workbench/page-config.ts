import type { ValueSetIndex } from '../terminology/value-sets.js';

/** What the workbench page needs to know from the server: where things are, and the codes it offers. */
export interface WorkbenchConfig {
  /** FHIR base URL of the embedded server, when one runs; the page lets the tester type another. */
  fhirBaseUrl?: string;
  /** The service's public base URL, as an EHR registers it (the page itself calls its own origin). */
  serviceBaseUrl: string;
  serviceId: string;
  hook: 'order-sign';
  userId: string;
  triggerCodeGroups: { title: string; codes: CodeOption[] }[];
  settings: SettingOption[];
  /** Procedure codes the chart view files under conservative care rather than prior surgery. */
  conservativeCareCodes: { system: string; code: string }[];
}

export interface CodeOption {
  system: string;
  code: string;
  display: string;
}

export interface SettingOption extends CodeOption {
  /** `inpatient` or `outpatient`, as fhir-conventions.md reads the code. */
  kind: 'inpatient' | 'outpatient';
  label: string;
}

export const SERVICE_ID = 'lumbar-fusion-criteria';
export const WORKBENCH_USER = 'Practitioner/workbench';
const TRIGGER_VALUE_SET = 'lumbar-spine-surgery';
const POS_SYSTEM = 'https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set';

/** The settings the page offers (CMS Place of Service), with displays from the setting value sets. */
const SETTINGS: { code: string; kind: SettingOption['kind']; valueSet: string; word: string }[] = [
  { code: '21', kind: 'inpatient', valueSet: 'inpatient-setting', word: 'Inpatient' },
  { code: '22', kind: 'outpatient', valueSet: 'outpatient-setting', word: 'Outpatient' },
  { code: '24', kind: 'outpatient', valueSet: 'outpatient-setting', word: 'Ambulatory surgery' },
];

/**
 * The trigger codes grouped by the value sets the trigger set includes (fusion, decompression, revision,
 * instrumentation), each code once: a code in two groups (22830 is fusion and revision) stays in the first.
 */
function triggerGroups(valueSets: ValueSetIndex): WorkbenchConfig['triggerCodeGroups'] {
  const resources = valueSets.resources();
  const trigger = resources.find((r) => r.id === TRIGGER_VALUE_SET);
  if (!trigger) throw new Error(`value set ${TRIGGER_VALUE_SET} not found`);
  const seen = new Set<string>();
  const groups: WorkbenchConfig['triggerCodeGroups'] = [];
  const add = (title: string, members: { system: string; code: string; display: string; header: boolean }[]): void => {
    const codes = members
      .filter((m) => !m.header && !seen.has(`${m.system}|${m.code}`))
      .map((m) => {
        seen.add(`${m.system}|${m.code}`);
        return { system: m.system, code: m.code, display: m.display };
      });
    if (codes.length > 0) groups.push({ title, codes });
  };
  for (const include of trigger.compose.include) {
    for (const url of include.valueSet ?? []) {
      const nested = resources.find((r) => r.url === url);
      if (nested) add(nested.title, valueSets.members(nested.id));
    }
    if (include.system && include.concept) {
      add(
        trigger.title,
        include.concept.map((c) => ({ system: include.system!, code: c.code, display: c.display, header: false })),
      );
    }
  }
  return groups;
}

function settings(valueSets: ValueSetIndex): SettingOption[] {
  return SETTINGS.map((s) => {
    const member = valueSets.members(s.valueSet).find((m) => m.system === POS_SYSTEM && m.code === s.code);
    if (!member) throw new Error(`place of service ${s.code} is not in value set ${s.valueSet}`);
    return {
      system: POS_SYSTEM,
      code: s.code,
      display: member.display,
      kind: s.kind,
      // Short enough for a narrow select; the display (e.g. "On Campus-Outpatient Hospital") goes into the coding.
      label: `${s.word} (POS ${s.code})`,
    };
  });
}

export function workbenchConfig(opts: { fhirBaseUrl: string | undefined; serviceBaseUrl: string; valueSets: ValueSetIndex }): WorkbenchConfig {
  return {
    ...(opts.fhirBaseUrl ? { fhirBaseUrl: opts.fhirBaseUrl } : {}),
    serviceBaseUrl: opts.serviceBaseUrl,
    serviceId: SERVICE_ID,
    hook: 'order-sign',
    userId: WORKBENCH_USER,
    triggerCodeGroups: triggerGroups(opts.valueSets),
    settings: settings(opts.valueSets),
    conservativeCareCodes: opts.valueSets
      .members('conservative-care')
      .filter((m) => !m.header)
      .map((m) => ({ system: m.system, code: m.code })),
  };
}
