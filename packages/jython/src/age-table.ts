/**
 * The survivor age table and the adaptive tenuring threshold (HotSpot gc/shared/ageTable.cpp).
 * A young collection records the bytes it copies into to-space by their new age; afterwards
 * the threshold is the smallest age at which the survivors of that age and younger exceed
 * TargetSurvivorRatio percent of to-space, capped at MaxTenuringThreshold.
 */

/** markWord age bits: 4, so ages 0..15 (oops/markWord.hpp, age_bits = 4). */
export const AGE_TABLE_SIZE = 16

export class AgeTable {
  readonly bytes = new Float64Array(AGE_TABLE_SIZE)

  clear(): void {
    this.bytes.fill(0)
  }

  add(age: number, size: number): void {
    this.bytes[age] += size
  }

  /** AgeTable::compute_tenuring_threshold. */
  computeTenuringThreshold(
    survivorCapacity: number,
    targetSurvivorRatio: number,
    maxTenuringThreshold: number,
  ): number {
    const desired = Math.floor((survivorCapacity * targetSurvivorRatio) / 100)
    let total = 0
    let age = 1
    while (age < AGE_TABLE_SIZE) {
      total += this.bytes[age]
      if (total > desired) break
      age++
    }
    return Math.min(age, maxTenuringThreshold)
  }
}
