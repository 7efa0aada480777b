import { join } from 'node:path';
import { JsonlFile, type StoreLogger } from './jsonl-file.js';

/**
 * The durable record of issued cards and the feedback on them, under DATA_DIR. Only card and
 * suggestion uuids, topics, outcomes, override reasons (system and code: the card's own, or short codes the
 * EHR added) and timestamps are kept: never PHI, never the free-text userComment (a clinician may write
 * anything there).
 */
export type Outcome = 'accepted' | 'overridden';

/** An override reason a card offered (CDS Hooks 2.0 Card.overrideReasons), by its system and code. */
export interface OfferedReason {
  system: string;
  code: string;
}

export interface IssuedCard {
  uuid: string;
  topic: string;
  issuedAt: string;
  /** uuids of the card's suggestions, so that feedback can name only those. */
  suggestions?: string[];
  /** The card's override reasons, so that feedback can give only those. */
  overrideReasons?: readonly OfferedReason[];
}

export interface CardToRecord {
  uuid: string;
  topic: string;
  suggestions?: readonly string[];
  overrideReasons?: readonly OfferedReason[];
}

export interface FeedbackRecord {
  card: string;
  topic: string;
  outcome: Outcome;
  acceptedSuggestions?: string[];
  overrideReasonCode?: string;
  overrideReasonSystem?: string;
  /** false for a reason the EHR added to the card's list (CDS Hooks 2.0 lets it); absent in records before this was kept. */
  overrideReasonOffered?: boolean;
  outcomeTimestamp: string;
}

export interface FeedbackCount {
  topic: string;
  outcome: Outcome;
  count: number;
}

/** Feedback is accepted for a week after a card is issued, unless FEEDBACK_WINDOW_HOURS says otherwise. */
export const DEFAULT_FEEDBACK_WINDOW_HOURS = 168;

export interface FeedbackStoreOptions {
  /**
   * Hours an issued card accepts feedback. Older cards are forgotten: from memory as new cards come, from
   * the file at the next start (see openFeedbackStore for the clock it goes by), so neither grows with the
   * months a service runs.
   */
  windowHours?: number;
  clock?: () => Date;
  /** Milliseconds on a clock that only moves forward (default performance.now()): how long a card has been held. */
  monotonic?: () => number;
}

export interface FeedbackStore {
  /** Hours an issued card accepts feedback (FeedbackStoreOptions.windowHours). */
  readonly windowHours: number;
  /** Records issued cards; resolves once they are durable. */
  recordIssued(cards: readonly CardToRecord[], issuedAt: Date): Promise<void>;
  /** The issued card with this uuid, if this service issued it within the feedback window. */
  issuedCard(uuid: string): IssuedCard | undefined;
  /** Stores feedback entries (already checked against issued cards); resolves once they are durable. */
  recordFeedback(entries: readonly FeedbackRecord[]): Promise<void>;
  counts(): FeedbackCount[];
  /**
   * Resolves when both files take appends; rejects while one is failing (its last append failed and it could
   * not be cut back to whole records yet, or it was deleted and cannot be created again). Each call retries that
   * repair.
   */
  check(): Promise<void>;
  close(): Promise<void>;
}

const ISSUED_FILE = 'issued-cards.jsonl';
const FEEDBACK_FILE = 'feedback.jsonl';

const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isTextList = (v: unknown): v is string[] => Array.isArray(v) && v.every(isText);
const isReasonList = (v: unknown): v is OfferedReason[] =>
  Array.isArray(v) && v.every((r: Partial<OfferedReason> | null) => typeof r === 'object' && r !== null && isText(r.system) && isText(r.code));

function asIssued(v: unknown): IssuedCard | undefined {
  const r = v as Partial<IssuedCard> | null;
  if (typeof r !== 'object' || r === null || !isText(r.uuid) || !isText(r.topic) || !isText(r.issuedAt)) return undefined;
  if (r.suggestions !== undefined && !isTextList(r.suggestions)) return undefined;
  if (r.overrideReasons !== undefined && !isReasonList(r.overrideReasons)) return undefined;
  return r as IssuedCard;
}

function asFeedback(v: unknown): FeedbackRecord | undefined {
  const r = v as Partial<FeedbackRecord> | null;
  if (typeof r !== 'object' || r === null || !isText(r.card) || !isText(r.topic) || !isText(r.outcomeTimestamp)) return undefined;
  if (r.outcome !== 'accepted' && r.outcome !== 'overridden') return undefined;
  return r as FeedbackRecord;
}

/** When a card was issued, in ms; an unreadable time counts as long ago (the store writes only ISO times). */
const issuedTime = (card: IssuedCard): number => {
  const t = Date.parse(card.issuedAt);
  return Number.isNaN(t) ? -Infinity : t;
};

/** When the newest of these cards was issued, in ms (-Infinity for none). */
const newestIssued = (cards: readonly IssuedCard[]): number => cards.reduce((newest, card) => Math.max(newest, issuedTime(card)), -Infinity);

/** An issued card in memory, and when it is past the feedback window by the monotonic clock. */
interface Held {
  card: IssuedCard;
  due: number;
}

/**
 * A card is refused once past the window by either clock, and forgotten from memory once past it by the
 * monotonic one. Forgotten by the wall clock, every card went at the next hook call after the clock stepped
 * ahead (a VM resumed, a bad NTP step), and feedback on cards issued minutes before was refused once the clock
 * was right again; and a card stamped while it was ahead held every card after it in memory until the wall clock
 * caught up with its stamp.
 */
class JsonlFeedbackStore implements FeedbackStore {
  /** In the order the cards were taken, so the first to be due are first to go. */
  private readonly issued = new Map<string, Held>();
  private readonly tally = new Map<string, FeedbackCount>();
  private readonly windowMs: number;
  /**
   * One shared copy of each distinct list of override reasons: cards of a topic all offer the same list, so a
   * week of issued cards holds a handful of lists, not one per card.
   */
  private readonly reasonLists = new Map<string, readonly OfferedReason[]>();

  constructor(
    private readonly issuedFile: JsonlFile,
    private readonly feedbackFile: JsonlFile,
    issued: readonly IssuedCard[],
    /** The time the loaded cards' ages are counted to (see openFeedbackStore). */
    loadedAt: number,
    feedback: readonly FeedbackRecord[],
    readonly windowHours: number,
    private readonly clock: () => Date,
    private readonly monotonic: () => number,
  ) {
    this.windowMs = windowHours * 3_600_000;
    // Feedback on these cards is taken while the service runs; were the file deleted, a restart would refuse it.
    issuedFile.restoreWith(() => this.heldCards());
    const now = monotonic();
    for (const card of issued) {
      if (card.overrideReasons) card.overrideReasons = this.shared(card.overrideReasons);
      this.issued.set(card.uuid, { card, due: now + this.windowMs - Math.max(0, loadedAt - issuedTime(card)) });
    }
    for (const entry of feedback) this.count(entry);
  }

  private shared(reasons: readonly OfferedReason[]): readonly OfferedReason[] {
    const key = JSON.stringify(reasons.map((r) => [r.system, r.code]));
    let list = this.reasonLists.get(key);
    if (!list) {
      list = Object.freeze(reasons.map((r) => Object.freeze({ system: r.system, code: r.code })));
      this.reasonLists.set(key, list);
    }
    return list;
  }

  private count(entry: FeedbackRecord): void {
    const key = `${entry.topic}\u0000${entry.outcome}`;
    const current = this.tally.get(key);
    if (current) current.count++;
    else this.tally.set(key, { topic: entry.topic, outcome: entry.outcome, count: 1 });
  }

  async recordIssued(cards: readonly CardToRecord[], issuedAt: Date): Promise<void> {
    const at = issuedAt.toISOString();
    const records: IssuedCard[] = cards.map((c) => ({
      uuid: c.uuid,
      topic: c.topic,
      issuedAt: at,
      ...(c.suggestions && c.suggestions.length > 0 ? { suggestions: [...c.suggestions] } : {}),
      // Always written, empty for an info card: a record without the field is one from before reasons were kept.
      overrideReasons: this.shared(c.overrideReasons ?? []),
    }));
    await this.issuedFile.append(records);
    const now = this.monotonic();
    for (const r of records) this.issued.set(r.uuid, { card: r, due: now + this.windowMs });
    this.forgetDue(now);
  }

  issuedCard(uuid: string): IssuedCard | undefined {
    const held = this.issued.get(uuid);
    // Whether or not it has been forgotten yet, a card past the window gets the same answer.
    if (!held || held.due <= this.monotonic()) return undefined;
    return issuedTime(held.card) >= this.clock().getTime() - this.windowMs ? held.card : undefined;
  }

  private forgetDue(now: number): void {
    for (const [uuid, held] of this.issued) {
      if (held.due > now) break;
      this.issued.delete(uuid);
    }
  }

  private *heldCards(): Iterable<IssuedCard> {
    for (const held of this.issued.values()) yield held.card;
  }

  async recordFeedback(entries: readonly FeedbackRecord[]): Promise<void> {
    await this.feedbackFile.append(entries);
    for (const e of entries) this.count(e);
  }

  counts(): FeedbackCount[] {
    return [...this.tally.values()]
      .map((c) => ({ ...c }))
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.outcome.localeCompare(b.outcome));
  }

  async check(): Promise<void> {
    await Promise.all([this.issuedFile.check(), this.feedbackFile.check()]);
  }

  async close(): Promise<void> {
    await Promise.all([this.issuedFile.close(), this.feedbackFile.close()]);
  }
}

/**
 * Opens the store in `dataDir`, reloading what earlier runs stored. Issued cards past the feedback window are
 * left out, and the file is rewritten without them; feedback records are all kept (they are what callers sent).
 *
 * The window is measured back from the earlier of the wall clock and the newest card in the file. A clock that
 * is ahead at start-up (a VM resumed, a bad NTP step) would otherwise call every card too old, and the rewrite
 * would erase them for good; cards issued minutes before would then be refused once the clock is right again.
 * The newest card says when the service last issued one, so the week before it is kept whatever the clock says;
 * the wall clock still bounds it, so that cards stamped while the clock was ahead do not push out real ones once
 * it is right. Only a clock ahead both now and when the newest card was stamped can still drop cards too early.
 * After a stop longer than the window, the last window of cards before it is kept, in the file until the next
 * start and in memory for up to a window (answering no feedback: issuedCard asks the wall clock too).
 */
export async function openFeedbackStore(dataDir: string, logger?: StoreLogger, options: FeedbackStoreOptions = {}): Promise<FeedbackStore> {
  const windowHours = options.windowHours ?? DEFAULT_FEEDBACK_WINDOW_HOURS;
  const clock = options.clock ?? (() => new Date());
  const issuedPath = join(dataDir, ISSUED_FILE);
  let issued = await JsonlFile.open(issuedPath, asIssued, logger);
  const loadedAt = Math.min(clock().getTime(), newestIssued(issued.records));
  const cutoff = loadedAt - windowHours * 3_600_000;
  const recent = issued.records.filter((card) => issuedTime(card) >= cutoff);
  if (recent.length < issued.records.length) {
    await issued.file.close();
    await JsonlFile.rewrite(issuedPath, recent);
    logger?.warn({ file: issuedPath, forgotten: issued.records.length - recent.length, windowHours }, 'feedback store: issued cards past the feedback window forgotten');
    issued = await JsonlFile.open(issuedPath, asIssued, logger);
  }
  const feedback = await JsonlFile.open(join(dataDir, FEEDBACK_FILE), asFeedback, logger);
  const monotonic = options.monotonic ?? (() => performance.now());
  return new JsonlFeedbackStore(issued.file, feedback.file, issued.records, loadedAt, feedback.records, windowHours, clock, monotonic);
}
