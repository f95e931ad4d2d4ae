export * from './task-queues';
export * from './contracts';
