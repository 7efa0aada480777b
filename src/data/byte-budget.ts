/**
 * The bytes of FHIR answers one hook call may read, all its reads and pages together (FHIR_MAX_RESPONSE_BYTES).
 * A bound on each answer alone let one call buffer and parse six answers of that size, and a paged search more:
 * 24 calls at once against 29 MB searchsets took the process to 1.2 GB.
 */
export class ByteBudget {
  #spent = 0;

  constructor(readonly max: number) {}

  /** What the call may still read. */
  get left(): number {
    return Math.max(0, this.max - this.#spent);
  }

  /** Counts `bytes` as read; false once the call has read more than `max`. */
  spend(bytes: number): boolean {
    this.#spent += bytes;
    return this.#spent <= this.max;
  }
}
