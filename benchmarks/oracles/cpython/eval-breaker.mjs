#!/usr/bin/env node
/**
 * Where a real CPython 3.12+ runs the automatic collection that an allocation schedules, seen
 * through benchmarks/oracles/replay.py, next to where the @pygc/cpython model runs it.
 *
 *   npm run build && node benchmarks/oracles/cpython/eval-breaker.mjs [--python PATH]...
 *
 * Each experiment is a small program recorded as a trace. A garbage cycle holding a `__del__`
 * object is made first; then tracked objects are allocated one per op until generation 0 passes
 * its threshold at a known op (the "trigger" op). The op index of the `__del__` call tells at
 * which op the collection ran, and whether it ran before or after the trigger op stored its new
 * object (the experiments that overwrite the slot holding the cycle's last reference). Every
 * program is replayed on each interpreter (default: 3.10.13, 3.11.7, 3.12.1 and 3.13.0 under
 * ~/.pyenv/versions, those that exist) and on the model with the matching preset, started from
 * the state the interpreter reported, exactly as `pygc validate` does. Prints one JSON document.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { fileSink, fileSource, globalSlot, RecordingMutator, replayTrace } from '@pygc/core'
import { CPythonManager } from '@pygc/cpython'

const REPO = fileURLToPath(new URL('../../../', import.meta.url))
const REPLAY_PY = join(REPO, 'benchmarks/oracles/replay.py')
const g = globalSlot

/**
 * The experiments. `threshold` is the interpreter's threshold0; each program reaches count
 * threshold + 1 (the first count that passes `count > threshold`) at the op it names `trigger`.
 * Counting: replay.py starts the op loop with gen-0 count 0 and empty free lists, every
 * allocation below is a fresh tracked object (count + 1), nothing is freed before the trigger.
 */
const EXPERIMENTS = {
  /** The trigger is an exact list (`template * 1`, replay.py stores it before its next eval-breaker check); the cycle is already garbage. */
  'list-alloc, cycle already garbage': (m, threshold) => cycleThenFill(m, threshold, 'list', false),
  /** The trigger is a class instance (`cls()`: a CALL, which checks the eval breaker when it returns); the cycle is already garbage. */
  'instance-alloc, cycle already garbage': (m, threshold) => cycleThenFill(m, threshold, 'slots', false),
  /** The trigger list overwrites the slot holding the cycle's last reference. */
  "list-alloc overwrites the cycle's last reference": (m, threshold) =>
    cycleThenFill(m, threshold, 'list', true),
  /** The trigger instance overwrites the slot holding the cycle's last reference. */
  "instance-alloc overwrites the cycle's last reference": (m, threshold) =>
    cycleThenFill(m, threshold, 'slots', true),
  /** The trigger is a weakref op (`Ref(target)`: a CALL) that overwrites the cycle's last reference. */
  "weakref overwrites the cycle's last reference": (m, threshold) =>
    cycleThenFill(m, threshold, 'weakref', true),
  /** The trigger is the trace's last op. */
  'trigger is the last op': (m, threshold) => cycleThenFill(m, threshold, 'list', false, true),
}

/**
 * ops 0-5: a 2-cycle Fin <-> Plain (count 2), dropped, or kept only by global 0;
 * then Plain lists into globals 2, 3, ... (count 3, 4, ...) up to count = threshold;
 * then the trigger (count threshold + 1) into global 0 (overwrite) or the next global;
 * then 5 more ops that allocate nothing (the collection must not wait for an allocation).
 * Returns the trigger's op index.
 */
function cycleThenFill(m, threshold, trigger, overwrite, last = false) {
  const fin = m.defineType({ name: 'Fin', refs: 1, finalizer: {} })
  const plain = m.defineType({ name: 'Plain', refs: 1 })
  const slots = m.defineType({ name: 'Slotted', refs: 1, shape: 'slots' })
  m.defineGlobals(threshold + 8)
  let op = 0
  m.alloc(g(0), fin)
  m.alloc(g(1), plain)
  m.store(g(0), 0, g(1))
  m.store(g(1), 0, g(0))
  m.clear(g(1))
  op += 5
  if (!overwrite) {
    m.clear(g(0))
  } else {
    m.move(g(1), g(1)) // a no-op of the same length, so the op indexes match the other experiments
  }
  op += 1
  let count = 2
  // The weakref trigger needs a live target; allocating it counts as one of the fill objects.
  let next = 2
  if (trigger === 'weakref') {
    m.alloc(g(next++), slots)
    op++
    count++
  }
  while (count < threshold) {
    m.alloc(g(next++), plain)
    op++
    count++
  }
  const dst = overwrite ? g(0) : g(next++)
  const triggerOp = op
  if (trigger === 'list') m.alloc(dst, plain)
  else if (trigger === 'slots') m.alloc(dst, slots)
  else m.weakref(dst, g(2))
  op++
  if (!last) {
    for (let k = 0; k < 5; k++) m.move(g(1), g(1))
  }
  return triggerOp
}

function interpreters(args) {
  const given = []
  for (let k = 0; k < args.length; k++) if (args[k] === '--python') given.push(args[++k])
  if (given.length > 0) return given
  const root = join(homedir(), '.pyenv')
  return ['3.10.13', '3.11.7', '3.12.1', '3.13.0']
    .map((v) => join(root, 'versions', v, 'bin', 'python3'))
    .filter((p) => existsSync(p))
}

function realThreshold(python) {
  const out = execFileSync(python, [
    '-c',
    'import gc, sys; print(gc.get_threshold()[0], "%d.%d" % sys.version_info[:2])',
  ])
  const [t, v] = out.toString().trim().split(' ')
  return { threshold: Number(t), version: v }
}

/** The model's preset for an interpreter version ('3.12' -> 'cpython-3.12'); none before 3.11. */
function presetOf(version) {
  return ['3.11', '3.12', '3.13'].includes(version) ? `cpython-${version}` : null
}

function modelRun(path, real, preset) {
  const m = new CPythonManager({
    preset,
    thresholds: real.start.thresholds,
    start: { counts: real.start.counts, generations: real.start.generations },
  })
  const events = []
  const off = m.on((e) => {
    if (e.type === 'finalize') events.push([e.op, 'finalize', e.id])
    else if (e.type === 'weakref-callback') events.push([e.op, 'callback', e.tag])
  })
  replayTrace(fileSource(path), m)
  off()
  return { events, stats: m.native.get_stats(), finalCounts: m.native.get_count() }
}

function main() {
  const dir = mkdtempSync(join(tmpdir(), 'pygc-eval-breaker-'))
  const results = []
  try {
    for (const python of interpreters(process.argv.slice(2))) {
      const { threshold, version } = realThreshold(python)
      const preset = presetOf(version)
      for (const [name, program] of Object.entries(EXPERIMENTS)) {
        const path = join(dir, `${version}-${results.length}.trace`)
        const recorder = new RecordingMutator(
          new CPythonManager({ thresholds: [threshold, 10, 10] }),
          fileSink(path),
          {
            metadata: { workload: name, purpose: 'eval-breaker experiment' },
          },
        )
        const trigger = program(recorder, threshold)
        recorder.finish()
        const real = JSON.parse(execFileSync(python, [REPLAY_PY, path], { maxBuffer: 64 << 20 }).toString())
        if (real.error) throw new Error(`${python}: ${real.error}`)
        const row = {
          python: real.runtime,
          experiment: name,
          threshold,
          triggerOp: trigger,
          real: {
            events: real.events,
            gen0Collections: real.stats[0].collections,
            finalCounts: real.finalCounts,
          },
        }
        if (preset) {
          const model = modelRun(path, real, preset)
          row.model = {
            preset,
            events: model.events,
            gen0Collections: model.stats[0].collections,
            finalCounts: model.finalCounts,
          }
        }
        results.push(row)
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  console.log(JSON.stringify(results, null, 1))
}

main()
