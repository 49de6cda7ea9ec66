// Glue around the lead topology for CLIs and the demo: ingest, scheduling, reports, mock data.
export { DEFAULT_INGEST_OPTIONS, emailIdempotencyKey, ingestEmails, jsonlLines } from './ingest.js';
export type { IngestOptions, IngestResult, RejectedLine } from './ingest.js';
export { scheduleCampaign } from './schedule.js';
export type { ScheduleOptions } from './schedule.js';
export { pipelineReport } from './report.js';
export type { PipelineReport } from './report.js';
export { DEFAULT_MOCK_EMAIL_OPTIONS, MOCK_EMAIL_LEAD_COUNT, generateMockEmails } from './mock-emails.js';
export type { MockEmailOptions, MockEmailStats } from './mock-emails.js';
export { DEFAULT_DEMO_OPTIONS, defaultMockEmailFile, formatDemoSummary, runDemo } from './demo.js';
export type { DemoOptions, DemoSummary } from './demo.js';
// The rest of the lead pipeline (`stream-actors/lead`): its actors and topology, and the persistence they read and write.
export * from '../index.js';
export * from '../../../persistence/index.js';
