/**
 * The fence token this instance holds for each task it runs or settles. The store passes it with
 * every write of that task (contract D: `fenceFor`), and Redis refuses the write once another
 * instance has taken the task over. A lost lease keeps its stale token here on purpose: writes
 * with it are refused, whereas no token at all would let them through unchecked.
 */
export class FenceRegistry {
  private readonly fences = new Map<string, string>();

  set(taskId: string, fence: string): void {
    this.fences.set(taskId, fence);
  }

  /** Forgets a token, unless a newer one replaced it meanwhile. */
  delete(taskId: string, fence: string): void {
    if (this.fences.get(taskId) === fence) this.fences.delete(taskId);
  }

  fenceFor = (taskId: string): string | null => this.fences.get(taskId) ?? null;
}
