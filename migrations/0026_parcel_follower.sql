-- Parcels followed by their order (v0.8, patch `parcels-in-order`): an order on that path runs its
-- parcels itself, with no shipment workflow, and its booking names the workflow the carrier's events
-- go to. NULL: booked by an older order (its shipment workflow follows it) or a return's parcel (its
-- return workflow does). Written once, by the booking (the shipping service owns the table).
ALTER TABLE shipments ADD COLUMN followed_by text;
