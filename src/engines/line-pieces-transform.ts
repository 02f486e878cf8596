import { Transform, type TransformCallback } from 'node:stream';

/**
 * A byte stream cut at each "\n" and handed on piece by piece: a line longer than a chunk arrives in several pieces,
 * the last one with `endsLine`. Memory stays bounded whatever the line length; what a subclass throws becomes the
 * stream's error.
 */
export abstract class LinePiecesTransform extends Transform {
  /** A piece of one line; `endsLine` when it includes the line's "\n". */
  protected abstract acceptPiece(piece: Buffer, endsLine: boolean): void;

  /** At the end of the input: push what is still held. */
  protected abstract finish(): void;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      let offset = 0;
      while (offset < chunk.length) {
        const newline = chunk.indexOf(0x0a, offset);
        const end = newline < 0 ? chunk.length : newline + 1;
        this.acceptPiece(chunk.subarray(offset, end), newline >= 0);
        offset = end;
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.finish();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }
}
