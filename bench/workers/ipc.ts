/** Child side of the bench's IPC channel (see bench/child.ts). */
import type { WorkerMessage } from '../child.js';

/** What a worker uses to talk to the bench. */
export interface Channel {
  /** Sends a message to the bench. */
  post(message: WorkerMessage): void;
  /** The next message of this type from the bench. */
  next(type: string): Promise<WorkerMessage>;
}

/** The channel over process.send; messages nobody waits for yet are queued. */
export function processChannel(): Channel {
  const inbox: WorkerMessage[] = [];
  const waiters: { type: string; resolve: (m: WorkerMessage) => void }[] = [];
  process.on('message', (raw) => {
    const m = raw as WorkerMessage;
    const i = waiters.findIndex((w) => w.type === m.type);
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(m);
    else inbox.push(m);
  });
  return {
    post: (message) => void process.send?.(message),
    next: (type) => {
      const i = inbox.findIndex((m) => m.type === type);
      if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]!);
      return new Promise((resolve) => waiters.push({ type, resolve }));
    },
  };
}
