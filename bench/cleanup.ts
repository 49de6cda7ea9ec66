/** Everything a benchmark run started, stopped in reverse order at the end or on Ctrl-C. */
export class Cleanup {
  private readonly tasks: { what: string; fn: () => Promise<void> | void }[] = [];

  /** Registers a stop action; the returned function unregisters it (once it was done normally). */
  add(what: string, fn: () => Promise<void> | void): () => void {
    const task = { what, fn };
    this.tasks.push(task);
    return () => {
      const i = this.tasks.indexOf(task);
      if (i >= 0) this.tasks.splice(i, 1);
    };
  }

  /** Runs every registered action, newest first; a failing one is reported and the rest still run. */
  async run(report: (message: string) => void = () => {}): Promise<void> {
    for (let task = this.tasks.pop(); task; task = this.tasks.pop()) {
      try {
        await task.fn();
      } catch (err) {
        report(`cleanup of ${task.what} failed: ${(err as Error).message}`);
      }
    }
  }
}
