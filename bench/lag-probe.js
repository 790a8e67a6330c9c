'use strict'
// The event-loop lag probe of bench/latency.js (also used by test/latency.test.ts): a chain of
// 1 ms timers, each recording how late it fired. A timer is the first thing that notices a
// blocked main thread (a long synchronous call, a flood of callbacks), so the worst lateness is
// what an application's own timers and I/O callbacks would suffer.

const INTERVAL_MS = 1

function startLagProbe() {
  const lags = []
  let timer
  let due = performance.now() + INTERVAL_MS
  const tick = () => {
    const now = performance.now()
    lags.push(Math.max(0, now - due))
    due = now + INTERVAL_MS
    timer = setTimeout(tick, INTERVAL_MS)
  }
  timer = setTimeout(tick, INTERVAL_MS)
  // Stops the probe; returns { samples, maxMs, p99Ms, p50Ms }.
  return function stop() {
    clearTimeout(timer)
    const sorted = [...lags].sort((a, b) => a - b)
    const at = (q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : 0)
    return { samples: sorted.length, maxMs: sorted.length ? sorted[sorted.length - 1] : 0, p99Ms: at(0.99), p50Ms: at(0.5) }
  }
}

module.exports = { startLagProbe }
