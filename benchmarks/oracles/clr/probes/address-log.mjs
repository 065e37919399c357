#!/usr/bin/env node
/**
 * Where .NET 10 puts every traced object, window by window, against the model
 * (packages/ironpython/BUDGETS.md#runtime-pinned-layout).
 *
 *   node benchmarks/oracles/clr/probes/address-log.mjs TRACE [gen0size-hex, default 40000] [FROM-TO]
 *
 * Copies the .NET oracle (../Program.cs) into a temporary directory, adds to its ALLOC one store
 * of the new object's address and GC.CollectionCount(0) into native memory (nothing on the GC
 * heap; written out after the run), builds and runs it with the validator's GC configuration,
 * and prints per gen0 window: the objects allocated, the first object's offset in its 4 MB
 * region, and every step between consecutive objects that is not one object: a 24-byte pad
 * between contexts, a jump over the runtime's pinned object, a cut at the region's committed
 * end, the next region. The model (built: `node scripts/turbo.mjs --quiet run build`) replays
 * the same trace and its windows are printed below. The oracle itself stays free of the
 * logging; the copy is never committed or used by the validator.
 *
 * Then, collection by collection, where the two sides part: each collection's op, promoted
 * bytes and gen0 size after it (GCMemoryInfo on .NET, the GcRecord on the model; the model's op
 * is one lower, it counts the op that triggered the collection as not yet done), and every window
 * whose object count differs. With FROM-TO (window numbers), those windows' objects are printed
 * as runs, `offset x count @ stride`, on both sides: .NET's offsets are object addresses in the
 * region (a header's 8 bytes past the object's start), the model's are from gen0's region start
 * plus the 0x20 where .NET's first object starts.
 */
import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { fileSource, replayTrace } from '@pygc/core'
import { IronPythonManager } from '@pygc/ironpython'
import { startRitual } from './compare.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const [trace, hex = '40000'] = process.argv.slice(2)
if (!trace) {
  console.error('usage: address-log.mjs TRACE [gen0size-hex]')
  process.exit(2)
}
const REGION = 4 * 1024 * 1024

function buildProbe() {
  const dir = mkdtempSync(join(tmpdir(), 'clr-address-probe-'))
  cpSync(join(here, '..', 'ClrOracle.csproj'), join(dir, 'ClrOracle.csproj'))
  cpSync(join(here, '..', 'WeakrefCallbacks.cs'), join(dir, 'WeakrefCallbacks.cs'))
  let src = readFileSync(join(here, '..', 'Program.cs'), 'utf8')
  const alloc = '                    object[] arr = new object[slots];\n'
  if (!src.includes(alloc)) throw new Error('the oracle no longer allocates as this probe expects')
  src = src.replace(
    alloc,
    `${alloc}                    if (allocs < AddrCap) unsafe { addrLog[allocs] = (long)Unsafe.As<object[], IntPtr>(ref arr); gcLog[allocs] = GC.CollectionCount(0); }\n`,
  )
  const anchor = '    static bool finalizerTurnAfterGc = true;\n'
  src = src.replace(
    anchor,
    `${anchor}    const long AddrCap = 8_000_000;
    static unsafe long* addrLog = (long*)NativeMemory.AllocZeroed((nuint)AddrCap, 8);
    static unsafe int* gcLog = (int*)NativeMemory.AllocZeroed((nuint)AddrCap, 4);
    static unsafe void DumpAddresses(string path) {
        using var w = new StreamWriter(path);
        for (long i = 0; i < Math.Min(allocs, AddrCap); i++) w.Write($"{addrLog[i]:x} {gcLog[i] - baseCounts[0]}\\n");
    }
`,
  )
  const done = '        PrintJson(ops, wall.Elapsed.TotalMilliseconds, startGen2);\n'
  src = src.replace(done, `${done}        DumpAddresses(Environment.GetEnvironmentVariable("ADDR_LOG"));\n`)
  writeFileSync(join(dir, 'Program.cs'), src)
  execFileSync('dotnet', ['build', '-c', 'Release', '-nologo', '-v', 'q', '-o', join(dir, 'out')], {
    cwd: dir,
    stdio: 'inherit',
  })
  return dir
}

function netWindows(dir) {
  const log = join(dir, 'addresses.txt')
  const out = execFileSync('dotnet', [join(dir, 'out', 'ClrOracle.dll'), trace], {
    env: {
      ...process.env,
      ADDR_LOG: log,
      DOTNET_gcServer: '0',
      DOTNET_gcConcurrent: '0',
      DOTNET_GCgen0size: hex,
      DOTNET_TieredCompilation: '0',
    },
    maxBuffer: 1 << 30,
  })
  const oracle = JSON.parse(out.toString())
  const windows = []
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    if (!line) continue
    const [a, g] = line.split(' ')
    const w = Number(g)
    windows[w] ??= []
    windows[w].push(Number.parseInt(a, 16))
  }
  return { oracle, windows }
}

function modelWindows(runtimeLiveBytes) {
  const m = new IronPythonManager({
    preset: 'clr',
    sizeMode: 'clr',
    gen0size: Number.parseInt(hex, 16),
    finalizerDrain: 'next-op',
    runtimeLiveBytes,
  })
  startRitual(m)
  const windows = [[]]
  const ops = []
  m.on((e) => {
    if (e.type === 'gc-end') {
      windows.push([])
      ops.push(e.op)
    } else if (e.type === 'alloc' && e.typeId >= 0) {
      windows[windows.length - 1].push(e.address - m.heap.gen0RegionStart * 8 + 0x20)
    }
  })
  replayTrace(fileSource(trace), m)
  const all = m.native.clr.records()
  const records = all.slice(all.length - ops.length).map((r, i) => ({
    op: ops[i],
    promoted: r.survivedBytes,
    gen0After: r.generationInfo[0].sizeAfterBytes,
  }))
  return { windows, records }
}

/** Objects of one window as runs of equal steps: `offset x count @ stride` (hex offsets). */
function runs(offsets) {
  const out = []
  for (let i = 0; i < offsets.length; ) {
    let j = i + 1
    const stride = j < offsets.length ? offsets[j] - offsets[i] : 0
    while (j < offsets.length && offsets[j] - offsets[j - 1] === stride) j++
    out.push(`${offsets[i].toString(16)}x${j - i}${j - i > 1 ? `@${stride}` : ''}`)
    i = j
  }
  return out.join(' ')
}

const dir = buildProbe()
const { oracle, windows } = netWindows(dir)
console.log(`.NET ${oracle.runtime}, GCgen0size=${hex}: collections ${oracle.collectionCount.join('/')}`)
windows.forEach((objs, w) => {
  const steps = []
  for (let i = 1; i < objs.length && steps.length < 6; i++) {
    const d = objs[i] - objs[i - 1]
    if (d !== objs[1] - objs[0] && d !== objs[1] - objs[0] + 24) steps.push(`${i}:+${d}`)
  }
  console.log(`window ${w}: ${objs.length} objects, first at region offset 0x${(objs[0] % REGION).toString(16)}; ${steps.join(' ')}`)
})
// The model starts from the gen2 size the oracle measured after its start ritual, as the validator does.
const model = modelWindows(Math.floor(oracle.startGen2Bytes / 8) * 8)
console.log(`model windows (objects): ${model.windows.map((w) => w.length).join(' ')}`)
let parted = 0
oracle.collections.forEach((c, i) => {
  const r = model.records[i]
  const same = r && Math.abs(r.op + 1 - c.op) <= 1 && r.promoted === c.promotedBytes && r.gen0After === c.sizeAfter[0]
  if (same) return
  parted++
  const mine = r ? `op ${r.op + 1}, promoted ${r.promoted}, gen0 after ${r.gen0After}` : 'none'
  console.log(`collection ${i + 1}: .NET op ${c.op}, promoted ${c.promotedBytes}, gen0 after ${c.sizeAfter[0]} | model ${mine}`)
})
windows.forEach((objs, w) => {
  if ((model.windows[w]?.length ?? 0) !== objs.length)
    console.log(`window ${w}: .NET ${objs.length} objects, model ${model.windows[w]?.length ?? 0}`)
})
console.log(
  `${oracle.collections.length} collections on .NET, ${model.records.length} on the model; ${parted} differ (op beyond ±1, promoted bytes or gen0 size after)`,
)
const range = process.argv[4]
if (range) {
  const [from, to = from] = range.split('-').map(Number)
  for (let w = from; w <= to && w < windows.length; w++) {
    const base = Math.floor(windows[w][0] / REGION) * REGION
    console.log(`window ${w} .NET:  ${runs(windows[w].map((a) => a - base))}`)
    console.log(`window ${w} model: ${runs(model.windows[w] ?? [])}`)
  }
}
