// The workbench page: a small EHR for procedure orders. Patient and chart come from a FHIR server, the
// draft orders live in this page, signing calls the service's order-sign hook, and the cards' suggestions
// and override reasons go back to the service as feedback.

import { renderCards } from './cards.js';
import { loadChart, renderChart } from './chart.js';
import { append, byId, clear, el, pretty } from './dom.js';
import { fhirResources } from './fhir-client.js';
import { accepted, buildPrefetch, callHook, discover, orderSignRequest, overridden, prefetchTemplates, sendFeedback } from './hook-client.js';
import {
  LEVELS,
  SIDES,
  applyActions,
  forPatient,
  latestOrderDate,
  newMedicationRequest,
  newServiceRequest,
  readServiceRequest,
  revisionFusionOrders,
  writeServiceRequest,
} from './orders.js';

const state = {
  config: undefined,
  patientId: '',
  drafts: [],
  feedbackLog: [],
  busy: false,
};

const ui = {};

function showPageError(message) {
  ui.pageError.textContent = message;
  ui.pageError.hidden = !message;
}

function fhirBase() {
  return ui.fhirBase.value.trim().replace(/\/+$/, '');
}

function option(value, label, selected = false) {
  return el('option', { value, selected }, label);
}

function fillSelect(select, options) {
  clear(select);
  append(select, options);
}

function settingOptions(selected, asSent) {
  return [
    option('', 'Not stated', selected === ''),
    ...state.config.settings.map((s) => option(s.code, s.label, selected === s.code)),
    selected === 'other' ? option('other', `As sent: ${asSent || 'other setting'}`, true) : '',
  ];
}

// ---- Patient and chart ----------------------------------------------------------------------------

function patientLabel(p) {
  const name = (p.name ?? [])[0];
  const text = name?.text ?? [...(name?.given ?? []), name?.family].filter(Boolean).join(' ');
  // The id first: testers know the fixtures by id, and typing it selects the patient from the keyboard.
  return [p.id, text || 'Unnamed patient', p.birthDate && `born ${p.birthDate}`].filter(Boolean).join(' · ');
}

async function loadPatients() {
  const base = fhirBase();
  if (!base) {
    ui.patientStatus.textContent = 'Enter the FHIR server base URL first.';
    return;
  }
  ui.patientStatus.textContent = 'Loading patients…';
  ui.patient.disabled = true;
  try {
    const patients = await fhirResources(base, 'Patient?_count=100');
    patients.sort((a, b) => String(a.id).localeCompare(String(b.id)));
    fillSelect(ui.patient, [
      option('', patients.length > 0 ? 'Choose a patient' : 'No patients on this server'),
      ...patients.map((p) => option(p.id, patientLabel(p), p.id === state.patientId)),
    ]);
    ui.patient.disabled = patients.length === 0;
    ui.patientStatus.textContent = `${patients.length} patient${patients.length === 1 ? '' : 's'} on ${base}.`;
    if (state.patientId && !patients.some((p) => p.id === state.patientId)) await selectPatient('');
  } catch (error) {
    fillSelect(ui.patient, [option('', 'Could not load patients')]);
    ui.patientStatus.textContent = `Could not load patients: ${error.message}`;
    // The chart on screen came from the server that just failed: orders signed now must not name its patient.
    if (state.patientId) await selectPatient('');
  }
}

async function selectPatient(patientId) {
  state.patientId = patientId;
  state.drafts = state.drafts.map((d) => forPatient(d, patientId || 'unknown'));
  renderOrders();
  // Cards belong to the orders of the patient they were issued for.
  clear(ui.cards);
  clear(ui.chartSections);
  delete ui.chart.dataset.patientId;
  ui.chartEmpty.hidden = Boolean(patientId);
  if (!patientId) return;
  ui.chart.setAttribute('aria-busy', 'true');
  ui.patientStatus.textContent = 'Loading the chart…';
  try {
    const chart = await loadChart(fhirBase(), patientId);
    if (state.patientId !== patientId) return;
    renderChart(ui.chartSections, chart, state.config);
    ui.chart.dataset.patientId = patientId;
    const count = Object.values(chart).reduce((n, list) => n + list.length, 0);
    ui.patientStatus.textContent = `Chart loaded: ${count} resources.`;
  } catch (error) {
    ui.patientStatus.textContent = `Could not load the chart: ${error.message}`;
  } finally {
    ui.chart.removeAttribute('aria-busy');
  }
}

// ---- Draft orders ---------------------------------------------------------------------------------

function replaceDraft(resource) {
  state.drafts = state.drafts.map((d) => (d.resourceType === resource.resourceType && d.id === resource.id ? resource : d));
}

function removeDraft(resource) {
  const index = state.drafts.findIndex((d) => d === resource);
  state.drafts = state.drafts.filter((d) => d !== resource);
  renderOrders();
  // Keep the keyboard where the removed order was: the next order, else the add button.
  const items = ui.orders.querySelectorAll('.order');
  const target = items[Math.min(index, items.length - 1)]?.querySelector('select, button') ?? ui.addProcedure;
  target.focus();
}

function codeSelect(id, form) {
  const offered = new Set();
  const groups = state.config.triggerCodeGroups.map((g) =>
    el(
      'optgroup',
      { label: g.title },
      g.codes.map((c) => {
        const key = `${c.system}|${c.code}`;
        offered.add(key);
        return option(key, `${c.code} ${c.display}`, form.codes.includes(key));
      }),
    ),
  );
  const others = form.codes.filter((k) => !offered.has(k));
  return el(
    'select',
    { id, name: 'codes', multiple: true, size: 6, 'aria-describedby': `${id}-hint` },
    groups,
    others.length > 0 ? el('optgroup', { label: 'Other codes in this order' }, others.map((k) => option(k, k.split('|')[1], true))) : '',
  );
}

function serviceRequestItem(resource, n) {
  const form = readServiceRequest(resource, state.config);
  const prefix = `order-${n}`;
  const codes = codeSelect(`${prefix}-codes`, form);
  const level = el('select', { id: `${prefix}-level`, name: 'level' }, option('', 'Not stated', form.level === ''), LEVELS.map((l) => option(l, l, form.level === l)));
  const side = el('select', { id: `${prefix}-side`, name: 'side' }, SIDES.map((s) => option(s.value, s.label, form.side === s.value)));
  const asSent = (resource.locationCode ?? []).map((l) => l.text ?? l.coding?.[0]?.display ?? l.coding?.[0]?.code).filter(Boolean).join(', ');
  const setting = el('select', { id: `${prefix}-setting`, name: 'setting' }, settingOptions(form.setting, asSent));
  const text = el('p', { class: 'order-text' }, resource.code?.text ?? '');

  const onChange = () => {
    const current = state.drafts.find((d) => d.resourceType === 'ServiceRequest' && d.id === resource.id);
    if (!current) return;
    const next = writeServiceRequest(
      current,
      { codes: [...codes.selectedOptions].map((o) => o.value), level: level.value, side: side.value, setting: setting.value },
      state.config,
    );
    replaceDraft(next);
    text.textContent = next.code?.text ?? '';
  };
  for (const control of [codes, level, side, setting]) control.addEventListener('change', onChange);

  return el(
    'li',
    { class: 'order', dataset: { orderId: resource.id, resourceType: 'ServiceRequest' } },
    el(
      'fieldset',
      {},
      el('legend', {}, `Order ${n}: procedure (ServiceRequest ${String(resource.id).slice(0, 8)})`),
      text,
      el(
        'div',
        { class: 'field' },
        el('label', { for: codes.id }, 'Procedure code(s)'),
        codes,
        el('p', { class: 'hint', id: `${codes.id}-hint` }, 'From the lumbar spine surgery trigger value set; hold Ctrl (or Cmd) to choose several.'),
      ),
      el(
        'div',
        { class: 'order-fields' },
        el('div', { class: 'field' }, el('label', { for: level.id }, 'Level'), level),
        el('div', { class: 'field' }, el('label', { for: side.id }, 'Side'), side),
        el('div', { class: 'field field-setting' }, el('label', { for: setting.id }, 'Setting'), setting),
      ),
      el('button', { type: 'button', class: 'remove', onclick: () => removeDraft(resource) }, `Remove order ${n}`),
    ),
  );
}

function otherOrderItem(resource, n) {
  const what = resource.medicationCodeableConcept?.text ?? resource.code?.text ?? resource.resourceType;
  return el(
    'li',
    { class: 'order', dataset: { orderId: resource.id, resourceType: resource.resourceType } },
    el(
      'fieldset',
      {},
      el('legend', {}, `Order ${n}: ${resource.resourceType === 'MedicationRequest' ? 'medication' : 'other'} (${resource.resourceType} ${String(resource.id).slice(0, 8)})`),
      el('p', { class: 'order-text' }, what),
      el('button', { type: 'button', class: 'remove', onclick: () => removeDraft(resource) }, `Remove order ${n}`),
    ),
  );
}

function renderOrders() {
  clear(ui.orders);
  state.drafts.forEach((resource, i) => {
    ui.orders.append(resource.resourceType === 'ServiceRequest' ? serviceRequestItem(resource, i + 1) : otherOrderItem(resource, i + 1));
  });
  ui.ordersEmpty.hidden = state.drafts.length > 0;
}

/**
 * The date the orders are written on (authoredOn); the service judges the chart as of that date, never later than
 * the signing, so a later date becomes the latest the service takes here, rather than being sent and silently
 * replaced by the signing time.
 */
function orderDate() {
  const value = /^\d{4}-\d{2}-\d{2}$/.test(ui.orderDate.value) ? ui.orderDate.value : latestOrderDate();
  return value > latestOrderDate() ? latestOrderDate() : value;
}

function requirePatient() {
  if (state.patientId) return true;
  ui.signStatus.textContent = 'Choose a patient first: orders belong to a patient.';
  ui.patient.focus();
  return false;
}

function addDrafts(resources) {
  if (!requirePatient()) return;
  state.drafts = [...state.drafts, ...resources];
  renderOrders();
  ui.signStatus.textContent = `${resources.length} order${resources.length === 1 ? '' : 's'} added; ${state.drafts.length} in total.`;
}

// ---- Signing, cards and feedback ------------------------------------------------------------------

function feedbackText(response, verb) {
  if (response.ok) return `Feedback sent (${verb}): the service answered ${response.status} ${pretty(response.body).replace(/\s+/g, ' ')}.`;
  const problems = response.body?.problems?.map((p) => `${p.path} ${p.message}`).join('; ');
  return `Feedback refused: ${response.status} ${response.body?.error ?? ''}${problems ? ` (${problems})` : ''}`;
}

async function feedback(body, verb) {
  const response = await sendFeedback(state.config.serviceId, body);
  state.feedbackLog.push({ request: body, status: response.status, response: response.body });
  ui.rawFeedback.textContent = pretty(state.feedbackLog);
  return { ok: response.ok, text: feedbackText(response, verb) };
}

const cardActions = {
  async accept(card, suggestion) {
    const result = applyActions(state.drafts, suggestion.actions);
    state.drafts = result.drafts;
    renderOrders();
    const outcome = await feedback(accepted(card, suggestion), 'accepted');
    return { ok: outcome.ok, text: `Applied “${suggestion.label}”: ${result.done.join(', ') || 'nothing to change'}. ${outcome.text}` };
  },
  override(card, reason, comment) {
    return feedback(overridden(card, reason, comment), `overridden: ${reason?.display ?? reason?.code ?? 'no reason'}`);
  },
};

function describeFailure(response) {
  if (response.status === 401) return 'The service refused the call (401): it requires CDS client authentication (CDS_AUTH=required), and the workbench sends no JWT.';
  const body = response.body;
  const problems = body?.problems?.map((p) => `${p.path}: ${p.message}`) ?? body?.issue?.map((i) => i.diagnostics) ?? [];
  return `The service answered ${response.status || 'nothing'}${body?.error ? `: ${body.error}` : ''}${problems.length > 0 ? ` (${problems.join('; ')})` : ''}.`;
}

async function sign() {
  if (state.busy) return;
  showPageError('');
  if (!requirePatient()) return;
  if (state.drafts.length === 0) {
    ui.signStatus.textContent = 'Add at least one order to sign.';
    ui.addProcedure.focus();
    return;
  }
  state.busy = true;
  ui.sign.disabled = true;
  ui.sign.setAttribute('aria-busy', 'true');
  clear(ui.cards);
  const withPrefetch = document.querySelector('input[name="prefetch-mode"]:checked')?.value === 'prefetch';
  try {
    let prefetch;
    const notes = [];
    if (withPrefetch) {
      ui.signStatus.textContent = 'Building prefetch from the discovery templates…';
      const discovery = await discover();
      ui.rawDiscovery.textContent = pretty(discovery.body);
      if (!discovery.ok) throw new Error(`discovery failed: ${describeFailure(discovery)}`);
      const templates = prefetchTemplates(discovery.body, state.config.serviceId);
      const built = await buildPrefetch(fhirBase(), templates, { patientId: state.patientId, userId: state.config.userId });
      prefetch = built.prefetch;
      if (built.problems.length > 0) notes.push(`prefetch keys left out: ${built.problems.join('; ')}`);
    }
    const request = orderSignRequest({ fhirBase: fhirBase(), userId: state.config.userId, patientId: state.patientId, drafts: state.drafts, prefetch });
    ui.rawRequest.textContent = pretty(request);
    ui.signStatus.textContent = 'Signing…';
    const response = await callHook(state.config.serviceId, request);
    ui.rawResponse.textContent = `HTTP ${response.status}\n${pretty(response.body ?? '')}`;
    if (!response.ok || !Array.isArray(response.body?.cards)) {
      ui.cards.append(el('p', { class: 'alert alert--error', role: 'alert' }, describeFailure(response)));
      ui.signStatus.textContent = `Signing failed with HTTP ${response.status}.`;
      return;
    }
    renderCards(ui.cards, response.body.cards, cardActions);
    const n = response.body.cards.length;
    ui.signStatus.textContent = `Signed ${withPrefetch ? 'with' : 'without'} prefetch: ${n} card${n === 1 ? '' : 's'}.${notes.length > 0 ? ` Note: ${notes.join('; ')}` : ''}`;
  } catch (error) {
    ui.signStatus.textContent = `Signing failed: ${error.message}`;
  } finally {
    state.busy = false;
    ui.sign.disabled = false;
    ui.sign.removeAttribute('aria-busy');
    // How many sign round trips have finished, for scripts driving the page.
    document.body.dataset.signed = String(Number(document.body.dataset.signed ?? '0') + 1);
  }
}

// ---- Start --------------------------------------------------------------------------------------

async function start() {
  for (const [key, id] of Object.entries({
    pageError: 'page-error',
    fhirBase: 'fhir-base',
    loadPatients: 'load-patients',
    patient: 'patient',
    patientStatus: 'patient-status',
    chart: 'chart',
    chartEmpty: 'chart-empty',
    chartSections: 'chart-sections',
    orderDate: 'order-date',
    presetLevel: 'preset-level',
    presetSetting: 'preset-setting',
    addRevision: 'add-revision',
    addProcedure: 'add-procedure',
    addMedication: 'add-medication',
    orders: 'orders',
    ordersEmpty: 'orders-empty',
    sign: 'sign',
    signStatus: 'sign-status',
    serviceHint: 'service-hint',
    cards: 'cards',
    rawRequest: 'raw-request-body',
    rawResponse: 'raw-response-body',
    rawDiscovery: 'raw-discovery-body',
    rawFeedback: 'raw-feedback-body',
  })) {
    ui[key] = byId(id);
  }

  const response = await fetch('/workbench/config.json', { headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`the workbench configuration did not load (HTTP ${response.status})`);
  state.config = await response.json();

  fillSelect(ui.presetLevel, LEVELS.map((l) => option(l, l, l === 'L3-L4')));
  fillSelect(ui.presetSetting, settingOptions('21'));
  ui.fhirBase.value = state.config.fhirBaseUrl ?? '';
  ui.serviceHint.textContent =
    `Sends order-sign to POST /cds-services/${state.config.serviceId} on this server ` +
    `(an EHR registers it as ${state.config.serviceBaseUrl}/cds-services/${state.config.serviceId}), as ${state.config.userId}.`;

  ui.loadPatients.addEventListener('click', loadPatients);
  ui.fhirBase.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') loadPatients();
  });
  ui.patient.addEventListener('change', () => selectPatient(ui.patient.value));
  ui.addRevision.addEventListener('click', () =>
    addDrafts(revisionFusionOrders(state.patientId, state.config, orderDate(), ui.presetLevel.value, ui.presetSetting.value)),
  );
  ui.addProcedure.addEventListener('click', () => {
    addDrafts([newServiceRequest(state.patientId, state.config, orderDate())]);
    ui.orders.querySelector('.order:last-child select')?.focus();
  });
  ui.addMedication.addEventListener('click', () => addDrafts([newMedicationRequest(state.patientId, orderDate())]));
  ui.orderDate.value = latestOrderDate();
  ui.orderDate.max = latestOrderDate();
  ui.orderDate.addEventListener('change', () => {
    const date = orderDate();
    ui.orderDate.value = date;
    state.drafts = state.drafts.map((d) => ({ ...d, authoredOn: date }));
  });
  ui.sign.addEventListener('click', sign);
  renderOrders();

  if (ui.fhirBase.value) await loadPatients();
  else ui.patientStatus.textContent = 'No embedded FHIR server runs: enter a FHIR server base URL and load its patients.';
  document.body.dataset.ready = 'true';
}

start().catch((error) => {
  showPageError(`The workbench could not start: ${error.message}`);
  document.body.dataset.ready = 'error';
});
