import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { EvidenceFacts } from '../evidence/types.js';
import type { SurgicalPlan } from '../orders/types.js';
import { UpstreamError } from '../errors.js';
import type { ValueSetIndex } from '../terminology/value-sets.js';
import type { ElmLibraries } from './cql-library.js';
import { EvaluationError, type EvaluationFailure } from './evaluation-error.js';
import type { PlanDecision } from './types.js';
import type { FhirResource } from 'fhir/r4.js';

/**
 * What every thread starts with (workerData): the ELM the process loaded at start, and the digest of its value
 * sets. A thread started later (to replace one that overran or died) runs the same library as its siblings, never
 * what a rebuild has since left on disk: the HTTP thread's relevance filter and card wording were made for it.
 */
export interface ThreadData {
  elm: ElmLibraries;
  valueSetDigest: string;
}

/** The value sets as the engine reads them (the parsed resources), for a thread to compare with its own. */
export function valueSetDigest(valueSets: ValueSetIndex): string {
  return createHash('sha256').update(JSON.stringify(valueSets.resources())).digest('hex');
}

/** One evaluation, as it crosses to a thread (structured clone: plain data only). */
export interface EvaluationJob {
  patientId: string;
  plans: SurgicalPlan[];
  /** The resources the library is handed (already filtered for relevance), Patient and draft orders included. */
  resources: FhirResource[];
  facts: EvidenceFacts;
  now: Date;
}

/** A thread's first message: its library is loaded. */
export interface ThreadReady {
  ready: true;
}

/** Or: it could not load, and why (never chart data: no evaluation has run). The pool then stops the thread. */
export interface ThreadLoadFailed {
  loadFailed: string;
}

export interface EvaluationReply {
  id: number;
  decisions?: PlanDecision[];
  /** Why there are none: where in the CQL, never the error's message (evaluation-error.ts). */
  failure?: EvaluationFailure;
}

const YOUNG_GENERATION_MB = 16;

interface Pending {
  resolve: (d: PlanDecision[]) => void;
  reject: (e: Error) => void;
}

/** One place for a thread; its worker is replaced when it dies or overruns, and is absent while a restart waits. */
interface Slot {
  worker: Worker | undefined;
  pending: Map<number, Pending>;
  loaded: boolean;
  /** Threads of this slot in a row that ended before loading their library: a crash loop when above zero. */
  startFailures: number;
  /** Why the current thread could not load, as it said. */
  loadError: string | undefined;
  restart: NodeJS.Timeout | undefined;
}

/** What the pool reports when a thread stops on its own (never the job's data: the error's name and code only). */
export interface ThreadStopped {
  event: 'exit' | 'error';
  exitCode?: number;
  errorName?: string;
  errorCode?: string;
  /** The thread had loaded its library (a crash during evaluations) or not (it could not start). */
  wasLoaded: boolean;
  /** Why it could not load, when it said (e.g. the library fails on a synthetic chart, naming the CQL definition). */
  loadError?: string;
  /** Evaluations it took down; each got an evaluation-unavailable card. */
  failedEvaluations: number;
  restartInMs: number;
}

/** A thread that cannot load is restarted after 0.5 s, then 1, 2, 4 ... at most 30 s: a broken build must not spin a core. */
const FIRST_RESTART_DELAY_MS = 500;
const MAX_RESTART_DELAY_MS = 30_000;

const failedReview = () => new UpstreamError('the evaluation thread stopped before the review ended', 'review-failed');

/**
 * CQL evaluations on worker threads. The criteria library is CPU work from end to end (no I/O), so on one
 * thread a call waits for every evaluation ahead of it; with threads, the HTTP thread keeps parsing,
 * fetching and answering while evaluations run on the other cores. State stays in one process (feedback
 * store, JWT replay cache, metrics): only the evaluation moves. Each thread builds its own copy of the
 * library the process loaded (ThreadData) and of the FHIR model. A thread that dies fails its evaluations
 * with 'review-failed' (an evaluation-unavailable card, never a 500) and is restarted: at once when it had
 * been working, with a growing delay when it could not even load.
 */
export class EnginePool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;
  private startedUp = false;

  constructor(
    private readonly size: number,
    private readonly workerData: ThreadData,
    private readonly entry: URL = new URL('./engine-thread.js', import.meta.url),
    private readonly onThreadStopped?: (e: ThreadStopped) => void,
  ) {
    for (let i = 0; i < size; i++) {
      const slot: Slot = { worker: undefined, pending: new Map(), loaded: false, startFailures: 0, loadError: undefined, restart: undefined };
      this.slots.push(slot);
      this.start(slot);
    }
  }

  private start(slot: Slot): void {
    slot.restart = undefined;
    // Evaluations allocate much that dies young; a small young generation keeps each thread's memory down.
    const worker = new Worker(this.entry, { workerData: this.workerData, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    // Idle threads must not keep the process alive; the server closes the pool on shutdown.
    worker.unref();
    slot.worker = worker;
    slot.loaded = false;
    slot.loadError = undefined;
    slot.pending = new Map();
    const pending = slot.pending;
    worker.on('message', (reply: EvaluationReply | ThreadReady | ThreadLoadFailed) => {
      if ('ready' in reply) {
        if (slot.worker === worker) {
          slot.loaded = true;
          slot.startFailures = 0;
        }
        return;
      }
      if ('loadFailed' in reply) {
        // The thread waits to be stopped, so that its exit cannot overtake this message.
        if (slot.worker === worker) slot.loadError = String(reply.loadFailed).slice(0, 2000);
        void worker.terminate();
        return;
      }
      const p = pending.get(reply.id);
      if (!p) return;
      pending.delete(reply.id);
      if (reply.decisions) p.resolve(reply.decisions);
      else p.reject(reply.failure ? new EvaluationError(reply.failure) : failedReview());
    });
    const stopped = (detail: Pick<ThreadStopped, 'event' | 'exitCode' | 'errorName' | 'errorCode'>) => {
      // A thread stopped after an overrun was already replaced, and its evaluations already failed.
      if (slot.worker !== worker) return;
      const wasLoaded = slot.loaded;
      const loadError = slot.loadError;
      const failedEvaluations = pending.size;
      for (const p of pending.values()) p.reject(failedReview());
      pending.clear();
      slot.worker = undefined;
      slot.loaded = false;
      if (this.closed) return;
      if (!wasLoaded) slot.startFailures++;
      const restartInMs = slot.startFailures === 0 ? 0 : Math.min(MAX_RESTART_DELAY_MS, FIRST_RESTART_DELAY_MS * 2 ** (slot.startFailures - 1));
      this.onThreadStopped?.({ ...detail, wasLoaded, ...(loadError !== undefined ? { loadError } : {}), failedEvaluations, restartInMs });
      slot.restart = setTimeout(() => this.start(slot), restartInMs);
      slot.restart.unref();
    };
    worker.on('error', (e: unknown) => {
      const err = e as { name?: unknown; code?: unknown };
      stopped({
        event: 'error',
        ...(typeof err?.name === 'string' ? { errorName: err.name } : {}),
        ...(typeof err?.code === 'string' ? { errorCode: err.code } : {}),
      });
    });
    worker.on('exit', (code) => stopped({ event: 'exit', exitCode: code }));
  }

  /**
   * Runs on the thread with the fewest evaluations in flight. An evaluation still running at `deadlineAt`
   * (a huge or hostile chart) cannot be interrupted inside cql-execution, so its thread is stopped and
   * replaced: that evaluation, and any queued behind it on the thread, fail with 'review-timeout'. With no
   * thread running (all waiting for a restart), the evaluation fails at once with 'review-failed'.
   */
  evaluate(job: EvaluationJob, deadlineAt?: number): Promise<PlanDecision[]> {
    if (this.closed) return Promise.reject(new Error('the evaluation threads are closed'));
    let slot: Slot | undefined;
    for (const s of this.slots) if (s.worker && (!slot || s.pending.size < slot.pending.size)) slot = s;
    if (!slot) return Promise.reject(failedReview());
    const { worker, pending } = slot as Slot & { worker: Worker };
    const id = this.nextId++;
    let timer: NodeJS.Timeout | undefined;
    return new Promise<PlanDecision[]>((resolve, reject) => {
      try {
        // A job that cannot be cloned (nested past what structured clone takes) fails alone; nothing is left pending.
        worker.postMessage({ id, job });
      } catch {
        reject(failedReview());
        return;
      }
      pending.set(id, { resolve, reject });
      // While an evaluation is in flight the thread holds the process open, as any pending call would.
      worker.ref();
      if (deadlineAt !== undefined) {
        timer = setTimeout(() => this.stop(slot, worker), Math.max(0, deadlineAt - Date.now()));
      }
    }).finally(() => {
      if (timer) clearTimeout(timer);
      if (pending.size === 0) worker.unref();
    });
  }

  /** Stops a thread whose evaluation overran its deadline and puts a fresh one in its place. */
  private stop(slot: Slot, worker: Worker): void {
    if (slot.worker !== worker) return;
    const overdue = new UpstreamError('the review did not finish before the hook deadline', 'review-timeout');
    for (const p of slot.pending.values()) p.reject(overdue);
    slot.pending.clear();
    // The replacement takes new evaluations at once; the stopped thread's exit then finds itself replaced.
    if (!this.closed) this.start(slot);
    else slot.worker = undefined;
    void worker.terminate();
  }

  get threads(): number {
    return this.size;
  }

  /**
   * Ready for calls: every thread of the start has loaded its library, and now at least one thread is
   * loaded or loading for the first time in a row. A thread replaced after an overrun or a crash takes calls
   * at once and answers them once loaded; threads that keep failing to load (a broken build) make the service
   * not ready, so an orchestrator can act.
   */
  get loaded(): boolean {
    if (!this.startedUp) this.startedUp = this.slots.every((s) => s.loaded);
    return this.startedUp && this.slots.some((s) => s.loaded || (s.worker !== undefined && s.startFailures === 0) || (s.restart !== undefined && s.startFailures === 0));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.slots) if (s.restart) clearTimeout(s.restart);
    await Promise.all(this.slots.map((s) => s.worker?.terminate()));
  }
}
