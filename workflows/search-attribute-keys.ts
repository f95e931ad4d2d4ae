import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Typed keys for the attributes the launcher registers (src/runtime/search-attributes.ts).
export const OrderStatusKey = defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD);
export const CustomerIdKey = defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD);
export const OrderTotalCentsKey = defineSearchAttributeKey('OrderTotalCents', SearchAttributeType.INT);
export const NeedsApprovalKey = defineSearchAttributeKey('NeedsApproval', SearchAttributeType.BOOL);
export const NeedsAttentionKey = defineSearchAttributeKey('NeedsAttention', SearchAttributeType.BOOL);
