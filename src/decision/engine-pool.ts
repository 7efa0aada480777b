import { Worker } from 'node:worker_threads';
import type { EvidenceFacts } from '../evidence/types.js';
import type { SurgicalPlan } from '../orders/types.js';
import { UpstreamError } from '../errors.js';
import type { PlanDecision } from './types.js';
import type { FhirResource } from 'fhir/r4.js';

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

export interface EvaluationReply {
  id: number;
  decisions?: PlanDecision[];
  error?: string;
}

const YOUNG_GENERATION_MB = 16;

interface Pending {
  resolve: (d: PlanDecision[]) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  loaded: boolean;
}

/**
 * CQL evaluations on worker threads. The criteria library is CPU work from end to end (no I/O), so on one
 * thread a call waits for every evaluation ahead of it; with threads, the HTTP thread keeps parsing,
 * fetching and answering while evaluations run on the other cores. State stays in one process (feedback
 * store, JWT replay cache, metrics): only the evaluation moves. Each thread loads its own copy of the
 * library and the FHIR model. A thread that dies fails its evaluations and is replaced.
 */
export class EnginePool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;
  private startedUp = false;

  constructor(
    private readonly size: number,
    private readonly workerData: { elmDir?: string },
    private readonly entry: URL = new URL('./engine-thread.js', import.meta.url),
  ) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    // Evaluations allocate much that dies young; a small young generation keeps each thread's memory down.
    const worker = new Worker(this.entry, { workerData: this.workerData, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    // Idle threads must not keep the process alive; the server closes the pool on shutdown.
    worker.unref();
    const slot: Slot = { worker, pending: new Map(), loaded: false };
    worker.on('message', (reply: EvaluationReply | ThreadReady) => {
      if ('ready' in reply) {
        slot.loaded = true;
        return;
      }
      const p = slot.pending.get(reply.id);
      if (!p) return;
      slot.pending.delete(reply.id);
      if (reply.decisions) p.resolve(reply.decisions);
      else p.reject(new Error(reply.error ?? 'the evaluation thread returned no decision'));
    });
    const fail = (error: Error) => {
      for (const p of slot.pending.values()) p.reject(error);
      slot.pending.clear();
      const index = this.slots.indexOf(slot);
      if (index >= 0 && !this.closed) this.slots[index] = this.spawn();
    };
    worker.on('error', (e) => fail(e instanceof Error ? e : new Error(String(e))));
    worker.on('exit', (code) => fail(new Error(`the evaluation thread exited with code ${code}`)));
    return slot;
  }

  /**
   * Runs on the thread with the fewest evaluations in flight. An evaluation still running at `deadlineAt`
   * (a huge or hostile chart) cannot be interrupted inside cql-execution, so its thread is stopped and
   * replaced: that evaluation, and any queued behind it on the thread, fail with 'review-timeout'.
   */
  evaluate(job: EvaluationJob, deadlineAt?: number): Promise<PlanDecision[]> {
    if (this.closed) return Promise.reject(new Error('the evaluation threads are closed'));
    let slot = this.slots[0]!;
    for (const s of this.slots) if (s.pending.size < slot.pending.size) slot = s;
    const id = this.nextId++;
    let timer: NodeJS.Timeout | undefined;
    return new Promise<PlanDecision[]>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      // While an evaluation is in flight the thread holds the process open, as any pending call would.
      slot.worker.ref();
      slot.worker.postMessage({ id, job });
      if (deadlineAt !== undefined) {
        timer = setTimeout(() => this.stop(slot), Math.max(0, deadlineAt - Date.now()));
      }
    }).finally(() => {
      if (timer) clearTimeout(timer);
      if (slot.pending.size === 0) slot.worker.unref();
    });
  }

  /** Stops a thread whose evaluation overran its deadline and puts a fresh one in its place. */
  private stop(slot: Slot): void {
    const overdue = new UpstreamError('the review did not finish before the hook deadline', 'review-timeout');
    for (const p of slot.pending.values()) p.reject(overdue);
    slot.pending.clear();
    // The replacement takes new evaluations at once; the stopped thread's exit then finds it gone from the slots.
    const index = this.slots.indexOf(slot);
    if (index >= 0 && !this.closed) this.slots[index] = this.spawn();
    void slot.worker.terminate();
  }

  get threads(): number {
    return this.size;
  }

  /**
   * Every thread of the start has loaded its library. It stays true when a thread is replaced (after an
   * overrun): the new one takes calls at once and answers them once loaded, and the service is no less ready.
   */
  get loaded(): boolean {
    if (!this.startedUp) this.startedUp = this.slots.every((s) => s.loaded);
    return this.startedUp;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
