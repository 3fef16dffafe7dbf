// Follows one track_file the way keepalived 2.2.7 does (trackers/track_file.c): the file's
// directory is watched, so the file may be written, created, replaced by a rename or deleted; a
// file that is missing or unreadable counts as 0, a number out of range is ignored (the value
// stays). keepalived acts on inotify IN_CLOSE_WRITE; fs.watch reports IN_MODIFY instead, so a
// change is read once the file has been quiet for TRACK_FILE_SETTLE_MS: `echo 5 > f` (truncate,
// then write) is read once, as 5, not as 0 and then 5.
import {
  closeSync,
  existsSync,
  openSync,
  readSync,
  realpathSync,
  statSync,
  watch,
  writeFileSync,
  type FSWatcher,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { KtsError } from '../errors.js';
import type { TrackFileSpec } from './spec.js';
import { parseTrackFileValue, TRACK_FILE_READ_MAX } from './track.js';

/** Quiet time after the last modification before the file is read. */
export const TRACK_FILE_SETTLE_MS = 20;

/**
 * The file's absolute path with its directory resolved (keepalived's realpath): the directory
 * must exist, the file need not.
 */
function resolvedPath(path: string): string {
  const absolute = resolve(path);
  if (existsSync(absolute)) return realpathSync(absolute);
  const dir = dirname(absolute);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new KtsError('TRACK_FILE_NO_DIRECTORY', `track file directory ${dir} does not exist`);
  }
  return join(realpathSync(dir), basename(absolute));
}

/** The number in the file: 0 when it cannot be read, undefined when out of range. */
function readValue(path: string): number | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return 0;
  }
  try {
    const buf = Buffer.alloc(TRACK_FILE_READ_MAX);
    const len = readSync(fd, buf, 0, buf.length, null);
    return parseTrackFileValue(buf.toString('latin1', 0, len));
  } catch {
    return 0;
  } finally {
    closeSync(fd);
  }
}

export interface FileTrackerEvents {
  /** The value changed. */
  change(value: number, previous: number): void;
  /** The file held a number out of range (ignored), or the directory watch failed. */
  problem(message: string): void;
}

export class FileTracker {
  private current = 0;
  private readonly path: string;
  private watcher: FSWatcher | undefined;
  private settle: NodeJS.Timeout | undefined;

  /**
   * Resolves the path and applies `init_file` (which rewrites an existing file only with
   * `overwrite` and only at `firstLoad`, not on a reload); throws a KtsError when the directory
   * does not exist (keepalived then removes the tracker).
   */
  constructor(
    readonly spec: TrackFileSpec,
    firstLoad: boolean,
    private readonly events: FileTrackerEvents,
  ) {
    this.path = resolvedPath(spec.path);
    const init = spec.initFile;
    if (init && (!existsSync(this.path) || (init.overwrite && firstLoad))) {
      writeFileSync(this.path, `${init.value}\n`);
    }
    this.current = this.read() ?? 0;
  }

  get value(): number {
    return this.current;
  }

  get resolvedPath(): string {
    return this.path;
  }

  start(): void {
    const name = basename(this.path);
    this.watcher = watch(dirname(this.path), { persistent: false }, (_type, file) => {
      if (file !== name) return;
      clearTimeout(this.settle);
      this.settle = setTimeout(() => this.refresh(), TRACK_FILE_SETTLE_MS);
    });
    this.watcher.on('error', (err) => this.events.problem(`watching ${this.path}: ${err.message}`));
  }

  stop(): void {
    clearTimeout(this.settle);
    this.watcher?.close();
    this.watcher = undefined;
  }

  private read(): number | undefined {
    const value = readValue(this.path);
    if (value === undefined)
      this.events.problem(`invalid number read from ${this.path} - ignoring`);
    return value;
  }

  private refresh(): void {
    const value = this.read();
    if (value === undefined || value === this.current) return;
    const previous = this.current;
    this.current = value;
    this.events.change(value, previous);
  }
}
