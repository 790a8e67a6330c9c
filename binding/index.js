'use strict'
// Loads the native addon: a prebuild from prebuilds/<platform>-<arch>/ when one matches, or the
// local build in build/Release/ (made by `npm install` through scripts/install.js).
const path = require('path')

module.exports = require('node-gyp-build')(path.join(__dirname, '..'))
