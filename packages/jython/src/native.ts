/**
 * The runtime's own surface, as a Jython program and a JVM operator see it:
 * - `gc`: Jython 2.7's gc module (src/org/python/modules/gc.java): collect() runs
 *   System.gc() and returns -2 ("unknown"), enable() does nothing, isenabled() is true, and
 *   disable(), get_count(), get_threshold(), set_threshold() raise NotImplementedError
 *   ("not applicable to Java GC");
 * - the JVM's view: one record per collection and the same in JDK 17's `-Xlog:gc` format.
 */
import { PygcError, type Slot } from '@pygc/core'
import type { GcRecord } from './gc-log.js'

export interface JythonNativeDeps {
  collect(): number
  records(): readonly GcRecord[]
  logLines(): string[]
  runFinalization(): void
  summary(): Record<string, unknown>
  addressOf(slot: Slot): number
  tenuringThreshold(): number
  verify(): string[]
}

function notImplemented(name: string): never {
  throw new PygcError(
    'UNSUPPORTED',
    `NotImplementedError: ${name} is not applicable to Java GC (Jython 2.7 gc module)`,
    {
      function: name,
    },
  )
}

export interface JythonGcModule {
  collect(): number
  enable(): void
  isenabled(): boolean
  disable(): never
  get_count(): never
  get_threshold(): never
  set_threshold(...thresholds: number[]): never
}

export class JythonNative {
  readonly gc: JythonGcModule

  constructor(private readonly deps: JythonNativeDeps) {
    this.gc = {
      collect: () => deps.collect(),
      enable: () => {},
      isenabled: () => true,
      disable: () => notImplemented('gc.disable()'),
      get_count: () => notImplemented('gc.get_count()'),
      get_threshold: () => notImplemented('gc.get_threshold()'),
      set_threshold: () => notImplemented('gc.set_threshold()'),
    }
  }

  /** Per-collection records: kind, cause, heap used before/after, capacity, pause (virtual ns). */
  records(): readonly GcRecord[] {
    return this.deps.records()
  }

  /** The collections as JDK 17 `-Xlog:gc` lines (virtual time in the uptime decoration). */
  gcLogLines(): string[] {
    return this.deps.logLines()
  }

  /** System.runFinalization(): run queued finalizers and weakref callbacks now. */
  runFinalization(): void {
    this.deps.runFinalization()
  }

  /** JSON-able, deterministic figures for `pygc run --format json`. */
  summary(): Record<string, unknown> {
    return this.deps.summary()
  }

  /** The modeled address of the object in a slot (0 for null): it changes when objects move. */
  addressOf(slot: Slot): number {
    return this.deps.addressOf(slot)
  }

  /** Heap verification (like -XX:+VerifyAfterGC): the problems found, [] when consistent. */
  verify(): string[] {
    return this.deps.verify()
  }

  /** The tenuring threshold the last young collection computed. */
  tenuringThreshold(): number {
    return this.deps.tenuringThreshold()
  }
}
