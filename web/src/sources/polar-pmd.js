// Polar raw accelerometer over PMD (H10, Verity Sense, OH1): start the ACC
// stream on the control point, parse data frames (raw or delta-compressed)
// and emit each sample raw, as `acceleration` x, y, z in mG (the core turns
// it into `movement` and the accelerometer model's windows). A frame's last
// sample is at the sensor's timestamp, put on the page's clock by the first
// frame of a connection (its arrival), and earlier ones step back at the
// requested rate: the sensor's clock keeps successive frames in order, where
// arrival times would jitter and overlap.
export const POLAR_UNIT = 'mg';
import { PMD_SERVICE, PMD_CONTROL_POINT, PMD_DATA, MEASUREMENT, encodeStart, parseControlResponse, parseDataFrame } from '../parsers/pmd.js';
import { BleLink } from './ble-link.js';

export class PolarAccSource {
  constructor({ bluetooth = globalThis.navigator?.bluetooth, sampleRate = 52, range = 8, now = Date.now } = {}) {
    Object.assign(this, { bluetooth, sampleRate, range, now });
  }

  async start(onSample, onEvent = () => {}) {
    if (!this.bluetooth) throw new Error('Web Bluetooth is not available in this browser (use Chrome or Edge).');
    this.onSample = onSample;
    const device = await this.bluetooth.requestDevice({ filters: [{ namePrefix: 'Polar' }], optionalServices: [PMD_SERVICE] });
    this.link = new BleLink({ device, onEvent, now: this.now, setup: (server) => this.setup(server) });
    await this.link.connect();
  }

  async setup(server) {
    const service = await server.getPrimaryService(PMD_SERVICE);
    const cp = await service.getCharacteristic(PMD_CONTROL_POINT);
    const data = await service.getCharacteristic(PMD_DATA);
    const response = new Promise((resolve) => {
      const h = (e) => { cp.removeEventListener('characteristicvaluechanged', h); resolve(parseControlResponse(e.target.value)); };
      cp.addEventListener('characteristicvaluechanged', h);
    });
    await cp.startNotifications();
    this.data?.removeEventListener('characteristicvaluechanged', this.listener); // same object after a reconnect
    this.data = data;
    this.listener = (e) => this.handle(e.target.value);
    data.addEventListener('characteristicvaluechanged', this.listener);
    await data.startNotifications();
    await cp.writeValueWithResponse(encodeStart(MEASUREMENT.ACC, { sampleRate: this.sampleRate, resolution: 16, range: this.range }));
    let timer;
    const late = new Promise((_, no) => { timer = setTimeout(() => no(new Error('the Polar sensor did not answer the start command')), 10000); });
    const r = await Promise.race([response, late]).finally(() => clearTimeout(timer));
    if (!r.ok) throw new Error(`Polar sensor refused the accelerometer stream (status ${r.status})`);
    this.factor = r.settings.factor?.[0] ?? 1;
    this.offset = undefined; // a new connection: its first frame sets the clock again
  }

  handle(value) {
    const t = this.now();
    let f;
    try {
      f = parseDataFrame(value, { factor: this.factor });
    } catch {
      return;
    }
    if (f.type !== MEASUREMENT.ACC) return;
    const n = f.samples.length, dt = 1000 / this.sampleRate, last = Number(f.timestampNs) / 1e6;
    this.offset ??= t - last;
    f.samples.forEach(([x, y, z], i) =>
      this.onSample({ t: this.offset + last - (n - 1 - i) * dt, channel: 'acceleration', x, y, z, unit: POLAR_UNIT }));
  }

  stop() { this.link?.stop(); }
}
