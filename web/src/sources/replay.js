// Replays a minute table as a live stream, fast, so the demo can be tried
// without a device: each observed minute becomes one sample in the middle of
// that minute, `minutesPerTick` minutes every `tickMs`.
import { epochOfLocalMinute } from '../time.js';

export class ReplaySource {
  constructor(table, { minutesPerTick = 120, tickMs = 30 } = {}) {
    Object.assign(this, { table, minutesPerTick, tickMs });
  }

  async start(onSample, onEvent = () => {}) {
    const { start, length, channels, values } = this.table;
    const C = channels.length;
    let i = 0;
    onEvent({ type: 'connected', t: Date.now() });
    await new Promise((resolve) => {
      this.resolve = resolve;
      const tick = () => {
        if (this.stopped) return resolve();
        for (const end = Math.min(length, i + this.minutesPerTick); i < end; i++) {
          const t = epochOfLocalMinute(start + i) + 30000;
          for (let c = 0; c < C; c++) {
            const v = values[i * C + c];
            if (!Number.isNaN(v)) onSample({ t, channel: channels[c], value: v });
          }
        }
        if (i >= length) return resolve();
        this.timer = setTimeout(tick, this.tickMs);
      };
      tick();
    });
    onEvent({ type: 'done', t: Date.now() });
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.resolve?.();
  }
}
