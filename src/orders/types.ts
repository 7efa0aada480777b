import type { ServiceRequest } from 'fhir/r4.js';
import type { JsonRecord } from '../text/fhir-values.js';

/** A lumbar interspace, always written in this canonical form. */
export type Interspace = 'L1-L2' | 'L2-L3' | 'L3-L4' | 'L4-L5' | 'L5-S1';
export const INTERSPACES: readonly Interspace[] = ['L1-L2', 'L2-L3', 'L3-L4', 'L4-L5', 'L5-S1'];

export type Side = 'left' | 'right' | 'bilateral';
export type Setting = 'inpatient' | 'outpatient' | 'unknown';

/** A ServiceRequest from context.draftOrders whose code is in the trigger value set. */
export interface DraftOrder {
  /** ServiceRequest.id as sent (a generated one when the client sent none). */
  id: string;
  /** The order as the later steps read it: id set to `id`, code made well-formed, everything else as sent. */
  resource: ServiceRequest;
  /** A deep copy of the ServiceRequest exactly as the EHR sent it: what an update action gives back, setting aside. */
  asSent: JsonRecord;
  /** False when the EHR sent the order without an id: an update could name it only by an id the EHR never saw. */
  hasOwnId: boolean;
  /** Interspaces the order covers (empty when no level can be read). */
  levels: Interspace[];
  side?: Side;
  setting: Setting;
}

/** The triggering orders reviewed together: one interspace, or 'unknown' for orders with no readable level. */
export interface SurgicalPlan {
  level: Interspace | 'unknown';
  orders: DraftOrder[];
  /** The side stated by the plan's orders, if any. */
  side?: Side;
}
