/**
 * What one workflow cost the server, read from its history and its children's: events, workflow
 * tasks (each WorkflowTaskCompleted is one round trip of the worker), activities scheduled and
 * local activities run (each leaves a marker). Children are found by their
 * StartChildWorkflowExecutionInitiated events, and their histories are counted in.
 */
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

/** The SDK core's marker for a local activity's result. */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

export interface HistoryCounts {
  /** Every event, the workflow's and its children's. */
  events: number;
  /** The workflow's own events. */
  ownEvents: number;
  workflowTasks: number;
  activities: number;
  localActivities: number;
  children: number;
}

function countEvents(events: readonly temporal.api.history.v1.IHistoryEvent[]) {
  let workflowTasks = 0;
  let activities = 0;
  let localActivities = 0;
  const children: string[] = [];
  for (const e of events) {
    if (e.workflowTaskCompletedEventAttributes) workflowTasks++;
    if (e.activityTaskScheduledEventAttributes) activities++;
    if (e.markerRecordedEventAttributes?.markerName === LOCAL_ACTIVITY_MARKER) localActivities++;
    const child = e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
    if (child) children.push(child);
  }
  return { workflowTasks, activities, localActivities, children };
}

export async function historyCounts(client: Client, workflowId: string): Promise<HistoryCounts> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const own = countEvents(events);
  const total: HistoryCounts = {
    events: events.length,
    ownEvents: events.length,
    workflowTasks: own.workflowTasks,
    activities: own.activities,
    localActivities: own.localActivities,
    children: own.children.length,
  };
  for (const childId of own.children) {
    const child = await historyCounts(client, childId);
    total.events += child.events;
    total.workflowTasks += child.workflowTasks;
    total.activities += child.activities;
    total.localActivities += child.localActivities;
    total.children += child.children;
  }
  return total;
}

/** Per-workflow means over many (they are equal for a deterministic happy path, but are not assumed so). */
export function meanCounts(all: readonly HistoryCounts[]): HistoryCounts | undefined {
  if (all.length === 0) return undefined;
  const keys: Array<keyof HistoryCounts> = [
    'events',
    'ownEvents',
    'workflowTasks',
    'activities',
    'localActivities',
    'children',
  ];
  return Object.fromEntries(
    keys.map((k) => [k, Math.round((all.reduce((s, c) => s + c[k], 0) / all.length) * 10) / 10]),
  ) as unknown as HistoryCounts;
}
