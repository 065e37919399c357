/**
 * A value quoted in an error message, bounded: a corrupted trace can hold a 10 MB string or a
 * value nested thousands of levels deep, and neither may end up whole in a message (nor
 * overflow the stack on the way there).
 */

/** At most this many characters of a value are quoted; the rest is counted. */
export const ECHO_CHARS = 80

export function echo(value: unknown): string {
  if (typeof value === 'string') {
    if (value.length <= ECHO_CHARS) return JSON.stringify(value)
    return `${JSON.stringify(value.slice(0, ECHO_CHARS))}… (a string of ${value.length} characters)`
  }
  let text: string
  try {
    text = JSON.stringify(value) ?? String(value)
  } catch {
    // Too deep for the stack, or cyclic (a value handed to a writer): name its kind only.
    text = Object.prototype.toString.call(value)
  }
  return text.length <= ECHO_CHARS ? text : `${text.slice(0, ECHO_CHARS)}… (${text.length} characters)`
}
