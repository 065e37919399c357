/**
 * Where a compacting collection puts each plug (a run of adjacent survivors), as gc.cpp's
 * plan_phase does through `allocate_in_condemned_generations` (allocation.cpp on dotnet/runtime
 * main) with SHORT_PLUGS on, as it is in every build (gcpriv.h: "used to keep ephemeral plugs
 * short so they fit better into the oldest generation free items"). BUDGETS.md#short-plugs.
 *
 * - Plugs are planned in address order from the start of the condemned range. A pinned plug is
 *   queued when the walk reaches it (`set_pinned_info` -> `set_allocator_next_pin`): from then on
 *   the allocation limit is the oldest queued pin, so a plug that lies *above* a pinned plug in
 *   address order still goes below it if it fits there. Only a plug that does not fit dequeues
 *   the pin: the space left before it is the pin's gap (`pinned_len`), allocation goes on after
 *   it, and the pin starts a new allocation context (`generation_allocation_context_start_region`).
 * - `size_fit_p` with USE_PADDING_FRONT (every plug relocated into gen0 or gen1): room for a
 *   min object in front, the plug, and — when the limit is a pin, not the end of the planned
 *   space (USE_PADDING_TAIL) — a min object behind it; never an exact fit.
 * - The front pad: a plug placed at the start of an allocation context, or `DESIRED_PLUG_LENGTH`
 *   (1000) bytes or more after the last pad, gets a min object (24 bytes) of free space in
 *   front of it, unless it does not move; a pad starts a new stretch. Pads are free objects of
 *   the plug's new generation (`generation_free_obj_space`).
 * - A plug directly followed by a pinned plug that would move by less than a min object is
 *   pinned instead (`convert_to_pinned_p`): the space before the pin could not hold a free object.
 * - A pinned plug takes in the marked object right after it (plan_phase: "extend to the next
 *   marked object"); the caller forms plugs that way.
 *
 * Addresses are granules (8 bytes), as everywhere in the model's heap.
 */
import { MIN_OBJECT_BYTES } from './layout.js'

/** gc.cpp `Align (min_obj_size)`, in granules. */
const MIN_OBJ = MIN_OBJECT_BYTES / 8
/** gcpriv.h `DESIRED_PLUG_LENGTH` (1000 bytes), in granules rounded up: a distance of >= 1000 bytes is >= 125 granules. */
const DESIRED_PLUG_GRANULES = Math.ceil(1000 / 8)

export class PlugPlanner {
  /** generation_allocation_pointer: where the next plug goes. */
  ptr = 0
  /** generation_allocation_context_start_region. */
  private startRegion = 0
  /** The pinned plug queue (mark_stack_array between bos and tos): start, end, tag. */
  private readonly pinStart: number[] = []
  private readonly pinEnd: number[] = []
  private readonly pinTag: number[] = []
  private pinHead = 0
  /** Free space the plan leaves, as (granule, granules) pairs: front pads and pins' gaps. */
  readonly holes: number[] = []
  /** Bytes of gaps before pinned plugs, by the tag the pin was queued with (0..2: a generation). */
  readonly gapBytes = [0, 0, 0]
  /** Bytes of front pads, by the generation the padded plugs go to. */
  readonly padBytes = [0, 0, 0]
  /** The gap before the pin queued with tag OBSTACLE: granule and granules (0 = none). */
  obstacleGapAt = 0
  obstacleGap = 0

  /** Tag of the runtime's pinned object kept in gen0 (its gap is gen0's free-list item). */
  static readonly OBSTACLE = 3

  /** Start planning at `start` (the condemned range's first granule): a fresh allocation context. */
  reset(start: number): void {
    this.ptr = start
    this.startRegion = start
    this.pinStart.length = 0
    this.pinEnd.length = 0
    this.pinTag.length = 0
    this.pinHead = 0
    this.holes.length = 0
    this.gapBytes.fill(0)
    this.padBytes.fill(0)
    this.obstacleGapAt = 0
    this.obstacleGap = 0
  }

  /** The walk reached a pinned plug [start, end) (set_pinned_info). `tag`: its generation, or OBSTACLE. */
  enqueuePin(start: number, end: number, tag: number): void {
    this.pinStart.push(start)
    this.pinEnd.push(end)
    this.pinTag.push(tag)
  }

  /** Every queued pin dequeued in order (process_remaining_regions; also before the next generation's regions). */
  flushPins(): void {
    while (this.pinHead < this.pinStart.length) this.dequeuePin()
  }

  /** Planning moves on to another region (the next generation's): a new allocation context. */
  newContext(): void {
    this.startRegion = this.ptr
  }

  /**
   * allocate_in_condemned_generations for the plug [start, start + size): returns its planned
   * address, or -1 when it is converted to a pinned plug (the caller queues it and it stays).
   * `padded`: it goes to gen0 or gen1 (USE_PADDING_FRONT); `beforePin`: the next marked object
   * right after it is pinned (plan_phase's npin_before_pin_p).
   */
  place(start: number, size: number, padded: boolean, beforePin: boolean, destGen: number): number {
    for (;;) {
      if (this.pinHead >= this.pinStart.length) break
      const limit = this.pinStart[this.pinHead]
      const from = this.ptr + (padded ? MIN_OBJ : 0)
      const room = limit - from
      if (room >= size + MIN_OBJ || (!padded && room === size)) break
      this.dequeuePin()
    }
    let pad = 0
    if (
      padded &&
      (this.ptr === this.startRegion || this.ptr - this.startRegion >= DESIRED_PLUG_GRANULES) &&
      start !== this.ptr
    ) {
      pad = MIN_OBJ
    }
    // A plug that would leave less than a min object before the pin after it stays, pinned.
    if (beforePin && pad !== 0 && start - (this.ptr + pad) < MIN_OBJ) return -1
    if (pad !== 0) {
      this.startRegion = this.ptr
      this.holes.push(this.ptr, pad)
      this.padBytes[destGen] += pad * 8
    }
    const dest = this.ptr + pad
    this.ptr = dest + size
    return dest
  }

  /** The oldest pin is passed: the space before it is its gap, allocation resumes after it. */
  private dequeuePin(): void {
    const i = this.pinHead++
    const start = this.pinStart[i]
    const gap = start - this.ptr
    if (gap > 0) {
      this.holes.push(this.ptr, gap)
      if (this.pinTag[i] === PlugPlanner.OBSTACLE) {
        this.obstacleGapAt = this.ptr
        this.obstacleGap = gap
      } else {
        this.gapBytes[this.pinTag[i]] += gap * 8
      }
    }
    this.ptr = this.pinEnd[i]
    this.startRegion = this.ptr
  }
}
