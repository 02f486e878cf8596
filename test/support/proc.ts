import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';

/** A process as /proc/<pid>/stat describes it. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  session: number;
  command: string;
}

export async function processInfo(pid: number): Promise<ProcessInfo | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid pgrp ...": comm may itself hold spaces and parentheses.
    const close = stat.lastIndexOf(')');
    const [, ppid, pgid, session] = stat.slice(close + 2).split(' ');
    const command = stat.slice(stat.indexOf('(') + 1, close);
    return { pid, ppid: Number(ppid), pgid: Number(pgid), session: Number(session), command };
  } catch {
    return null; // exited meanwhile
  }
}

export async function listProcesses(): Promise<ProcessInfo[]> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
  return (await Promise.all(pids.map(processInfo))).filter((info): info is ProcessInfo => info !== null);
}

/** Every process started by `pid`, directly or not. */
export async function descendantsOf(pid: number): Promise<ProcessInfo[]> {
  const all = await listProcesses();
  const found: ProcessInfo[] = [];
  const parents = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const info of all) {
      if (parents.has(info.ppid) && !parents.has(info.pid)) {
        parents.add(info.pid);
        found.push(info);
        grew = true;
      }
    }
  }
  return found;
}

/** Whether a process is running: an exited one that nobody has reaped yet (a zombie) is not. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** /proc/<pid>/cmdline or environ with NUL separators as spaces; null once the process has gone. */
export async function readProcText(pid: number, file: 'cmdline' | 'environ'): Promise<string | null> {
  try {
    return (await readFile(`/proc/${pid}/${file}`)).toString('utf8').replace(/\0/g, ' ');
  } catch {
    return null;
  }
}

/** Kills whatever a dead worker left running (the tools of a SIGKILLed worker outlive it). */
export function killAll(processes: ProcessInfo[]): void {
  for (const { pid } of processes) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
