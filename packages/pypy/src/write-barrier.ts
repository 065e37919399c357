/**
 * The write barrier (incminimark.py:1456 write_barrier, 1467 write_barrier_from_array, 1478
 * remember_young_pointer, 1520 remember_young_pointer_from_array2). Every store of a
 * reference tests GCFLAG_TRACK_YOUNG_PTRS of the object written into; the flag is set on old
 * objects only. The first store into such an object puts it on old_objects_pointing_to_young
 * and clears the flag, so the next minor collection traces it whatever was stored. A large
 * array with card marks instead gets the card of the item set (128 items a card) and goes on
 * old_objects_with_cards_set once: the minor collection then traces only its marked cards.
 */

import type { GcState } from './gc-state.js'
import { CARDS_SET, HAS_CARDS, TRACK_YOUNG_PTRS } from './objects.js'
import type { RawObjects } from './raw-objects.js'

export class WriteBarrier {
  constructor(
    private readonly s: GcState,
    private readonly raw: RawObjects,
  ) {}

  /**
   * A reference was stored into a field of the object at `a` that is not an item of its array
   * (the lifeline PyPy keeps in the object's mapdict): write_barrier, never a card.
   */
  onStoreField(a: number): void {
    const s = this.s
    s.work.barrierOps++
    const w = s.mem.w
    const tid = w[a >> 2]
    if ((tid & TRACK_YOUNG_PTRS) === 0) return
    s.oldObjectsPointingToYoung.push(a)
    w[a >> 2] = tid & ~TRACK_YOUNG_PTRS
  }

  /**
   * A reference was stored into item `index` of the object at `a` (its items: refs, then boxed
   * ints): write_barrier_from_array's flag test, on every store; the rest only for an old object
   * with the flag, out of line as in PyPy (and small, so the store op stays inlinable).
   */
  onStore(a: number, index: number): void {
    const s = this.s
    s.work.barrierOps++
    const tid = s.mem.w[a >> 2]
    if ((tid & TRACK_YOUNG_PTRS) !== 0) this.rememberYoungPointer(a, index, tid)
  }

  /** remember_young_pointer / remember_young_pointer_from_array2 of an object whose header is `tid`. */
  private rememberYoungPointer(a: number, index: number, tid: number): void {
    const s = this.s
    const w = s.mem.w
    if ((tid & HAS_CARDS) === 0) {
      s.oldObjectsPointingToYoung.push(a)
      w[a >> 2] = tid & ~TRACK_YOUNG_PTRS
      return
    }
    if (!this.raw.setCard(a, index)) return
    if ((tid & CARDS_SET) === 0) {
      s.oldObjectsWithCardsSet.push(a)
      w[a >> 2] = tid | CARDS_SET
    }
  }
}
