/**
 * The seeded RNG every random choice in pygc comes from (never Math.random): xoshiro128**
 * (Blackman & Vigna, 2018), 32-bit state words so it stays in V8's fast integer paths, seeded
 * by expanding the 53-bit seed with splitmix32. The same seed gives the same sequence on every
 * platform, which is what makes runs byte-for-byte reproducible.
 */
import { PygcError } from './errors.js'

export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new PygcError('INVALID_OPTION', `seed must be a non-negative safe integer, got ${seed}`, { seed })
    }
    // splitmix32 over the low and high halves of the seed gives four well-mixed words.
    let s = (seed >>> 0) ^ Math.floor(seed / 0x100000000)
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0
      let z = s
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
      return (z ^ (z >>> 16)) >>> 0
    }
    this.a = next()
    this.b = next()
    this.c = next()
    this.d = next()
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1 // the all-zero state is a fixed point
  }

  /** A uniform unsigned 32-bit integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0
    const t = this.b << 9
    this.c ^= this.a
    this.d ^= this.b
    this.b ^= this.c
    this.a ^= this.d
    this.c ^= t
    this.d = rotl(this.d, 11)
    return result
  }

  /** A uniform float in [0, 1). */
  next(): number {
    return this.nextU32() / 0x100000000
  }

  /** A uniform integer in [0, n), n >= 1 (unbiased: rejection of the short tail). */
  int(n: number): number {
    if (n <= 0 || !Number.isInteger(n))
      throw new PygcError('VALUE_OUT_OF_RANGE', `Rng.int needs a positive integer bound, got ${n}`)
    if (n > 0x100000000) return Math.floor(this.next() * n)
    const limit = 0x100000000 - (0x100000000 % n)
    let x = this.nextU32()
    while (x >= limit) x = this.nextU32()
    return x % n
  }

  /** A uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1)
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p
  }

  /** An independent generator derived from this one (for sub-streams). */
  fork(): Rng {
    return new Rng(this.nextU32() * 0x200000 + (this.nextU32() >>> 11))
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k))
}
