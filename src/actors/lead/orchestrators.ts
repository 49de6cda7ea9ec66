/**
 * The built-in orchestrators and plugin. Each one turns a job into the RAG agent's request; the
 * rest of the flow (lookup, copy, write, deliver, audit) is downstream actors, so an orchestrator
 * stays a small pure function of its job.
 */
import type { Orchestrator, OrchestratorOutput, OrchestratorPlugin } from './registry.js';
import { Registry } from './registry.js';
import { TOPICS } from './topics.js';
import type { Job, JobContext, RagRequest } from './types.js';

/** The part of a job that travels with its results. */
export function jobContextOf(job: Job): JobContext {
  const ctx: JobContext = { jobType: job.jobType, campaignId: job.campaignId };
  if (job.email) {
    ctx.subject = job.email.subject;
    ctx.from = job.email.from;
    ctx.messageId = job.email.messageId;
  }
  if (typeof job.context.intent === 'string') ctx.intent = job.context.intent;
  if (job.occurrence !== undefined) ctx.occurrence = job.occurrence;
  return ctx;
}

function ragRequestOf(job: Job): OrchestratorOutput {
  const request: RagRequest = { job: jobContextOf(job), text: job.query };
  if (job.limit !== undefined) request.limit = job.limit;
  if (job.offset !== undefined) request.offset = job.offset;
  return { type: TOPICS.ragRequest, payload: request };
}

/** New-lead mail and scheduled campaigns: look the lead(s) up, then the copywriter writes to them. */
export const leadOrchestrator: Orchestrator = Object.freeze({
  name: 'lead-orchestrator',
  emits: Object.freeze([TOPICS.ragRequest]),
  run: (job: Job) => [ragRequestOf(job)],
});

/** Replies: look the sender up; the copywriter answers according to the reply's intent. */
export const replyOrchestrator: Orchestrator = Object.freeze({
  name: 'reply-orchestrator',
  emits: Object.freeze([TOPICS.ragRequest]),
  run: (job: Job) => [ragRequestOf(job)],
});

/** What a reply wants, by keywords; the first rule that matches wins. */
const INTENT_RULES: readonly [string, RegExp][] = [
  ['unsubscribe', /\b(unsubscribe|remove me|stop (emailing|sending)|not interested)\b/i],
  ['out-of-office', /\b(out of (the )?office|on vacation|on leave|auto-?reply)\b/i],
  ['meeting', /\b(call|meeting|demo|calendar|schedule|chat)\b/i],
  ['question', /\?/],
];

/** The intent of a reply text: unsubscribe, out-of-office, meeting, question or other. */
export function replyIntentOf(text: string): string {
  for (const [intent, re] of INTENT_RULES) if (re.test(text)) return intent;
  return 'other';
}

/** Plugin: tags reply jobs with their intent, so the copywriter can answer in kind. */
export const replyIntentPlugin: OrchestratorPlugin = Object.freeze({
  name: 'reply-intent',
  jobTypes: Object.freeze(['reply']),
  enrich: (job: Job) => ({ ...job, context: { ...job.context, intent: replyIntentOf(job.email?.body ?? job.query) } }),
});

/** A registry with the built-ins: lead and campaign jobs to the lead orchestrator, replies to the reply orchestrator, the intent plugin. */
export function defaultRegistry(): Registry {
  return new Registry().register('lead', leadOrchestrator).register('campaign', leadOrchestrator).register('reply', replyOrchestrator).use(replyIntentPlugin);
}
