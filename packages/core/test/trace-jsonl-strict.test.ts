/**
 * The JSON-lines reader refuses what JSON.parse accepts but the format does not (issue 9,
 * items 6 and 8), each case from the issue by name, with the line's byte offset and number.
 */
import { describe, expect, it } from 'vitest'
import { BaselineManager } from '../../baseline/src/index.js'
import { bufferSource, replayTrace } from '../src/trace/index.js'
import { LoggingMutator } from './trace-fakes.js'
import { expectFormatError, readAll, record } from './trace-helpers.js'

const HEAD = '{"format":"pygc-trace","version":1,"metadata":{}}'
const text = (...lines: string[]) => new TextEncoder().encode(lines.map((l) => `${l}\n`).join(''))
/** A trace of HEAD, `line` and a footer counting one record. */
const withRecord = (line: string) => text(HEAD, line, '{"end":true,"ops":1}')
const deep = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`
/** The second line starts right after the header line. */
const SECOND = HEAD.length + 1

describe('JSON-lines strictness', () => {
  it('refuses 8,000 levels of nesting in metadata, params or an operand, at the line', () => {
    const cases = [
      text(
        `{"format":"pygc-trace","version":1,"metadata":{"params":{"n":${deep(8000)}}}}`,
        '{"end":true,"ops":0}',
      ),
      withRecord(`{"op":"clear","dst":${deep(8000)}}`),
      withRecord(`{"op":"defineType","spec":{"name":"T","refs":${deep(8000)}}}`),
      withRecord(`{"op":"weakref","dst":0,"target":1,"callback":{"tag":${deep(8000)}}}`),
    ]
    cases.forEach((bytes, i) => {
      const e = expectFormatError(bytes, /nesting deeper than 64 levels/)
      expect(e.offset).toBe(i === 0 ? 0 : SECOND)
      expect(e.where.line).toBe(i === 0 ? 1 : 2)
      expect(() => replayTrace(bufferSource(bytes), new BaselineManager())).toThrow(/nesting deeper/)
    })
    // 64 levels is the limit, not an error: the metadata may nest that deep.
    const fine = text(
      `{"format":"pygc-trace","version":1,"metadata":{"a":${deep(62)}}}`,
      '{"end":true,"ops":0}',
    )
    expect(readAll(fine)).toEqual([])
    expectFormatError(
      text(`{"format":"pygc-trace","version":1,"metadata":{"a":${deep(63)}}}`, '{"end":true,"ops":0}'),
      /nesting/,
    )
  })

  it('echoes at most the start of a 10 MB operand', () => {
    const e = expectFormatError(withRecord(`{"op":"clear","dst":"${'x'.repeat(10_000_000)}"}`), /clear dst/)
    expect(e.message.length).toBeLessThan(300)
    expect(e.message).toContain('(a string of 10000000 characters)')
    const key = expectFormatError(
      withRecord(`{"op":"popFrame","${'k'.repeat(1_000_000)}":1}`),
      /unknown field/,
    )
    expect(key.message.length).toBeLessThan(300)
  })

  it('refuses a misspelled finalizer and unknown members inside spec, finalizer and callback', () => {
    const spec = (s: string) => withRecord(`{"op":"defineType","spec":${s}}`)
    expect(
      expectFormatError(spec('{"name":"T","refs":1,"finaliser":{}}'), /spec: unknown member "finaliser"/)
        .offset,
    ).toBe(SECOND)
    expectFormatError(spec('{"name":"T","refs":1,"colour":1}'), /spec: unknown member "colour"/)
    expectFormatError(
      spec('{"name":"T","refs":1,"finalizer":{"legacy":true,"x":1}}'),
      /spec.finalizer: unknown member "x"/,
    )
    expectFormatError(
      spec('{"name":"T","refs":1,"finalizer":[]}'),
      /spec.finalizer must be a JSON object, got \[\]/,
    )
    expectFormatError(spec('[]'), /spec must be a JSON object/)
    expectFormatError(
      text(
        HEAD,
        '{"op":"pushFrame","locals":2}',
        '{"op":"weakref","dst":0,"target":1,"callback":{"tag":1,"x":2}}',
        '{"end":true,"ops":2}',
      ),
      /weakref callback: unknown member "x"/,
    )
    expectFormatError(
      withRecord('{"op":"weakref","dst":0,"target":1,"callback":[]}'),
      /callback must be a JSON object/,
    )
    // What the writer writes still reads: a finalizer with both members, a callback, null as no callback.
    const ok = record((m) => {
      m.defineType({ name: 'F', refs: 1, finalizer: { resurrectInto: 0, legacy: true } })
      m.pushFrame(2)
      m.weakref(0, 1, { tag: 4 })
    }, 'jsonl')
    expect(readAll(ok.bytes)).toHaveLength(3)
    expect(readAll(withRecord('{"op":"weakref","dst":0,"target":1,"callback":null}'))).toEqual([
      { op: 'weakref', dst: 0, target: 1 },
    ])
  })

  it('refuses duplicate keys at every level', () => {
    expectFormatError(
      withRecord('{"op":"pushFrame","locals":1,"locals":2}'),
      /duplicate key "locals" \(line 2\)/,
    )
    expectFormatError(
      withRecord('{"op":"defineType","spec":{"name":"T","refs":1,"refs":2}}'),
      /duplicate key "refs"/,
    )
    expectFormatError(
      withRecord(
        '{"op":"defineType","spec":{"name":"T","refs":1,"finalizer":{"legacy":true,"legacy":false}}}',
      ),
      /duplicate key "legacy"/,
    )
    expectFormatError(
      withRecord('{"op":"weakref","dst":0,"target":1,"callback":{"tag":1,"tag":2}}'),
      /duplicate key "tag"/,
    )
    expectFormatError(withRecord('{"op":"clear","op":"clear","dst":0}'), /duplicate key "op"/)
    // Escapes do not hide a repeat.
    expectFormatError(withRecord('{"op":"pushFrame","locals":1,"loc\\u0061ls":1}'), /duplicate key "locals"/)
    expectFormatError(
      text('{"format":"pygc-trace","version":1,"metadata":{"a":1,"a":1}}', '{"end":true,"ops":0}'),
      /duplicate key "a" \(line 1\)/,
    )
    expectFormatError(text(HEAD, '{"end":true,"ops":0,"ops":0}'), /duplicate key "ops"/)
    // The same key in two different objects is fine.
    expect(readAll(withRecord('{"op":"defineType","spec":{"name":"op","refs":1}}'))).toHaveLength(1)
  })

  it('reads integers only in the canonical form the writer writes', () => {
    for (const form of ['0.0', '-0', '1e3', '1E0', '1.0', '10e-1', '-0.0']) {
      expectFormatError(
        withRecord(`{"op":"pushFrame","locals":${form}}`),
        new RegExp(`pushFrame: "locals" is written "${form.replace('.', '\\.')}"`),
      )
    }
    expectFormatError(
      withRecord('{"op":"defineType","spec":{"name":"T","refs":1.0}}'),
      /"refs" is written "1\.0"/,
    )
    expectFormatError(
      text('{"format":"pygc-trace","version":1.0,"metadata":{}}', '{"end":true,"ops":0}'),
      /header: "version" is written "1\.0"/,
    )
    expectFormatError(text(HEAD, '{"end":true,"ops":0.0}'), /footer: "ops" is written "0\.0"/)
    // A fraction still gets the operand's own message.
    expectFormatError(withRecord('{"op":"clear","dst":0.5}'), /clear dst must be an integer/)
    // Metadata is free-form: any number there is fine.
    const meta = text(
      '{"format":"pygc-trace","version":1,"metadata":{"ratio":0.5,"big":1e300,"z":-0}}',
      '{"end":true,"ops":0}',
    )
    expect(readAll(meta)).toEqual([])
    expect(readAll(withRecord('{"op":"pushFrame","locals":0}'))).toEqual([{ op: 'pushFrame', locals: 0 }])
    expect(readAll(withRecord('{"op":"clear","dst":-4503599627370496}'))).toEqual([
      { op: 'clear', dst: -(2 ** 52) },
    ])
  })

  it('refuses nothing the writer writes', () => {
    const { bytes, inner } = record(
      (m) => {
        m.defineType({ name: 'x"\\\n\u2028', refs: 0, bytes: 3, variable: 'bytes', shape: 'slots' })
        m.pushFrame(1)
        m.alloc(0, 0, 7)
        m.collect(-1)
      },
      'jsonl',
      { workload: 'w', params: { a: [1, { b: 2.5 }], c: -0, d: 1e-7 } } as never,
    )
    const target = new LoggingMutator()
    replayTrace(bufferSource(bytes), target)
    expect(target.log.length).toBe(inner.log.length)
  })
})

describe('binary metadata strictness', () => {
  it('refuses deep nesting and duplicate keys in the metadata of a binary trace', () => {
    const nested = record(() => {}, 'binary', { a: JSON.parse(deep(100)) } as never)
    const e = expectFormatError(nested.bytes, /metadata: nesting deeper than 64 levels/)
    expect(e.offset).toBe(12 + 8)
    // A duplicate key cannot come out of JSON.stringify: splice one into a version 1 trace's metadata.
    const v1 = record(() => {}, 'binary', { a: 1, b: 2 } as never, { version: 1 })
    const json = new TextDecoder().decode(v1.bytes.subarray(13, 13 + v1.bytes[12]))
    expect(json).toBe('{"a":1,"b":2}')
    const dup = Uint8Array.from([
      ...v1.bytes.subarray(0, 13),
      ...new TextEncoder().encode('{"a":1,"a":2}'),
      ...v1.bytes.subarray(13 + 13),
    ])
    expect(expectFormatError(dup, /metadata: duplicate key "a"/).offset).toBe(12)
  })
})
