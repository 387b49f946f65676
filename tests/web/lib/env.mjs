// SPDX-License-Identifier: GPL-2.0-or-later
// What ctest hands the web tests (tests/web/CMakeLists.txt): paths in the environment.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the web tests through ctest (label web)`);
  return v;
}

// Imports a module of the assembled web app (build tree), the files the page serves.
export function appImport(rel) {
  return import(pathToFileURL(path.join(env('SVCPORT_WEB_APP'), rel)).href);
}
