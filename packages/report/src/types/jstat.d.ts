/** The part of jstat (no types of its own) that compare.ts uses: Student's t distribution. */
declare module 'jstat' {
  const jStat: {
    studentt: {
      /** P(T <= x) for Student's t with `dof` degrees of freedom. */
      cdf(x: number, dof: number): number
    }
  }
  export default jStat
}
