/** The time, as use cases see it (tests and the watchdog's checks choose it). */
export interface Clock {
  now(): Date;
}
