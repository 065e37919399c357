/**
 * JSON.parse for the JSON of a trace (each JSON line, the binary metadata), refusing what
 * JSON.parse lets through but a trace must not:
 *
 *  - nesting deeper than MAX_JSON_DEPTH, found before parsing (JSON.parse itself copes, but
 *    everything that walks the value afterwards, JSON.stringify included, recurses on the
 *    host stack);
 *  - a key repeated in one object (JSON.parse keeps the last one silently, so a corrupted line
 *    could change an operand without any error);
 *  - a number that is not an integer in the writer's canonical form (`-?(0|[1-9][0-9]*)`, not
 *    `-0`) where the format has integers: `0.0`, `-0`, `1e3` are not read as 0, 0 and 1000.
 *    This one is handed back rather than raised, so that the caller can first give a value
 *    that is wrong anyway (`"dst":0.5`) its own message.
 *
 * The common path costs one pass over the characters with no allocation, JSON.parse, and a
 * count of the parsed objects' members: a repeated key is what makes the members fewer than
 * the keys in the text, and only then is the text searched for it by name.
 */
import { echo } from './echo.js'
import { MAX_JSON_DEPTH } from './format.js'

const OPEN_OBJECT = 0x7b // {
const CLOSE_OBJECT = 0x7d // }
const OPEN_ARRAY = 0x5b // [
const CLOSE_ARRAY = 0x5d // ]
const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a
const MINUS = 0x2d
const ZERO = 0x30
const DOT = 0x2e

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39
}

/** A character of a JSON number after its first: digits, `.`, `e`, `E`, `+`, `-`. */
function isNumberChar(c: number): boolean {
  return isDigit(c) || c === DOT || c === 0x65 || c === 0x45 || c === 0x2b || c === MINUS
}

/** Per open container, whether it is an object (shared: the scan is not re-entered). */
const IS_OBJECT: boolean[] = new Array(MAX_JSON_DEPTH).fill(false)

export interface TraceJson {
  /** The parsed value (undefined if `problem` is set). */
  value: unknown
  /** Invalid JSON, nesting too deep or a repeated key. */
  problem: string | null
  /** The first number nested at most `integerDepth` deep that is not a canonical integer, described. */
  looseInteger: string | null
}

/**
 * Parse one JSON text of a trace. Numbers nested at most `integerDepth` levels deep (1: the
 * members of the top-level object) must be canonical integers; 0 checks none, Infinity all.
 */
export function parseTraceJson(text: string, integerDepth: number): TraceJson {
  const result: TraceJson = { value: undefined, problem: null, looseInteger: null }
  let depth = 0
  const isObject = IS_OBJECT
  let expectKey = false
  let keys = 0
  let lastKeyStart = 0
  let lastKeyEnd = 0
  const n = text.length
  let i = 0
  while (i < n) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) {
      let j = i + 1
      while (j < n) {
        const d = text.charCodeAt(j)
        if (d === QUOTE) break
        j += d === BACKSLASH ? 2 : 1
      }
      if (expectKey) {
        keys++
        lastKeyStart = i
        lastKeyEnd = j + 1
        expectKey = false
      }
      i = j + 1
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (depth === MAX_JSON_DEPTH) {
        result.problem = `nesting deeper than ${MAX_JSON_DEPTH} levels (at character ${i + 1})`
        return result
      }
      expectKey = c === OPEN_OBJECT
      isObject[depth++] = expectKey
      i++
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      if (depth > 0) depth--
      expectKey = false
      i++
    } else if (c === COMMA) {
      expectKey = depth > 0 && isObject[depth - 1]
      i++
    } else if (c === COLON) {
      expectKey = false
      i++
    } else if (c === MINUS || isDigit(c)) {
      const start = i
      let loose = c === MINUS && text.charCodeAt(i + 1) === ZERO // -0, -0.5...
      i++
      while (i < n) {
        const d = text.charCodeAt(i)
        if (!isNumberChar(d)) break
        if (!isDigit(d)) loose = true // a fraction or an exponent
        i++
      }
      if (loose && depth <= integerDepth && result.looseInteger === null) {
        result.looseInteger = `${echo(keyText(text, lastKeyStart, lastKeyEnd))} is written ${echo(text.slice(start, i))}: an integer is written in canonical form (digits, a minus sign only before a non-zero value, no fraction or exponent)`
      }
    } else {
      i++
    }
  }
  try {
    result.value = JSON.parse(text)
  } catch (e) {
    result.problem = `invalid JSON: ${(e as Error).message}`
    return result
  }
  if (keys !== countMembers(result.value)) result.problem = duplicateKey(text)
  return result
}

/** The key between quotes at text[start, end), unescaped. */
function keyText(text: string, start: number, end: number): string {
  const quoted = text.slice(start, end)
  if (quoted.indexOf('\\') < 0) return quoted.slice(1, -1)
  try {
    return JSON.parse(quoted) as string
  } catch {
    return quoted
  }
}

/** Members of every object in a parsed value (its depth is bounded by the scan). */
function countMembers(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0
  let count = 0
  if (Array.isArray(value)) {
    for (const item of value) count += countMembers(item)
    return count
  }
  for (const key in value) {
    if (Object.hasOwn(value, key)) count += 1 + countMembers((value as Record<string, unknown>)[key])
  }
  return count
}

/** The cold path: name a key that appears twice in one object of (valid) JSON text. */
function duplicateKey(text: string): string {
  const open: (Set<string> | null)[] = []
  let expectKey = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) {
      let j = i + 1
      while (text.charCodeAt(j) !== QUOTE) j += text.charCodeAt(j) === BACKSLASH ? 2 : 1
      if (expectKey) {
        const seen = open[open.length - 1] as Set<string>
        const key = keyText(text, i, j + 1)
        if (seen.has(key)) return `duplicate key ${echo(key)}`
        seen.add(key)
        expectKey = false
      }
      i = j
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      open.push(c === OPEN_OBJECT ? new Set() : null)
      expectKey = c === OPEN_OBJECT
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      open.pop()
    } else if (c === COMMA) {
      expectKey = open[open.length - 1] !== null
    }
  }
  return 'a key appears twice in one object'
}
