// Big files, past 2^32 and 2^33 bytes: a full round trip through the file engine in child
// processes whose peak RSS is measured. Off by default (it writes about twice the file size to
// disk); FILESEC_BIG_TESTS=1 turns it on (.ci/run sets it), FILESEC_BIG_SIZE sets the size in GiB
// (default 9), FILESEC_BIG_DIR the folder (default: the system temp folder).
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, statfsSync, writeSync, ftruncateSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const GiB = 1024 ** 3
const enabled = process.env.FILESEC_BIG_TESTS === '1'
const sizeGiB = Number(process.env.FILESEC_BIG_SIZE ?? '9')
const root = resolve(__dirname, '..')

async function sha256(path: string): Promise<string> {
  const h = createHash('sha256')
  for await (const chunk of createReadStream(path, { highWaterMark: 8 << 20 })) h.update(chunk as Buffer)
  return h.digest('hex')
}

/**
 * Runs one API call in a fresh node process and returns its peak RSS in MiB. The peak is the
 * child's own VmHWM: getrusage's maxRSS would also count the test runner's RSS at fork time
 * (Linux carries that high-water mark across exec), so a large runner would look like a leak.
 */
function inChild(code: string): number {
  const script = `
    require('tsx/cjs')
    const f = require(${JSON.stringify(join(root, 'lib'))})
    const peakKiB = () => Number(/^VmHWM:\\s+(\\d+) kB/m.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1])
    ;(async () => { ${code} ; console.log(JSON.stringify({ maxRssKiB: peakKiB() })) })()
      .catch((e) => { console.error(e); process.exit(1) })`
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', cwd: root })
  assert.equal(r.status, 0, r.stderr)
  return JSON.parse(r.stdout.trim().split('\n').pop()!).maxRssKiB / 1024
}

;(enabled ? describe : describe.skip)(`big file (${sizeGiB} GiB; FILESEC_BIG_TESTS=1)`, function () {
  this.timeout(60 * 60 * 1000)
  let dir = ''

  before(function () {
    const base = process.env.FILESEC_BIG_DIR ?? tmpdir()
    const fs = statfsSync(base)
    const free = fs.bavail * fs.bsize
    if (free < 2.2 * sizeGiB * GiB) {
      console.log(`      big-file test skipped: ${(free / GiB).toFixed(1)} GiB free in ${base}, needs ${(2.2 * sizeGiB).toFixed(1)}`)
      this.skip()
    }
    dir = mkdtempSync(join(base, 'filesec-big-'))
  })
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it(`round-trips a ${sizeGiB} GiB file with peak RSS under 200 MiB`, async function () {
    // A sparse file with random islands every 256 MiB and around the 4 GiB and 8 GiB marks, so
    // chunk order and offsets past 32 bits are checked by the hash, without writing the input.
    const input = join(dir, 'big.bin')
    const fd = openSync(input, 'w')
    const size = sizeGiB * GiB + 12345
    ftruncateSync(fd, size)
    for (let at = 0; at < size; at += 256 << 20) writeSync(fd, randomBytes(1 << 20), 0, 1 << 20, at)
    for (const mark of [4 * GiB, 8 * GiB]) if (mark + (1 << 20) < size) writeSync(fd, randomBytes(1 << 20), 0, 1 << 20, mark - (1 << 19))
    writeSync(fd, randomBytes(12345), 0, 12345, size - 12345)
    closeSync(fd)
    const expected = await sha256(input)

    const encRss = inChild(`
      const pair = await f.generateKeyPair('x25519')
      await f.writePrivateKey(pair.privateKey, ${JSON.stringify(join(dir, 'id.txt'))}, { unprotected: true })
      await f.encryptFile(${JSON.stringify(input)}, { to: pair.publicKey, keep: true })`)
    rmSync(input)
    const decRss = inChild(`
      await f.decryptFile(${JSON.stringify(input + '.fsec')}, { identity: ${JSON.stringify(join(dir, 'id.txt'))} })`)
    console.log(`      peak RSS: encrypt ${encRss.toFixed(0)} MiB, decrypt ${decRss.toFixed(0)} MiB`)
    assert.ok(encRss < 200, `encrypt peak RSS ${encRss} MiB`)
    assert.ok(decRss < 200, `decrypt peak RSS ${decRss} MiB`)
    assert.equal(await sha256(input), expected)
  })
})
