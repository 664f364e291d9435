/** Process facts for status maps (`VIRT`, `RSS`, `SHR` in KB from /proc, as Jubatus reports). */
import fs from 'node:fs';
import os from 'node:os';

const PAGE_KB = 4;

export function memoryKb(): { VIRT: string; RSS: string; SHR: string } {
  try {
    const [size, resident, shared] = fs.readFileSync('/proc/self/statm', 'utf8').trim().split(/\s+/).map(Number);
    return { VIRT: String(size! * PAGE_KB), RSS: String(resident! * PAGE_KB), SHR: String(shared! * PAGE_KB) };
  } catch {
    const m = process.memoryUsage();
    return { VIRT: '0', RSS: String(Math.round(m.rss / 1024)), SHR: '0' };
  }
}

export function userName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return String(process.getuid?.() ?? '');
  }
}

export function epochSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
