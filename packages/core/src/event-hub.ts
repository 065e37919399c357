/**
 * Listener plumbing shared by every manager. Managers test a flag before building an event
 * object, so a run nobody observes pays one predictable branch per would-be event:
 * `listening` for the per-collection events, `perObject` for `alloc` and `free`, which fire
 * once per object and are only built when some listener asked for them.
 */
import type { GcEvent, GcEventListener, GcEventType } from './types.js'

/** The events that fire once per object: only built for a listener that names them (or names no filter). */
const PER_OBJECT: readonly GcEventType[] = ['alloc', 'free']

interface Subscription {
  listener: GcEventListener
  /** null: every event type. */
  types: ReadonlySet<GcEventType> | null
}

export class EventHub {
  /** True while at least one listener is subscribed. */
  listening = false
  /** True while some listener wants `alloc` / `free` events. */
  perObject = false
  private subs: Subscription[] = []

  /** Subscribe to every event, or only to `types`. Returns the unsubscribe function. */
  on(listener: GcEventListener, types?: readonly GcEventType[]): () => void {
    const sub: Subscription = { listener, types: types ? new Set(types) : null }
    this.subs = [...this.subs, sub]
    this.refresh()
    return () => {
      this.subs = this.subs.filter((s) => s !== sub)
      this.refresh()
    }
  }

  emit(e: GcEvent): void {
    const subs = this.subs
    for (let i = 0; i < subs.length; i++) {
      const s = subs[i]
      if (s.types === null || s.types.has(e.type)) s.listener(e)
    }
  }

  /**
   * Emit an `alloc` event. Managers call it behind `perObject` from their allocation paths:
   * building the event here keeps the object literal out of those paths, whose bytecode V8
   * counts against its inlining budget.
   */
  emitAlloc(op: number, id: number, typeId: number, bytes: number, address: number): void {
    this.emit({ type: 'alloc', op, id, typeId, bytes, address })
  }

  private refresh(): void {
    this.listening = this.subs.length > 0
    this.perObject = this.subs.some((s) => s.types === null || PER_OBJECT.some((t) => s.types?.has(t)))
  }
}
