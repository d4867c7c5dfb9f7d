// The phone's own accelerometer (devicemotion, with gravity): each event
// becomes one raw `acceleration` sample, x, y, z in m/s² as the browser
// gives them. The core turns it into the minute channel `movement` and into
// the accelerometer model's windows (its unit table, grid and rules).
export const MOTION_UNIT = 'm/s^2';

// Desktop browsers have the event but no sensor: say so if nothing arrives.
const SILENT_MS = 3000;

export class MotionSource {
  constructor({ target = globalThis, now = Date.now, silentMs = SILENT_MS } = {}) {
    Object.assign(this, { target, now, silentMs });
    this.seen = false;
    this.handler = (e) => {
      const a = e.accelerationIncludingGravity;
      if (!a || a.x === null) return;
      this.seen = true;
      this.onSample({ t: this.now(), channel: 'acceleration', x: a.x, y: a.y, z: a.z, unit: MOTION_UNIT });
    };
  }

  async start(onSample, onEvent = () => {}) {
    this.onSample = onSample;
    const DME = this.target.DeviceMotionEvent;
    if (typeof DME !== 'function') throw new Error('This device has no motion sensor access (devicemotion).');
    // iOS asks the person first, and only from a button press.
    if (typeof DME.requestPermission === 'function' && (await DME.requestPermission()) !== 'granted')
      throw new Error('Motion access was not allowed.');
    this.target.addEventListener('devicemotion', this.handler);
    onEvent({ type: 'connected', t: this.now() });
    this.timer = setTimeout(() => {
      if (!this.seen) onEvent({ type: 'error', t: this.now(), message: 'no motion readings arrive: this device may have no motion sensor.' });
    }, this.silentMs);
  }

  stop() {
    clearTimeout(this.timer);
    this.target.removeEventListener('devicemotion', this.handler);
  }
}
