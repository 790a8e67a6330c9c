// libFuzzer on the native parsers (test/fuzz/*_fuzzer.cc): builds the targets once into
// build/fuzz with clang, ASan and UBSan (make rebuilds only what changed), seeds each from real
// files made at run time, replays the kept regression inputs (test/fuzz/regressions/<target>/),
// then fuzzes each target for FILESEC_FUZZ_SECONDS seconds (default 5, so about a minute in
// all). Every run must end with exit 0: no crash, no sanitizer report, no input slower than
// 10 s, no allocation above 128 MiB and no RSS above 1 GiB. Crashers land in
// build/fuzz/artifacts/; fix the bug, then keep the input under test/fuzz/regressions/<target>/.
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

import { scratchDir } from './helpers'
import { FUZZ_TARGETS, writeSeeds } from './fuzz/seeds'

const ROOT = join(__dirname, '..')
const SOURCES = join(ROOT, 'test', 'fuzz')
const BUILD = join(ROOT, 'build', 'fuzz')
const REGRESSIONS = join(SOURCES, 'regressions')
const SECONDS = Number(process.env.FILESEC_FUZZ_SECONDS ?? 5)
if (!Number.isInteger(SECONDS) || SECONDS < 1) throw new Error('FILESEC_FUZZ_SECONDS must be a whole number of seconds, at least 1')
// Bounds a parser must stay within on any input; generous for ASan's own overhead.
const LIMITS = ['-timeout=10', '-rss_limit_mb=1024', '-malloc_limit_mb=128']

/** Why libFuzzer cannot be used here, or undefined when clang and its fuzzer runtime are installed. */
function missingLibFuzzer(): string | undefined {
  const r = spawnSync('clang++', ['-print-runtime-dir'], { encoding: 'utf8' })
  if (r.error || r.status !== 0) return 'clang++ not found (Debian package clang)'
  const arch = process.arch === 'x64' ? 'x86_64' : process.arch === 'arm64' ? 'aarch64' : process.arch
  if (!existsSync(join(r.stdout.trim(), `libclang_rt.fuzzer-${arch}.a`))) {
    return "clang's libFuzzer runtime not found (Debian package libclang-rt-14-dev)"
  }
  return undefined
}

function run(cmd: string, args: string[], timeoutMs: number): { status: number | null; output: string } {
  const r = spawnSync(cmd, args, { cwd: BUILD, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 })
  if (r.error) throw r.error
  return { status: r.status, output: `${r.stdout}${r.stderr}` }
}

function buildFuzzers(): void {
  mkdirSync(BUILD, { recursive: true })
  if (!existsSync(join(BUILD, 'CMakeCache.txt'))) {
    const configure = run('cmake', ['-S', SOURCES, '-B', BUILD, '-DCMAKE_CXX_COMPILER=clang++'], 300_000)
    assert.equal(configure.status, 0, configure.output)
  }
  const build = run('cmake', ['--build', BUILD, '-j2'], 900_000)
  assert.equal(build.status, 0, build.output)
}

/** The figure libFuzzer prints with -print_final_stats=1. */
function stat(output: string, name: string): number {
  const m = new RegExp(`stat::${name}:\\s*(\\d+)`).exec(output)
  return m ? Number(m[1]) : NaN
}

const missing = missingLibFuzzer()
if (missing !== undefined) {
  describe('libFuzzer on the native parsers', () => {
    it(`SKIPPED: ${missing}`, function () {
      this.skip()
    })
  })
} else {
  describe('libFuzzer on the native parsers', function () {
    this.timeout(1_200_000 + SECONDS * 1000 * FUZZ_TARGETS.length)
    const work = scratchDir('filesec-fuzz-')
    const corpusRoot = join(BUILD, 'corpus')
    const artifacts = join(BUILD, 'artifacts')
    let seedCounts: Record<string, number> = {}

    before(async function () {
      buildFuzzers()
      mkdirSync(artifacts, { recursive: true })
      seedCounts = await writeSeeds(corpusRoot, work())
    })

    for (const target of FUZZ_TARGETS) {
      const binary = (): string => join(BUILD, `${target}_fuzzer`)

      const regressionDir = join(REGRESSIONS, target)
      const regressions = existsSync(regressionDir) ? readdirSync(regressionDir).map((n) => join(regressionDir, n)) : []
      if (regressions.length > 0) {
        it(`${target}: the ${regressions.length} kept regression inputs are refused cleanly`, function () {
          const r = run(binary(), [...LIMITS, ...regressions], 300_000)
          assert.equal(r.status, 0, r.output)
          for (const input of regressions) assert.ok(r.output.includes(`Executed ${input}`), `${input} was not run:\n${r.output}`)
        })
      }

      it(`${target}: ${SECONDS} s of fuzzing finds no crash, hang or unbounded allocation`, function () {
        const corpus = join(corpusRoot, target)
        const started = Date.now()
        const r = run(
          binary(),
          [
            `-max_total_time=${SECONDS}`,
            ...LIMITS,
            '-print_final_stats=1',
            `-artifact_prefix=${join(artifacts, `${target}-`)}`,
            corpus,
          ],
          SECONDS * 1000 + 300_000,
        )
        assert.equal(r.status, 0, `${target} found a problem (input kept in ${artifacts}):\n${r.output.slice(-8000)}`)
        const executions = stat(r.output, 'number_of_executed_units')
        assert.ok(executions > 0, `${target} executed nothing:\n${r.output.slice(-4000)}`)
        if (process.env.FILESEC_FUZZ_REPORT) {
          console.log(
            `      ${target}: ${executions} executions in ${((Date.now() - started) / 1000).toFixed(1)} s, ` +
              `${seedCounts[target]} seeds, corpus ${readdirSync(corpus).length} inputs, peak RSS ${stat(r.output, 'peak_rss_mb')} MB`,
          )
        }
      })
    }
  })
}
