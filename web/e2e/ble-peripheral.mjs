// An emulated BLE heart-rate sensor for Chromium's Web Bluetooth, through the
// CDP BluetoothEmulation domain (browser-level session). Notifications cannot
// be injected, so the page's source polls readValue() and every read is
// answered here with the next Heart Rate Measurement packet. The device
// chooser is answered on the page session (DeviceAccess).
const uuid16 = (n) => `0000${n}-0000-1000-8000-00805f9b34fb`;
export const ADDRESS = '09:09:09:09:09:09';

export async function emulateHeartRateSensor(browser, page, nextPacket) {
  const bt = await browser.newBrowserCDPSession();
  await bt.send('BluetoothEmulation.enable', { state: 'powered-on', leSupported: true });
  await bt.send('BluetoothEmulation.simulatePreconnectedPeripheral', {
    address: ADDRESS, name: 'Emulated HR strap', manufacturerData: [], knownServiceUuids: [uuid16('180d')],
  });
  const addGattDatabase = async () => {
    const { serviceId } = await bt.send('BluetoothEmulation.addService', { address: ADDRESS, serviceUuid: uuid16('180d') });
    const { characteristicId } = await bt.send('BluetoothEmulation.addCharacteristic', {
      serviceId, characteristicUuid: uuid16('2a37'), properties: { notify: true, read: true },
    });
    await bt.send('BluetoothEmulation.addDescriptor', { characteristicId, descriptorUuid: uuid16('2902') });
    return serviceId;
  };
  let serviceId = await addGattDatabase();
  const stats = { connections: 0, reads: 0 };
  bt.on('BluetoothEmulation.gattOperationReceived', ({ address, type }) => {
    if (type === 'connection') stats.connections++;
    bt.send('BluetoothEmulation.simulateGATTOperationResponse', { address, type, code: 0 }).catch(() => {});
  });
  bt.on('BluetoothEmulation.characteristicOperationReceived', ({ characteristicId: id, type }) => {
    const p = { characteristicId: id, type, code: 0 };
    if (type === 'read') { stats.reads++; p.data = Buffer.from(nextPacket()).toString('base64'); }
    bt.send('BluetoothEmulation.simulateCharacteristicOperationResponse', p).catch(() => {});
  });
  bt.on('BluetoothEmulation.descriptorOperationReceived', ({ descriptorId, type }) => {
    const p = { descriptorId, type, code: 0 };
    if (type === 'read') p.data = Buffer.from([0, 0]).toString('base64');
    bt.send('BluetoothEmulation.simulateDescriptorOperationResponse', p).catch(() => {});
  });
  const ps = await page.context().newCDPSession(page);
  await ps.send('DeviceAccess.enable');
  // The prompt event repeats as the device list updates; answering one
  // prompt twice crashes Chromium (a CHECK in the chooser), so once per id.
  const answered = new Set();
  ps.on('DeviceAccess.deviceRequestPrompted', ({ id, devices }) => {
    if (!devices.length || answered.has(id)) return;
    answered.add(id);
    ps.send('DeviceAccess.selectPrompt', { id, deviceId: devices[0].id }).catch(() => {});
  });
  return {
    stats,
    // A dropped link; the peripheral's GATT database is then served afresh, as a
    // real sensor's would be on the next connection.
    disconnect: async () => {
      await bt.send('BluetoothEmulation.simulateGATTDisconnection', { address: ADDRESS });
      await bt.send('BluetoothEmulation.removeService', { serviceId }).catch(() => {});
      serviceId = await addGattDatabase();
    },
    close: async () => { await bt.send('BluetoothEmulation.disable').catch(() => {}); await bt.detach().catch(() => {}); await ps.detach().catch(() => {}); },
  };
}
