/**
 * Blocks of bytes written once and read back later, kept in a temporary file so that what a long
 * analysis accumulates (the summaries of every dialog it concluded) does not stay resident. The
 * file is unlinked as soon as it is opened: the system frees it when its descriptor closes, which
 * is when the store is garbage collected or the process ends, however it ends. Where no temporary
 * file can be made or written, blocks stay in memory: a full disk costs memory, never data.
 */
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';

/** Closes the descriptor of a store nobody can read any more. */
const closeWhenCollected = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    // Already closed (process exit): nothing to free.
  }
});

/** Files a system could not unlink while open (Windows), removed when the process exits. */
const removeAtExit = new Map<string, number>();

function removeLeftFiles(): void {
  for (const [path, fd] of removeAtExit) {
    try {
      closeSync(fd);
      unlinkSync(path);
    } catch {
      // Best effort: the file is in the temporary directory.
    }
  }
}

/** Opens a new temporary file and unlinks it at once; null where that is not possible. */
function openUnlinkedFile(): number | null {
  const path = join(tmpdir(), `algscope-${process.pid}-${randomUUID()}.spill`);
  let fd: number;
  try {
    fd = openSync(path, 'wx+', 0o600);
  } catch {
    return null;
  }
  try {
    unlinkSync(path);
  } catch {
    // A system that cannot unlink an open file (Windows) removes it at exit instead.
    if (removeAtExit.size === 0) process.once('exit', removeLeftFiles);
    removeAtExit.set(path, fd);
  }
  return fd;
}

export class SpillStore {
  /** undefined until the first block is written; null when no file could be made. */
  #fd: number | null | undefined;
  /** A write failed (disk full or gone): later blocks stay in memory; earlier ones are still read from the file. */
  #fileFull = false;
  #fileEnd = 0;
  /** Per block: its offset in the file, or its bytes when it is kept in memory. */
  readonly #blocks: (number | Uint8Array)[] = [];
  readonly #lengths: number[] = [];

  /** Stores a copy of `bytes`; returns the block's number. */
  write(bytes: Uint8Array): number {
    if (this.#fd === undefined) {
      this.#fd = openUnlinkedFile();
      if (this.#fd !== null) closeWhenCollected.register(this, this.#fd);
    }
    const block = this.#blocks.length;
    this.#lengths.push(bytes.length);
    if (this.#fd !== null && !this.#fileFull) {
      try {
        let written = 0;
        while (written < bytes.length) written += writeSync(this.#fd, bytes, written, bytes.length - written, this.#fileEnd + written);
        this.#blocks.push(this.#fileEnd);
        this.#fileEnd += bytes.length;
        return block;
      } catch {
        // Disk full or gone: this block and the later ones stay in memory.
        this.#fileFull = true;
      }
    }
    // A copy (a Buffer's slice() would share the caller's memory).
    this.#blocks.push(new Uint8Array(bytes));
    return block;
  }

  /** The first bytes of a block into `into` (as many as `into` holds). */
  read(block: number, into: Uint8Array): void {
    const where = this.#blocks[block];
    if (where === undefined || into.length > this.#lengths[block]!) throw new RangeError(`no bytes 0..${into.length} in spilled block ${block}`);
    if (typeof where !== 'number') {
      into.set(where.subarray(0, into.length));
      return;
    }
    let done = 0;
    while (done < into.length) {
      const n = readSync(this.#fd as number, into, done, into.length - done, where + done);
      if (n === 0) throw new Error(`temporary file ended early reading spilled block ${block}`);
      done += n;
    }
  }

  /** Length of a block in bytes. */
  length(block: number): number {
    return this.#lengths[block]!;
  }

  /** Bytes kept in memory (blocks written where the file could not take them). */
  get residentBytes(): number {
    let total = 0;
    for (const where of this.#blocks) if (typeof where !== 'number') total += where.length;
    return total;
  }
}
