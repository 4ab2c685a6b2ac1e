// The few functions of `semver` (a dependency of the functions package) the scan uses. The
// package ships no types and @types/semver is not installed; delete this file when it is.
declare module 'semver' {
  interface RangeOptions {
    includePrerelease?: boolean;
    loose?: boolean;
  }
  interface SemverApi {
    /** The normalised version, or null when `version` is not one. */
    valid(version: string, options?: RangeOptions): string | null;
    /** The normalised range, or null when `range` is not one. */
    validRange(range: string, options?: RangeOptions): string | null;
    satisfies(version: string, range: string, options?: RangeOptions): boolean;
    /** Whether some version satisfies both ranges. */
    intersects(range1: string, range2: string, options?: RangeOptions): boolean;
  }
  const semver: SemverApi;
  export default semver;
}
