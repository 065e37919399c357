/** `pygc --help` and `pygc <command> --help`; the runtimes named come from the registry. */
import { DEFAULT_RUNTIMES, RUNTIMES, VALIDATIONS } from './runtimes.js'
import { TRACE_VALIDATORS } from './validate/api.js'

const DEFAULTS = DEFAULT_RUNTIMES.join(',')
const VALIDATED = [...VALIDATIONS.keys()]
/** The real runtimes the validators run, without repeats: "python3, jython, java, dotnet, pypy3". */
const REAL = [...new Set([...VALIDATIONS.values()].flatMap((v) => v.real.split(', ')))].join(', ')

/** Words of `text` in lines of at most `width` characters, each after `indent` spaces but the first. */
function wrapAt(text: string, width: number, indent: number): string {
  const lines: string[] = []
  for (const word of text.split(' ')) {
    const last = lines.length - 1
    if (last >= 0 && lines[last].length + 1 + word.length <= width) lines[last] += ` ${word}`
    else lines.push(word)
  }
  return lines.join(`\n${' '.repeat(indent)}`)
}

const HEAP_LIMITS = wrapAt(
  `defaults: ${RUNTIMES.map((r) => `${r.name} ${r.defaultHeapLimit}`).join(', ')}`,
  72,
  25,
)

export const MAIN_HELP = `pygc — the memory managers of Python runtimes (${DEFAULT_RUNTIMES.join(', ')}), side by side

Usage: pygc <command> [options]     (pygc <command> --help for details)

Commands:
  list                       runtimes (with presets) and workloads
  run <workload...>          run workloads on each runtime; side-by-side table
  record <workload> -o FILE  record a workload's op stream as a trace
  replay FILE                replay a trace on each runtime
  validate --runtime R       the model against the real runtime (${REAL})
  sweep <workload> --heap L  heap-size sensitivity (DaCapo style)
  merge A.json B.json -o F   join results files (e.g. the shards of a sweep)
  report FILE.json -o F.html rebuild the HTML report from saved results
  compare BASE.json NEW.json every figure of NEW against BASE: ratio and verdict
  diff <workload>            semantic differences: finalizers, weakrefs, gc.collect(), id()
  versions <workload>        one workload on each CPython preset: collections, pauses, peak garbage

Data goes to stdout, messages to stderr. Exit code 0 on success, 1 when a run failed,
2 on a usage error.`

/** --jobs and --shard (worker-pool.ts, shard.ts), for run and sweep. */
const PARALLEL_HELP = `  -j, --jobs N           run cells (workload x runtime; a sweep's parameter x runtime) on N
                         worker threads (default: the number of cores); same figures as -j 1
      --shard K/N        run only shard K of N (cells, or for run whole workloads, with
                         index = K-1 mod N); join the shards' JSON with pygc merge
      --shard auto       K and N from a Slurm job array (SLURM_ARRAY_TASK_ID, _MIN, _MAX,
                         _STEP, _COUNT) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, and
                         JOB_COMPLETIONS set to spec.completions); see examples/slurm, examples/k8s`

const RUN_COMMON = `  -r, --runtimes a,b,c   runtimes (default ${DEFAULTS}); name or name:preset
  -s, --size NAME        test | small | medium | large (default: small)
  -p, --param k=v        override a workload parameter (repeatable)
      --seed N           RNG seed (default 1)
      --cost name=v      override a virtual-time unit cost in ns (repeatable), e.g. markObject=10`

export const COMMAND_HELP: Record<string, string> = {
  list: `Usage: pygc list [--format table|json]

Lists the runtimes (with their presets) and the workloads (with sizes and parameters).`,
  run: `Usage: pygc run <workload...> [options]
       pygc run --suite default [options]

Runs each workload with identical parameters and seed on each runtime and prints the
side-by-side table (collections, pauses, GC share, bytes, footprint, frees, GC work...).

${RUN_COMMON}
      --suite default    every workload
  -f, --format F         table | json | csv | md (default table)
      --out DIR          also write DIR/results.json, results.csv, summary.md, report.html
      --gc-log FILE      write each run's collection log: Jython's is JDK 17 -Xlog:gc lines,
                         IronPython's PerfView GCStats CSV, the others one logfmt line per
                         collection (src/gc-log.ts). With several
                         workloads or runtimes, one file each: %w and %r in FILE name the
                         workload and runtime, else FILE.<workload>.<runtime> before the extension
      --trace-events FILE  every run as Chrome Trace Event JSON for ui.perfetto.dev and
                         chrome://tracing: a process per runtime, a thread per workload, each
                         collection a slice with its phases, live bytes and footprint as counters
                         (virtual time)
      --promptness       measure promptness with the reachability oracle (slower)
      --repeat N         run each workload N times per runtime: the wall times of every run are
                         kept (pygc compare tests them); the other figures must not change
      --timeline-every N the heap timeline in buckets of N ops, each with its least and most
                         live bytes and footprint (default: 100 to 200 buckets per run)
      --events N         keep the finalizer and weakref events of the N lowest ids per
                         workload in the results (default 500; 0 keeps all the collector listed)
      --heap-limit B     heap limit in modeled bytes, for every runtime or one: jython=4000000
                         ${HEAP_LIMITS}
${PARALLEL_HELP}
  -q, --quiet            no progress (on a terminal a bar with done/total and ETA; in a log,
                         after a few seconds, a line per finished cell)

A run that fails on one runtime (e.g. out of memory) is reported in that runtime's cell;
the others are still written, and the exit code is 1.`,
  record: `Usage: pygc record <workload> -o FILE [options]

Runs the workload once and writes its op stream as a trace (see packages/core/TRACE_FORMAT.md).

  -o, --output FILE      the trace file (required)
      --format F         binary | jsonl (default binary)
      --runtime R        the runtime the trace is recorded on (default cpython)
  -s, --size NAME        test | small | medium | large (default: small)
  -p, --param k=v        override a workload parameter (repeatable)
      --seed N           RNG seed (default 1)`,
  replay: `Usage: pygc replay FILE [options]

Replays a trace (binary or JSON lines) on each runtime and prints the side-by-side table.
A truncated or corrupted trace fails with the byte offset of the problem (exit code 1).

  -r, --runtimes a,b,c   runtimes (default ${DEFAULTS})
      --cost name=v      override a virtual-time unit cost (repeatable)
  -f, --format F         table | json | csv | md (default table)
      --out DIR          also write the four result files to DIR
      --promptness       measure promptness with the reachability oracle`,
  validate: `Usage: pygc validate --runtime R [options]
       pygc validate --trace FILE --runtime R [heap options]
       pygc validate WORKLOAD --runtime R [--size S --param k=v --seed N] [heap options]

${wrapAt(`Compares the model with the real runtime (${REAL}) and prints model and real figures side by side: the runtime's validation set, one recorded trace, or a workload recorded on each runtime's model (--trace and WORKLOAD: ${Object.keys(TRACE_VALIDATORS).join(', ')}). A trace needing what an oracle cannot replay is refused before anything runs, with the op index and the capability (apps/bench/VALIDATE.md). Exit code 1 when not ok.`, 94, 0)}

      --runtime R        ${VALIDATED.join(' | ')} | all (or a comma list); cpython:PRESET
                         validates that preset (cpython:3.12 = cpython:cpython-3.12) against
                         that Python, found as python3.12 / python3 on PATH or \`pyenv prefix 3.12\`
      --python PATH      the Python to validate cpython against (its version must match the preset)
      --pymalloc         cpython: also compare pymalloc pools per size class (blocks per size class
                         and arenas are compared in every cpython validation)
      --cases a,b        only these validation cases
      --workloads a,b    only the cases of these workloads
      --thorough         more random seeds (10 instead of 3)
      --trace FILE       validate this trace instead of the validation set
  -s, --size S           a workload's size (default test)
  -p, --param k=v        a workload parameter (repeatable)
      --seed N           a workload's seed (default 1)
      --xms/--xmx/--xmn L  JVM heap sizes, comma lists zipped into configurations (e.g. 24m,32m)
      --tlab on|off      JVM TLABs on the real run (default off, as the model)
      --gen0size L       .NET gen0 budgets (e.g. 256k,1m)
      --thresholds T     CPython gc thresholds T0,T1,T2 (repeatable)
      --nursery L        PyPy nursery sizes, PYPY_GC_NURSERY (e.g. 264k,512k,1m)
  -j, --jobs N           validation sets of N runtimes at once, each in a worker thread (default:
                         the number of cores); the reports keep the runtimes' order
  -f, --format F         table | json (default table)`,
  sweep: `Usage: pygc sweep <workload> --heap 1.5x,2x,3x,4x,6x [options]

Heap-size sensitivity as DaCapo reports it: first each runtime's minimum heap for the workload
is found by bisection on the heap limit (out of memory = too small), then the workload runs at
each multiple of that minimum. One row per runtime and heap size.

      --heap LIST        heap multiples (default 1.5x,2x,3x,4x,6x)
  -p, --param k=a,b      a parameter grid (repeatable): every combination is a cell
${RUN_COMMON.split('\n')
  .filter((l) => !l.includes('--param'))
  .join('\n')}
  -f, --format F         table | json | csv | md (default table)
      --out DIR          also write the four result files to DIR
${PARALLEL_HELP}`,
  merge: `Usage: pygc merge A.json B.json ... -o OUT.json

Joins results files: the runs of each workload and the cells of sweeps (sorted by cell index,
and a run's shards put back in the run's workload order, so the shards of a run or sweep merge
into what the unsharded command writes). Only files made with the
same size, seed, cost model, promptness, timeline interval and heap limits are joined (runtimes
may differ); others are refused naming the setting. A run in two files is kept once when its
figures are identical and refused when they differ. Every file is validated against
results.schema.json first.`,
  report: `Usage: pygc report RESULTS.json -o REPORT.html [--compare BASE.json]

Rebuilds the self-contained HTML report from saved results (no network needed to open it).

  -o, --output FILE      the report (default: stdout)
      --compare BASE     also show how these results differ from BASE (as pygc compare)`,
  compare: `Usage: pygc compare BASE.json NEW.json [MORE.json...] [options]

Compares every figure of each NEW file with BASE, per workload, runtime and metric: both values,
new/base and a verdict. Deterministic figures (everything but wall time) are "same" or
"changed"; wall times made with pygc run --repeat N on both sides get mean ± deviation and
Welch's t-test at the 5% level ("slower", "faster", "not significant"); with one run a side
they are "not tested". A difference in settings (size, seed, cost model...) is noted first.

  -f, --format F         table | md | csv | json (default table)
      --all              table and md show every figure, not only those that differ
                         (csv and json always have every figure)`,
  diff: `Usage: pygc diff <workload> [options]

Runs the workload on each runtime and tabulates the semantic differences: the op index at which
each finalizer ran and each weakref was cleared or called back, what gc.collect() returned,
and whether id() values are addresses or counters.

${RUN_COMMON.replace('(default: small)', '(default: test)')}
  -f, --format F         table | md | csv | json (default table)
      --limit N          at most N event rows (default: 60 in table and md, all in csv and json)
      --all              every row`,
  versions: `Usage: pygc versions <workload> [options]

Runs the workload on each CPython preset (3.11, 3.12, 3.13, 3.14.5...) and prints one row per
version: collections per generation, pauses (virtual time), and the peak of garbage awaiting
collection, measured with the reachability oracle checked at the start of every collection.

      --presets a,b      cpython presets (default: all; 3.12 = cpython-3.12)
  -s, --size S           test | small | large (default: test)
  -p, --param k=v        a workload parameter (repeatable)
      --seed N           workload seed (default 1)
  -f, --format F         table | md | json (default table)`,
}
