import path from 'node:path';
import cql from 'cql-execution';
import type { FhirResource, ServiceRequest } from 'fhir/r4.js';
import type { PatientRecord } from '../data/types.js';
import type { EvidenceFacts } from '../evidence/types.js';
import type { SurgicalPlan } from '../orders/types.js';
import { loadValueSets, type ValueSetIndex } from '../terminology/value-sets.js';
import { ValueSetCodeService } from './code-service.js';
import { defaultCqlDir, loadCriteriaLibrary, readElmDir, type ElmLibraries } from './cql-library.js';
import { stripForRuntime } from './elm-plan.js';
import { informativeResourceFacts, planParameters, recordResources } from './parameters.js';
import { patientSourceFor, SYSTEM_STRING_ELEMENTS, type CqlPatientSource } from './patient-source.js';
import { EnginePool, valueSetDigest, type EvaluationJob, type ThreadData, type ThreadStopped } from './engine-pool.js';
import { describe, DefinitionIndex, EvaluationError, thrownMessage, type EvaluationFailure } from './evaluation-error.js';
import { relevanceFilter, type RelevanceFilter } from './relevance.js';
import { syntheticCharts } from './synthetic-charts.js';
import { toPlanDecision, type CqlPlanDecision } from './to-decision.js';
import type { PlanDecision } from './types.js';

const DECISION_EXPRESSION = 'Plan Decision';

/**
 * The criteria read only a draft order's id and codes; a loosely formed order (the CDS Hooks Sandbox sends them)
 * is reduced to those, so nothing else in it can trip the FHIR data model.
 */
function criteriaView(order: ServiceRequest, id: string): ServiceRequest {
  const codings = Array.isArray(order.code?.coding) ? order.code.coding : [];
  const coding = codings
    .filter((c) => typeof c?.system === 'string' && typeof c?.code === 'string')
    .map((c) => ({ system: c.system, code: c.code }));
  return { resourceType: 'ServiceRequest', id, status: 'draft', intent: 'order', subject: { reference: 'Patient' }, code: { coding } };
}

export interface DecisionEngineOptions {
  /** The compiled libraries to run, as read (CriteriaSources.elm); else those of `elmDir`, else of cql-mappings/elm. */
  elm?: ElmLibraries;
  elmDir?: string;
  valueSets?: ValueSetIndex;
  /** Hand the library only the resources it can use (default true); off, to show that it changes nothing. */
  relevance?: boolean;
  /** The data source for one evaluation (default: patient-source.ts); tests compare it with cql-exec-fhir's own. */
  patientSource?: (resources: FhirResource[]) => CqlPatientSource;
  /** Run the ELM as compiled, without the execution-plan changes of elm-plan.ts (the tests' reference). */
  asCompiled?: boolean;
  /**
   * Worker threads that run the evaluations (engine-pool.ts); 0 (the default) evaluates on the calling thread.
   * Threads run the ELM loaded here, handed over in memory; they read the value sets from cql-mappings/valuesets
   * and refuse to start on other ones than `valueSets` (engine-thread.ts); their module is the compiled build (dist/).
   */
  threads?: number;
  /** The threads' module (default: engine-thread.js beside this file); tests point it at the build. */
  threadEntry?: URL;
  /** Told when an evaluation thread stops on its own (the server logs it); the pool restarts the thread. */
  onThreadStopped?: (e: ThreadStopped) => void;
  /**
   * Evaluate the synthetic charts once when loading (default true), so that a library that throws at run time
   * fails here, naming its CQL definition; off only for tests that load many engines of a library known to pass.
   */
  selfCheck?: boolean;
}

/**
 * Runs the CQL criteria library over one patient's record, once per surgical plan.
 * The ELM, the value sets and the FHIR model are loaded once, when the engine is built.
 */
export class DecisionEngine {
  private constructor(
    private readonly library: cql.Library,
    private readonly codeService: ValueSetCodeService,
    /** The literal defaults of the library's parameters, e.g. { "Imaging Lookback Months": 12 }. */
    readonly parameterDefaults: Readonly<Record<string, number>>,
    private readonly relevance: RelevanceFilter | undefined,
    private readonly sourceFor: (resources: FhirResource[]) => CqlPatientSource,
    private readonly definitions: DefinitionIndex,
  ) {}

  /** The evaluation threads, when there are any (set once, in `load`). */
  private pool: EnginePool | undefined;

  static load(options: DecisionEngineOptions = {}): DecisionEngine {
    const compiled = options.elm ?? readElmDir(options.elmDir ?? path.join(defaultCqlDir(), 'elm'));
    const { library, defaults, elm } = loadCriteriaLibrary(compiled, { asCompiled: options.asCompiled === true });
    const valueSets = options.valueSets ?? loadValueSets();
    const codeService = new ValueSetCodeService(valueSets);
    // A model that cannot list its string elements leaves the text unread: nothing is filtered then.
    const relevance =
      options.relevance === false || !SYSTEM_STRING_ELEMENTS ? undefined : relevanceFilter(elm, valueSets, SYSTEM_STRING_ELEMENTS);
    const engine = new DecisionEngine(library, codeService, defaults, relevance, options.patientSource ?? patientSourceFor, new DefinitionIndex(elm));
    // Before any thread starts: a library that fails here would fail in every thread too.
    if (options.selfCheck !== false) engine.checkOnSyntheticCharts();
    if ((options.threads ?? 0) > 0) {
      // Every thread, a replacement started long after a rebuild included, runs this ELM and these value sets, so its
      // answers always match this thread's relevance filter and cards. Without annotations the ELM is a tenth the size.
      const data: ThreadData = { elm: stripForRuntime(structuredClone(compiled)), valueSetDigest: valueSetDigest(valueSets) };
      engine.pool = new EnginePool(options.threads!, data, options.threadEntry, options.onThreadStopped);
    }
    return engine;
  }

  /**
   * `deadlineAt` bounds an evaluation on a worker thread: past it the thread is stopped and replaced and the
   * evaluation fails with UpstreamError 'review-timeout'. On the calling thread (no pool) it cannot be interrupted.
   */
  async evaluate(plans: SurgicalPlan[], record: PatientRecord, facts: EvidenceFacts, now: Date, deadlineAt?: number): Promise<PlanDecision[]> {
    const job = this.jobFor(plans, record, facts, now);
    return this.pool ? this.pool.evaluate(job, deadlineAt) : this.evaluateResources(job);
  }

  private jobFor(plans: SurgicalPlan[], record: PatientRecord, facts: EvidenceFacts, now: Date): EvaluationJob {
    // Only the facts the parameters pass on cross to the thread: a large chart has one per resource, mostly empty.
    const sent: EvidenceFacts = { ...facts, resources: informativeResourceFacts(facts.resources) };
    return { patientId: record.patientId, plans, resources: this.resourcesFor(plans, record, facts), facts: sent, now };
  }

  /** The evaluation threads have loaded the library; true at once without threads (the library loads in `load`). */
  get loaded(): boolean {
    return this.pool?.loaded ?? true;
  }

  /** Why the relevance filter is off for this library (empty when it is on or was not asked for). */
  get relevanceOff(): readonly string[] {
    return this.relevance && !this.relevance.active ? (this.relevance.hazards.length > 0 ? this.relevance.hazards : ['a text pattern or source it cannot read']) : [];
  }

  /** Evaluations on worker threads (0: on the calling thread). */
  get threads(): number {
    return this.pool?.threads ?? 0;
  }

  /** Ends the worker threads, if any. */
  async close(): Promise<void> {
    await this.pool?.close();
  }

  /** The library over resources already chosen, once per plan (on this thread). */
  async evaluateResources(job: EvaluationJob): Promise<PlanDecision[]> {
    return job.plans.map((plan) => {
      const r = this.decidePlan(plan, job);
      // What may be logged of a failure is where it was (the CQL definition), never its message or the chart.
      if ('error' in r) throw new EvaluationError(this.definitions.failureOf(r.error, r.step));
      return r.decision;
    });
  }

  /** One plan, synchronously (cql-execution 2.4 is); a failure comes back as thrown, with the step that threw. */
  private decidePlan(plan: SurgicalPlan, { patientId, resources, facts, now }: EvaluationJob): { decision: PlanDecision } | { error: unknown; step: EvaluationFailure['step'] } {
    let raw: CqlPlanDecision | undefined;
    try {
      // cql-execution's parameter type checks take a plain object; the Executor is cheap, the Library is not.
      const executor = new cql.Executor(this.library, this.codeService as unknown as cql.CodeService, planParameters(plan, facts, now));
      const source = this.sourceFor(resources) as unknown as cql.DataProvider;
      const results = executor.exec_expression(DECISION_EXPRESSION, source, cql.DateTime.fromJSDate(now, 0));
      raw = results.patientResults[patientId]?.[DECISION_EXPRESSION] as CqlPlanDecision | undefined;
      if (!raw) throw new Error('The criteria library returned no decision');
    } catch (error) {
      return { error, step: 'cql' };
    }
    try {
      return { decision: toPlanDecision(plan, raw) };
    } catch (error) {
      return { error, step: 'to-decision' };
    }
  }

  /**
   * Evaluates the synthetic charts (synthetic-charts.ts) once: a library that fails at run time stops the
   * service at start (or its thread from loading), with the CQL definition and the error, which being about
   * made-up data only may be said whole.
   */
  private checkOnSyntheticCharts(): void {
    for (const chart of syntheticCharts()) {
      const job = this.jobFor(chart.plans, chart.record, chart.facts, chart.now);
      for (const plan of job.plans) {
        const r = this.decidePlan(plan, job);
        if ('error' in r) {
          const failure = this.definitions.failureOf(r.error, r.step);
          throw new Error(`The criteria library fails on the synthetic "${chart.name}" chart (no patient data): ${describe(failure)}: ${thrownMessage(r.error)}`);
        }
      }
    }
  }

  /**
   * The chart resources the library can use, plus the plan's draft orders, which the CQL reads for codes;
   * a Patient is always present.
   */
  private resourcesFor(plans: SurgicalPlan[], record: PatientRecord, facts: EvidenceFacts): FhirResource[] {
    const patient: FhirResource = record.patient ?? { resourceType: 'Patient', id: record.patientId };
    const orders = new Map<string, FhirResource>();
    for (const plan of plans) for (const o of plan.orders) orders.set(o.id, criteriaView(o.resource, o.id));
    const chart = recordResources(record) as FhirResource[];
    const used = this.relevance ? this.relevance.select(chart, facts) : chart;
    return [{ ...patient, id: record.patientId } as FhirResource, ...used, ...orders.values()];
  }
}
