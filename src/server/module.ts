/**
 * One area of the server as the composition root sees it: what it offers the others (`api`), and
 * one start and one stop. Areas with nothing to start or stop leave them out.
 */
export interface Module<Api> {
  api: Api;
  start?(): Promise<void> | void;
  stop?(): Promise<void> | void;
}

/**
 * Starts modules in the order they were added and stops them in reverse, so that nothing is
 * stopped while a module started after it may still use it.
 */
export class Lifecycle {
  private readonly modules: Module<unknown>[] = [];

  /** Adds a module built after (and so on top of) every module added before it; returns its api. */
  add<Api>(module: Module<Api>): Api {
    this.modules.push(module);
    return module.api;
  }

  /** If a module fails to start, every module is stopped (in reverse) and the error goes on. */
  async start(): Promise<void> {
    try {
      for (const module of this.modules) await module.start?.();
    } catch (error) {
      await this.stop().catch(() => undefined);
      throw error;
    }
  }

  /** Stops every module in reverse, including those added but never started: they may hold resources from their factory. */
  async stop(): Promise<void> {
    const modules = this.modules.splice(0);
    for (const module of modules.reverse()) await module.stop?.();
  }
}
