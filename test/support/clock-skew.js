// Shifts this process's wall clock by ZAN_CLOCK_SKEW_MS (Date and Date.now), as a machine whose
// clock drifted would. Loaded with --require by the clock-skew spec; it is never part of an app.
const skew = Number(process.env.ZAN_CLOCK_SKEW_MS ?? '0');
if (skew) {
  const RealDate = Date;
  class SkewedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() + skew);
      else super(...args);
    }
    static now() {
      return RealDate.now() + skew;
    }
  }
  globalThis.Date = SkewedDate;
}
