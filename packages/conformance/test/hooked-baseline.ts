/**
 * The baseline with two test-only hooks, where the broken managers plant their bugs: the
 * production BaselineManager (@pygc/baseline) has none. `afterMark` runs between marking and
 * sweeping (the baseline's collection sweeps right after it marks, clears weak references and
 * queues the finalizable), `afterFinalizer` after each finalizer a drain ran.
 */
import { BaselineManager } from '@pygc/baseline'

export class HookedBaseline extends BaselineManager {
  protected afterMark(): void {}

  protected afterFinalizer(_address: number): void {}

  protected override sweep(): void {
    this.afterMark()
    super.sweep()
  }

  protected override runPending(): void {
    const queue = this.finalizationQueue
    const ran = queue.items.slice(0, queue.length)
    super.runPending()
    for (const address of ran) this.afterFinalizer(address)
  }
}
