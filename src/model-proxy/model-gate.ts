/**
 * Holds a task's model calls at the credential proxy until the server is ready for the agent to
 * act: the prompt is sent at once, the agent process works on it (and on a fresh process, starts
 * up) meanwhile, and only its first call to the model waits. Nothing the agent does to its
 * workspace can come before a model answer, so the change-tracking baseline can be taken while
 * the prompt is on its way instead of before it.
 */
export class ModelGate {
  private readonly held = new Map<string, Promise<boolean>>();

  /** The task's calls wait for `ready`; false refuses them (the task was stopped meanwhile). */
  hold(taskId: string, ready: Promise<boolean>): void {
    this.held.set(
      taskId,
      ready.catch(() => false),
    );
  }

  release(taskId: string): void {
    this.held.delete(taskId);
  }

  /** Whether the task's call may go to the model, once the server is ready for it. */
  async admits(taskId: string): Promise<boolean> {
    return (await this.held.get(taskId)) ?? true;
  }
}
