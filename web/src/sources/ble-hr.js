// Web Bluetooth Heart Rate service: every Heart Rate Measurement (0x2A37)
// becomes samples: heart_rate (bpm, left out while the sensor reports no skin
// contact; the core's data rules judge the values), rr (ms, one per beat,
// timed backwards from arrival) and energy_expended (kJ). Notifications are the normal path; when the
// characteristic is readable and notifications stay silent, it is polled
// (some sensors, and the emulated peripheral of the tests, need that).
import { parseHeartRateMeasurement } from '../parsers/gatt-hr.js';
import { BleLink } from './ble-link.js';

export class BleHeartRateSource {
  constructor({ bluetooth = globalThis.navigator?.bluetooth, pollMs = 1000, now = Date.now } = {}) {
    Object.assign(this, { bluetooth, pollMs, now });
    this.lastValueAt = 0;
    this.timer = null;
  }

  async start(onSample, onEvent = () => {}) {
    if (!this.bluetooth) throw new Error('Web Bluetooth is not available in this browser (use Chrome or Edge, or Chrome on Android).');
    this.onSample = onSample;
    const device = await this.bluetooth.requestDevice({ filters: [{ services: ['heart_rate'] }] });
    this.name = device.name || 'heart-rate sensor';
    this.link = new BleLink({ device, onEvent, now: this.now, setup: (server, segment) => this.setup(server, segment) });
    await this.link.connect();
  }

  async setup(server, segment) {
    const service = await server.getPrimaryService('heart_rate');
    const ch = await service.getCharacteristic('heart_rate_measurement');
    // Chromium hands back the same characteristic object after a reconnect:
    // one listener at a time, or every value would be counted twice.
    this.ch?.removeEventListener('characteristicvaluechanged', this.listener);
    this.ch = ch;
    this.listener = (e) => this.handle(e.target.value, segment);
    ch.addEventListener('characteristicvaluechanged', this.listener);
    try {
      await ch.startNotifications();
    } catch (e) {
      if (!ch.properties.read) throw e;
    }
    clearInterval(this.timer);
    if (ch.properties.read) {
      // Reads fire characteristicvaluechanged too, so values are handled once, there.
      this.timer = setInterval(() => {
        if (this.now() - this.lastValueAt >= this.pollMs * 0.8 && this.link.device.gatt.connected) ch.readValue().catch(() => {});
      }, this.pollMs);
    }
  }

  handle(value, segment) {
    const t = this.now();
    this.lastValueAt = t;
    let m;
    try {
      m = parseHeartRateMeasurement(value);
    } catch {
      return; // a malformed packet is dropped, like a missed one
    }
    // No skin contact is the packet's own statement; whether a value is plausible is the core's rule.
    if (m.contact !== false) this.onSample({ t, channel: 'heart_rate', value: m.heartRate });
    // The last RR interval ends at arrival; earlier ones end before it.
    let end = t;
    for (let i = m.rrIntervals.length - 1; i >= 0; i--) {
      this.onSample({ t: end, channel: 'rr', value: m.rrIntervals[i], segment });
      end -= m.rrIntervals[i];
    }
    if (m.energyExpended !== null) this.onSample({ t, channel: 'energy_expended', value: m.energyExpended });
  }

  stop() {
    clearInterval(this.timer);
    this.link?.stop();
  }
}
