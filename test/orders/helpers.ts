import type { ValueSetIndex } from '../../src/terminology/value-sets.js';

export const CPT = 'http://www.ama-assn.org/go/cpt';
export const SCT = 'http://snomed.info/sct';
export const POS = 'https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set';
export const ACT = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';

/** A small stand-in for the real value set index, so order tests do not depend on cql-mappings. */
export function testIndex(): Pick<ValueSetIndex, 'has'> {
  const sets: Record<string, Set<string>> = {
    'lumbar-spine-surgery': new Set(['22612', '22630', '22633', '22830', '22840', '22842', '22850', '63047', '63042'].map((c) => `${CPT}|${c}`)),
    'spine-wide-surgery': new Set(['22830', '22840', '22842', '22850'].map((c) => `${CPT}|${c}`)),
    'cervical-thoracic-spine-site': new Set(['122494005', '122495006', '36978003', '36054005', '7610001', '23215003'].map((c) => `${SCT}|${c}`)),
    'lumbar-spine-site': new Set([`${SCT}|122496007`]),
    'inpatient-setting': new Set([`${POS}|21`, `${ACT}|IMP`, `${ACT}|ACUTE`]),
    'outpatient-setting': new Set([`${POS}|19`, `${POS}|22`, `${POS}|24`, `${ACT}|AMB`, `${ACT}|SS`, `${ACT}|OBSENC`]),
  };
  return {
    has(id, system, code) {
      const set = sets[id];
      if (!set) throw new Error(`unknown value set ${id}`);
      return system !== undefined && code !== undefined && set.has(`${system}|${code}`);
    },
  };
}

export function serviceRequest(fields: Record<string, unknown>): Record<string, unknown> {
  return {
    resourceType: 'ServiceRequest',
    status: 'draft',
    intent: 'order',
    subject: { reference: 'Patient/pt-1' },
    ...fields,
  };
}

export function cpt(code: string, text?: string, display?: string): Record<string, unknown> {
  const concept: Record<string, unknown> = { coding: [{ system: CPT, code, ...(display ? { display } : {}) }] };
  if (text !== undefined) concept.text = text;
  return concept;
}

export function bundle(...resources: unknown[]): Record<string, unknown> {
  return { resourceType: 'Bundle', entry: resources.map((resource) => ({ resource })) };
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
