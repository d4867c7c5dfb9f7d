// One long computation of the page (filling the gaps, the researcher
// export): how far it is, in days, and the Cancel that stops it. The signal
// goes to the API, which ends the worker's work at once (src/wearfm.js
// cancel()), so a stopped job uses no more CPU.
export const days = (n) => `${n.toLocaleString()} ${n === 1 ? 'day' : 'days'}`;

export class Job {
  /** kind: which section shows it ('fill' or 'export'); onChange: redraw. */
  constructor(kind, onChange) {
    this.kind = kind;
    this.onChange = onChange;
    this.controller = new AbortController();
    this.done = 0;
    this.total = 0;
    this.step = null; // a prefix such as "Person 2 of 5", for jobs of several parts
    this.progress = ({ done, total }) => { this.done = done; this.total = total; onChange(); };
  }

  get signal() { return this.controller.signal; }
  get cancelled() { return this.signal.aborted; }
  cancel() { this.controller.abort(); }

  /** Starts the next part (resets the day count). */
  next(step) { this.step = step; this.done = 0; this.total = 0; this.onChange(); }

  /** Share done, 0..1, for a <progress>. */
  get share() { return this.total ? this.done / this.total : 0; }

  /** "Person 2 of 5: 12 of 60 days" (before the first day: "preparing the days"). */
  text() {
    const count = this.total ? `${this.done.toLocaleString()} of ${days(this.total)}` : 'preparing the days';
    return this.step ? `${this.step}: ${count}` : count;
  }

  /** "after 12 of 60 days", for the line that says it was stopped. */
  stoppedText() {
    const when = this.total ? `after ${this.done.toLocaleString()} of ${days(this.total)}` : 'before the first day';
    return this.step ? `${this.step}, ${when}` : when;
  }
}
