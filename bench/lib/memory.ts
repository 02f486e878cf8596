import { readFile, writeFile } from 'node:fs/promises';

export interface MemoryStatus {
  /** Resident set size now, bytes. */
  rss: number;
  /** Peak resident set size (high-water mark) since start or since the last reset, bytes. */
  hwm: number;
}

/** VmRSS and VmHWM of a process, from /proc/<pid>/status (Linux); undefined once the process is gone. */
export async function readMemory(pid: number): Promise<MemoryStatus | undefined> {
  let status: string;
  try {
    status = await readFile(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const field = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) * 1024 : NaN;
  };
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}

/**
 * Resets the process's VmHWM to its current RSS (writing 5 to /proc/<pid>/clear_refs, Linux ≥ 4.0), so the next
 * VmHWM is the peak of one run. Returns false when not permitted; VmHWM then stays the lifetime peak.
 */
export async function resetPeak(pid: number): Promise<boolean> {
  try {
    await writeFile(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export interface MemorySummary {
  samples: number;
  /** Largest VmRSS seen by sampling, bytes. */
  maxSampledRss: number;
  /** VmHWM read at the end, bytes: the kernel's peak, which sampling can miss. */
  hwm: number;
  /** Whether hwm covers only this run (clear_refs worked) or the whole life of the process. */
  hwmIsPerRun: boolean;
}

/** Samples VmRSS every `intervalMs` until stopped, then reads VmHWM. */
export class RssSampler {
  private maxRss = 0;
  private samples = 0;
  private timer: NodeJS.Timeout | undefined;
  private hwmIsPerRun = false;

  private constructor(private readonly pid: number) {}

  static async start(pid: number, intervalMs = 100): Promise<RssSampler> {
    const sampler = new RssSampler(pid);
    sampler.hwmIsPerRun = await resetPeak(pid);
    await sampler.sample();
    sampler.timer = setInterval(() => void sampler.sample(), intervalMs);
    return sampler;
  }

  private async sample(): Promise<void> {
    const memory = await readMemory(this.pid);
    if (!memory) return;
    this.samples++;
    this.maxRss = Math.max(this.maxRss, memory.rss);
  }

  async stop(): Promise<MemorySummary> {
    clearInterval(this.timer);
    await this.sample();
    const memory = await readMemory(this.pid);
    return { samples: this.samples, maxSampledRss: this.maxRss, hwm: memory?.hwm ?? NaN, hwmIsPerRun: this.hwmIsPerRun };
  }
}
