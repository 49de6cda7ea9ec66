/**
 * Delivery as a pipeline of small steps, composed like Watermill's middleware but returning data:
 * each step looks at one entry and either decides its outcome (a commit item: outputs, retry,
 * dead letter, duplicate ack) or passes it on with `next`. Nothing is written here; the batch
 * collects every entry's commit item and still commits once.
 *
 *   decode → topic check → poison → trace → dedup → entity → order (lanes) → retry / dead-letter → [user steps] → validate outputs → handle
 *
 * A user step (a timeout, a rate limit, tracing) wraps what follows it: it may await before
 * `next`, race it, or decide an outcome itself; an error it throws is retried like a handler's.
 *
 * Hot path: a step returns an Outcome, or a Promise of one only when it has to wait. With a
 * synchronous handler an entry goes through every step with no promise at all; decode, topic
 * check and poison run as one plain pass over the batch, then the batch's markers are looked up
 * in one call, before the per-entry part (trace onwards) starts.
 */
export * from './types.js';
export { deadLetterOutcome } from './outcomes.js';
export * from './admission.js';
export * from './delivery.js';
export * from './handle.js';
export * from './compose.js';
export * from './lanes.js';
export * from './batched.js';
