'use strict'
// The event-loop lag probe of bench/latency.js (also used by test/latency.test.ts): a chain of
// 1 ms timers, each recording how late it fired. A timer is the first thing that notices a
// blocked main thread (a long synchronous call, a flood of callbacks), so the worst lateness is
// what an application's own timers and I/O callbacks would suffer.

const INTERVAL_MS = 1

function startLagProbe() {
  const lags = []
  let timer
  const start = performance.now()
  let due = start + INTERVAL_MS
  let worst = { lag: 0, atMs: 0 }
  const tick = () => {
    const now = performance.now()
    const lag = Math.max(0, now - due)
    lags.push(lag)
    if (lag > worst.lag) worst = { lag, atMs: now - start }
    due = now + INTERVAL_MS
    timer = setTimeout(tick, INTERVAL_MS)
  }
  timer = setTimeout(tick, INTERVAL_MS)
  // Stops the probe; returns { samples, maxMs, p99Ms, p50Ms, maxAtMs (when the worst timer fired, from the start) }.
  return function stop() {
    clearTimeout(timer)
    const sorted = [...lags].sort((a, b) => a - b)
    const at = (q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : 0)
    return { samples: sorted.length, maxMs: sorted.length ? sorted[sorted.length - 1] : 0, p99Ms: at(0.99), p50Ms: at(0.5), maxAtMs: worst.atMs }
  }
}

module.exports = { startLagProbe }
