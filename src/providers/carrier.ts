/**
 * The carrier seam: what the shipping activities call to book a parcel's collection and to cancel
 * it, whoever answers (the sandbox in-process, its HTTP API through carrier-http.ts, a real carrier).
 */
export interface CarrierProvider {
  /** `from`: the warehouse the parcel is collected at. */
  book(req: { shipmentId: string; country: string; parcels: number; from?: string; idempotencyKey: string }): Promise<{
    carrierRef: string;
  }>;
  /** `cancelled`: the booking is (now) cancelled; false once the parcel has left (never, in the sandbox). */
  cancel(req: { carrierRef: string; idempotencyKey: string }): Promise<{ cancelled: boolean }>;
}
