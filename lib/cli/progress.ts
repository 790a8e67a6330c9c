// A one-line progress bar on stderr (only when stderr is a terminal): percent, MiB/s, ETA.
import type { WriteStream } from 'node:tty'

import type { Progress } from '../index'

const MIB = 1024 * 1024
const REDRAW_MS = 100

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--'
  const s = Math.round(seconds)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const ss = String(s % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`
}

/** The bar's text for a given state, fitted to `columns`. */
export function renderProgress(label: string, p: Progress, elapsedMs: number, columns: number): string {
  const fraction = p.total > 0 ? Math.min(1, p.done / p.total) : 1
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4)
  const rate = elapsedMs > 0 ? p.done / MIB / (elapsedMs / 1000) : 0
  const rateText = `${rate.toFixed(1)} MiB/s`.padStart(12)
  const eta = rate > 0 ? (p.total - p.done) / MIB / rate : Number.NaN
  const etaText = fraction >= 1 ? 'done     ' : `ETA ${formatDuration(eta)}`.padEnd(9)
  const tail = ` ${percent} ${rateText} ${etaText}`
  const room = columns - 1 - label.length - tail.length - 3
  if (room < 5) return `${label}${tail}`.slice(0, Math.max(0, columns - 1))
  const width = Math.min(40, room)
  const filled = Math.round(fraction * width)
  const bar = '='.repeat(filled) + (filled < width ? '>' : '') + ' '.repeat(Math.max(0, width - filled - 1))
  return `${label} [${bar}]${tail}`
}

export class ProgressBar {
  private readonly started = Date.now()
  private lastDraw = 0
  private drawn = false

  constructor(
    private readonly stream: WriteStream,
    private readonly label: string,
  ) {}

  readonly update = (p: Progress): void => {
    const now = Date.now()
    if (now - this.lastDraw < REDRAW_MS && p.done < p.total) return
    this.lastDraw = now
    const label = p.phase !== undefined ? `${this.label} (${p.phase})` : this.label
    const line = renderProgress(label, p, now - this.started, this.stream.columns || 80)
    this.stream.write(`\r${line}\x1b[K`)
    this.drawn = true
  }

  /** Clears the bar's line. */
  finish(): void {
    if (this.drawn) this.stream.write('\r\x1b[K')
    this.drawn = false
  }
}
