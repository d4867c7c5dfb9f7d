// A Web Bluetooth GATT link that survives disconnects: on
// gattserverdisconnected it reports the drop and reconnects with back-off
// until stopped. Each (re)connection is a new segment, so RR intervals from
// different connections are never differenced.
const BACKOFF_MS = [500, 1000, 2000, 5000, 10000, 30000];

export class BleLink {
  constructor({ device, setup, onEvent, now = Date.now, sleep = (ms) => new Promise((r) => setTimeout(r, ms)) }) {
    Object.assign(this, { device, setup, onEvent, now, sleep });
    this.segment = 0;
    this.stopped = false;
    this.onDisconnect = () => this.reconnect();
  }

  async connect() {
    this.device.addEventListener('gattserverdisconnected', this.onDisconnect);
    await this.open();
  }

  async open() {
    const server = await this.device.gatt.connect();
    this.segment++;
    await this.setup(server, this.segment);
    this.onEvent({ type: 'connected', t: this.now(), segment: this.segment });
  }

  async reconnect() {
    if (this.stopped || this.reconnecting) return;
    this.reconnecting = true;
    this.onEvent({ type: 'disconnected', t: this.now() });
    for (let i = 0; !this.stopped; i++) {
      await this.sleep(BACKOFF_MS[Math.min(i, BACKOFF_MS.length - 1)]);
      if (this.stopped) break;
      this.onEvent({ type: 'reconnecting', t: this.now(), attempt: i + 1 });
      try {
        await this.open();
        break;
      } catch (e) {
        this.onEvent({ type: 'error', t: this.now(), message: `reconnect failed: ${e.message}` });
      }
    }
    this.reconnecting = false;
  }

  stop() {
    this.stopped = true;
    this.device.removeEventListener('gattserverdisconnected', this.onDisconnect);
    if (this.device.gatt?.connected) this.device.gatt.disconnect();
  }
}
