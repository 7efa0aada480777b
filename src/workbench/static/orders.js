// Draft orders as FHIR resources. The resource is the truth: the form reads it and writes into it, so a
// suggestion that replaces an order shows up in the form exactly as the service wrote it.

import { codingsOf } from './fhir-text.js';

export const LEVELS = ['L1-L2', 'L2-L3', 'L3-L4', 'L4-L5', 'L5-S1'];
export const SIDES = [
  { value: '', label: 'Not stated' },
  { value: 'left', label: 'Left' },
  { value: 'right', label: 'Right' },
  { value: 'bilateral', label: 'Bilateral' },
];
export const CPT = 'http://www.ama-assn.org/go/cpt';
export const REVISION_FUSION_CODES = ['22830', '22612', '22840'];
const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';

/** A v4 uuid; crypto.randomUUID exists only in secure contexts (a workbench reached over plain http on a LAN is not one). */
export function uuid() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Today in the browser's time zone, as a FHIR date. */
/**
 * The latest order date the service takes as written: it reads a date as midnight UTC and never judges later
 * than the signing, so east of UTC the local date can already be "in the future" for it.
 */
export function latestOrderDate() {
  const utc = new Date().toISOString().slice(0, 10);
  const local = today();
  return local < utc ? local : utc;
}

export function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** Every trigger code the page offers, by code. */
export function codeIndex(config) {
  const index = new Map();
  for (const group of config.triggerCodeGroups) for (const c of group.codes) index.set(`${c.system}|${c.code}`, c);
  return index;
}

/** The form's view of a ServiceRequest: codes (system|code), level, side, setting (POS code, 'other' or ''). */
export function readServiceRequest(resource, config) {
  const codes = codingsOf(resource.code)
    .filter((c) => c?.code)
    .map((c) => `${c.system ?? ''}|${c.code}`);
  const texts = [
    ...(resource.bodySite ?? []).flatMap((b) => [b?.text, ...(b?.coding ?? []).map((c) => c?.display)]),
    resource.code?.text,
    ...(resource.note ?? []).map((n) => n?.text),
  ].filter((t) => typeof t === 'string');
  return { codes, level: readLevel(texts), side: readSide(texts), setting: readSetting(resource, config) };
}

function readLevel(texts) {
  for (const text of texts) {
    const m = /\bL([1-5])\s*(?:-|–|\/|\s-\s)\s*(?:L?([1-5])|(S1))\b/i.exec(text);
    if (m) {
      const level = `L${m[1]}-${m[3] ? 'S1' : `L${m[2]}`}`;
      if (LEVELS.includes(level)) return level;
    }
  }
  return '';
}

function readSide(texts) {
  for (const text of texts) {
    if (/\bbilateral\b/i.test(text)) return 'bilateral';
    const left = /\bleft\b/i.test(text);
    const right = /\bright\b/i.test(text);
    if (left && right) return 'bilateral';
    if (left) return 'left';
    if (right) return 'right';
  }
  return '';
}

function readSetting(resource, config) {
  const codings = codingsOf(resource.locationCode);
  const pos = codings.find((c) => config.settings.some((s) => s.system === c.system && s.code === c.code));
  if (pos) return pos.code;
  if (codings.some((c) => c.system === ACT_CODE) || (resource.locationCode ?? []).some((l) => l?.text)) return 'other';
  return '';
}

function orderText(displays, level, side) {
  const what = displays.length > 0 ? displays.join(' + ') : 'Lumbar spine procedure';
  const where = [level && `at ${level}`, side && `${side} side`].filter(Boolean).join(', ');
  return where ? `${what} ${where}` : what;
}

/**
 * Writes the form's values into a copy of the resource: codes into code.coding, level and side into
 * bodySite text and code.text, the setting into locationCode (POS). Everything else is kept.
 */
export function writeServiceRequest(resource, form, config) {
  const index = codeIndex(config);
  const known = new Map(codingsOf(resource.code).map((c) => [`${c.system ?? ''}|${c.code}`, c]));
  const coding = form.codes.map((key) => {
    const offered = index.get(key);
    if (offered) return { system: offered.system, code: offered.code, display: offered.display };
    return known.get(key);
  }).filter(Boolean);
  const next = structuredClone(resource);
  next.code = { ...(coding.length > 0 ? { coding } : {}), text: orderText(coding.map((c) => c.display ?? c.code), form.level, form.side) };
  const site = [form.level, form.side].filter(Boolean).join(', ');
  if (site) next.bodySite = [{ text: site }];
  else delete next.bodySite;
  if (form.setting === 'other') return next;
  const setting = config.settings.find((s) => s.code === form.setting);
  if (setting) next.locationCode = [{ coding: [{ system: setting.system, code: setting.code, display: setting.display }], text: setting.display }];
  else delete next.locationCode;
  return next;
}

/** A new draft ServiceRequest for the patient, signed by the workbench user. */
export function newServiceRequest(patientId, config, authoredOn, form = { codes: [], level: '', side: '', setting: '' }) {
  const base = {
    resourceType: 'ServiceRequest',
    id: uuid(),
    status: 'draft',
    intent: 'order',
    category: [{ coding: [{ system: 'http://snomed.info/sct', code: '387713003', display: 'Surgical procedure' }] }],
    subject: { reference: `Patient/${patientId}` },
    requester: { reference: config.userId },
    authoredOn,
  };
  return writeServiceRequest(base, form, config);
}

/** The revision plan an orthopaedic surgeon orders together: exploration of fusion, re-fusion, instrumentation. */
export function revisionFusionOrders(patientId, config, authoredOn, level, setting) {
  return REVISION_FUSION_CODES.map((code) => newServiceRequest(patientId, config, authoredOn, { codes: [`${CPT}|${code}`], level, side: '', setting }));
}

/** A medication order like the one the CDS Hooks Sandbox's Rx Sign tab sends. */
export function newMedicationRequest(patientId, authoredOn) {
  return {
    resourceType: 'MedicationRequest',
    id: uuid(),
    status: 'draft',
    intent: 'order',
    subject: { reference: `Patient/${patientId}` },
    authoredOn,
    medicationCodeableConcept: {
      text: 'Ibuprofen 100 MG Oral Tablet',
      coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '198405', display: 'Ibuprofen 100 MG Oral Tablet' }],
    },
    dosageInstruction: [
      {
        timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } },
        doseAndRate: [{ doseQuantity: { value: 1, system: 'http://unitsofmeasure.org', code: '{pill}' } }],
      },
    ],
  };
}

/** The draft orders with the subject moved to another patient (the orders follow the chart on screen). */
export function forPatient(resource, patientId) {
  return { ...resource, subject: { reference: `Patient/${patientId}` } };
}

/**
 * Applies a suggestion's actions to the draft orders, as an EHR applies them to its order basket:
 * update replaces the resource with the same type and id (or adds it), create adds, delete removes by
 * "Type/id". Returns the new list and what was done, for the page to say.
 */
export function applyActions(drafts, actions) {
  let next = [...drafts];
  const done = [];
  for (const action of actions ?? []) {
    const r = action.resource;
    if (action.type === 'update' && r?.resourceType) {
      const i = next.findIndex((d) => d.resourceType === r.resourceType && d.id === r.id);
      if (i >= 0) next[i] = structuredClone(r);
      else next.push(structuredClone(r));
      done.push(`${i >= 0 ? 'updated' : 'added'} ${r.resourceType}`);
    } else if (action.type === 'create' && r?.resourceType) {
      const created = structuredClone(r);
      if (!created.id) created.id = uuid();
      next.push(created);
      done.push(`added ${r.resourceType}`);
    } else if (action.type === 'delete') {
      const ids = [...(action.resourceId ?? []), ...(r?.resourceType && r.id ? [`${r.resourceType}/${r.id}`] : [])];
      const before = next.length;
      next = next.filter((d) => !ids.includes(`${d.resourceType}/${d.id}`) && !ids.includes(d.id));
      done.push(`removed ${before - next.length} order(s)`);
    }
  }
  return { drafts: next, done };
}
