/**
 * @pygc/baseline: a plain non-moving mark-sweep manager, the tracing baseline every model is
 * compared with, registered like any runtime.
 */
/** The baseline's header layout (for tools and the conformance kit's broken managers). */
export * as baselineLayout from './layout.js'
export { BASELINE_INFO, BaselineManager, type BaselineNative, type BaselineOptions } from './manager.js'
export { baselineRuntime } from './runtime.js'
export { FreeListSpace, HEAP_START, MAX_HEAP_BYTES, MAX_SMALL } from './space.js'
