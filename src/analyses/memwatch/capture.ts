// Everything memwatch captures at one stop of the target: the input of every analysis here.
import type { BinarySections } from '../../heap/binary-sections';
import type { HeapCapture, MemStatsCapture } from '../../heap/types';
import type { PageCapture } from '../../pages/capture';

export interface MemCapture {
  /** ISO time of the capture. */
  takenAt: string;
  pid: number;
  goVersion: string;
  /** Where memory was read from: /proc/PID/mem, a core file, or Delve. */
  memorySource: 'proc' | 'core' | 'delve';
  memstats: MemStatsCapture;
  heap: HeapCapture;
  /** The kernel's view of the pages; null on a core dump or a process we cannot read. */
  pages: PageCapture | null;
  /** Why pages is null. */
  pagesUnavailable?: string;
  sections: BinarySections;
  /** The program's own file, as the mappings name it. */
  executable?: string;
}
