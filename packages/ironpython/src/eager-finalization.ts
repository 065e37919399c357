/**
 * Eager finalization: the weak reference objects the CLR finalizes inside the GC.
 *
 * CFinalize::ScanForFinalization (dotnet/runtime src/coreclr/gc/finalization.cpp) asks
 * `GCToEEInterface::EagerFinalized(obj)` about every registered object found dead, before it
 * looks at the suppression bit; the VM's answer (src/coreclr/vm/gcenv.ee.cpp) is true for
 * exactly `System.WeakReference` and `WeakReference<T>`: it runs their finalizer there and then
 * (FinalizeWeakReference frees the weak handle) and the GC moves the object to the free list
 * of the finalization queue, not to the f-reachable queue. So a dead WeakReference is
 * reclaimed by the collection that found it dead, and nothing it kept is promoted for it.
 *
 * IronPython's own `weakref.ref` is not one of them: `_weakref.@ref` (IronLanguages/ironpython3
 * Src/IronPython.Modules/_weakref.cs) holds a `WeakHandle` struct (a bare GCHandle,
 * Microsoft.Scripting.Utils) and has an ordinary finalizer `~@ref()` that unhooks it from the
 * target's WeakRefTracker and frees the handle on the finalizer thread. Only the `clr` layout
 * (the .NET oracle's System.WeakReference) finalizes eagerly.
 */
import type { ClrHeap } from './heap.js'
import { W_REFS, W_TYPE, WEAKREF_TYPE } from './layout.js'

/**
 * If the dead registered object at granule `g` is a weak reference, finalize it now (free its
 * weak handle) and return true: it leaves the finalization queue without becoming f-reachable.
 */
export function finalizesEagerly(h: ClrHeap, g: number): boolean {
  const m = h.words(g)
  const w = h.wordOf(g)
  if (m[w + W_TYPE] !== WEAKREF_TYPE) return false
  h.freeHandle(m[w + W_REFS])
  return true
}
