/**
 * Listener plumbing shared by every manager. Managers test `listening` before building an
 * event object, so a run nobody observes pays one predictable branch per would-be event.
 */
import type { GcEvent, GcEventListener } from './types.js'

export class EventHub {
  /** True while at least one listener is subscribed. */
  listening = false
  private listeners: GcEventListener[] = []

  on(listener: GcEventListener): () => void {
    this.listeners = [...this.listeners, listener]
    this.listening = true
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener)
      this.listening = this.listeners.length > 0
    }
  }

  emit(e: GcEvent): void {
    const ls = this.listeners
    for (let i = 0; i < ls.length; i++) ls[i](e)
  }
}
