// SPDX-License-Identifier: GPL-2.0-or-later
// The transports side by side, each { name, kind, isSupported() → true | reason, connect() }
// (after EspruinoWebTools' uart.js). WebUSB is offered only where Web Serial is missing; the
// management network (svcportd's https: link, a laptop's way) always.
import { webBluetooth } from './ble.js';
import { httpsLink } from './https.js';
import { webSerial } from './serial.js';
import { webUsb } from './usb.js';

export function transportsList() {
  if (webSerial.isSupported() === true || webUsb.isSupported() !== true) return [webBluetooth, webSerial, httpsLink];
  return [webBluetooth, webUsb, httpsLink];
}
